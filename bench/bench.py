#!/usr/bin/env python3
"""spicebox against QEMU on the same guest images, several rounds alternating the two, ratios taken pair
by pair (these machines are shared and noisy). Run through bench/run.sh, which builds what it needs.

Rows (issue 7): start to ready (hello, demo); memory of the demo guest (peak and steady RSS, guest RAM
touched, overhead); the qxl-bench draw sequence seen by a headless client (frames per second, VMM CPU
per frame, bytes sent to it), then key presses from that client answered by a draw (latency); the bytes sent for the
same sequence when the client asks for raw images or LZ4; the floors (one frame's memcpy on the host, one port-I/O
exit).
"""
import argparse
import datetime
import os
import platform
import select
import socket
import statistics
import subprocess
import sys
import time

MIB = 1024 * 1024
GUEST_MEMORY_MIB = 256
QXL_BENCH_FRAMES = 210  # guest-drivers/qxl-bench/qxl_bench.cc's total_frames
IO_BENCH_COUNT = 5000
LATENCY_KEYS = 20
DEMO_STEADY_SECONDS = 1.0
READY_TIMEOUT = 60.0


class Vmm:
    """How to start one VMM on a guest image, with a SPICE port and serial on stdout."""

    def __init__(self, name, argv):
        self.name = name
        self.argv = argv

    def command(self, image, append, port):
        return self.argv(image, append, port)


def spicebox_vmm(binary):
    def argv(image, append, port):
        return [binary, "--kernel", image, "--memory", "%dM" % GUEST_MEMORY_MIB, "--vga", "qxl", "--serial", "stdio",
                "--spice", "port=%d,addr=127.0.0.1,disable-ticketing" % port, "--append", append]
    return Vmm("spicebox", argv)


def qemu_vmm(binary):
    def argv(image, append, port):
        return [binary, "-enable-kvm", "-machine", "pc", "-m", str(GUEST_MEMORY_MIB), "-vga", "qxl", "-display", "none",
                "-serial", "stdio", "-spice", "port=%d,addr=127.0.0.1,disable-ticketing=on" % port,
                "-device", "isa-debug-exit,iobase=0x501,iosize=1", "-kernel", image, "-append", append]
    return Vmm("qemu", argv)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Run:
    """One VMM process: its serial output read line by line with the time each line arrived."""

    def __init__(self, vmm, image, append):
        self.port = free_port()
        self.started = time.monotonic()
        self.process = subprocess.Popen(vmm.command(image, append, self.port), stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.buffer = b""
        self.lines = []

    def wait_for(self, marker, timeout=READY_TIMEOUT):
        """Seconds from start until a serial line contains `marker`."""
        deadline = time.monotonic() + timeout
        while True:
            for line, at in self.lines:
                if marker in line:
                    return at - self.started
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError("no %r on serial within %.0f s; got %r" % (marker, timeout, [l for l, _ in self.lines]))
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.process.stdout.fileno(), 65536)
            now = time.monotonic()
            if not chunk:
                if self.process.poll() is not None and not any(marker in l for l, _ in self.lines):
                    raise RuntimeError("exited (%s) before %r; serial %r" % (self.process.returncode, marker,
                                                                             [l for l, _ in self.lines]))
                time.sleep(0.01)
                continue
            self.buffer += chunk
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                self.lines.append((line.decode(errors="replace"), now))

    def status(self, field):
        """A /proc/PID/status field in kB."""
        with open("/proc/%d/status" % self.process.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise RuntimeError("no %s in /proc/%d/status" % (field, self.process.pid))

    def guest_ram_rss_kib(self):
        """Resident kB of the mappings at least the size of guest RAM: each VMM maps guest RAM in one
        piece, and has no other mapping that large (the kernel may merge a neighbour, a BAR, into it)."""
        total = 0
        size = None
        with open("/proc/%d/smaps" % self.process.pid) as f:
            for line in f:
                if line.startswith("Size:"):
                    size = int(line.split()[1])
                elif line.startswith("Rss:") and size is not None:
                    if size >= GUEST_MEMORY_MIB * 1024:
                        total += int(line.split()[1])
                    size = None
        return total

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.process.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def spice_bytes_sent(self):
        """Bytes the SPICE port's connections sent and had acknowledged (the kernel's tcp_info), over
        all channels; /proc/PID/io would miss send() and sendmsg()."""
        out = subprocess.run(["ss", "-tinH", "state", "established", "sport", "=", ":%d" % self.port],
                             capture_output=True, text=True, check=True).stdout
        return sum(int(word.split(":")[1]) for word in out.split() if word.startswith("bytes_acked:"))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def measure_hello(vmm, images):
    run = Run(vmm, images["hello"], "")
    try:
        return {"hello_ready_ms": run.wait_for("hello: booted by") * 1000}
    finally:
        run.stop()


def measure_demo(vmm, images):
    run = Run(vmm, images["demo"], "demo.seconds=0")
    try:
        ready = run.wait_for("demo: listening")
        time.sleep(DEMO_STEADY_SECONDS)
        steady = run.status("VmRSS")
        guest = run.guest_ram_rss_kib()
        peak = run.status("VmHWM")
        return {"demo_ready_ms": ready * 1000, "demo_peak_rss_mib": peak / 1024, "demo_steady_rss_mib": steady / 1024,
                "demo_guest_ram_mib": guest / 1024, "demo_overhead_mib": (steady - guest) / 1024}
    finally:
        run.stop()


def measure_io_exit(vmm, images):
    run = Run(vmm, images["io-bench"], "io_bench.count=%d" % IO_BENCH_COUNT)
    try:
        run.wait_for("io-bench:")
        line = next(l for l, _ in run.lines if l.startswith("io-bench:"))
        # "io-bench: N port writes in T us: E ns per exit"
        return {"io_exit_us": int(line.split(":")[2].split()[0]) / 1000}
    finally:
        run.stop()


def measure_display(vmm, images, client, compression="default"):
    """The qxl-bench sequence seen by bench-client with `compression` (raw, lz4 or default client image
    capabilities): the bytes sent to it, and with the default ones the frame rate, CPU and key latency too."""
    keys = LATENCY_KEYS if compression == "default" else 0
    run = Run(vmm, images["qxl-bench"], "qxl_bench.delay_ms=1500 qxl_bench.keys=%d linger" % keys)
    try:
        viewer = subprocess.Popen([client, "--compression=" + compression, "spice://127.0.0.1:%d" % run.port, "60", str(keys)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def expect(prefix):
            line = viewer.stdout.readline()
            if not line.startswith(prefix):
                viewer.stdin.close()
                viewer.wait(10)
                raise RuntimeError("bench-client: %r %s" % (line, viewer.stderr.read()))
            return line

        expect("bench-client: armed")
        bytes0 = run.spice_bytes_sent()
        expect("bench-client: start")
        cpu0 = run.cpu_seconds()
        end_line = expect("bench-client: end")
        cpu1, bytes1 = run.cpu_seconds(), run.spice_bytes_sent()
        sent = {"display_mib_sent_" + compression: (bytes1 - bytes0) / MIB}
        if keys == 0:
            viewer.stdin.close()
            viewer.wait(10)
            return sent
        # "bench-client: latency MEDIAN us (MIN..MAX) over N keys"
        latency_line = expect("bench-client: latency")
        viewer.stdin.close()
        viewer.wait(10)
        elapsed_us = int(end_line.split()[2])
        return dict(sent, key_latency_us=int(latency_line.split()[2]), display_fps=QXL_BENCH_FRAMES / (elapsed_us / 1e6),
                    display_cpu_ms_per_frame=(cpu1 - cpu0) * 1000 / QXL_BENCH_FRAMES)
    finally:
        run.stop()


ROWS = [
    ("hello_ready_ms", "1. start to ready: hello (ms)"),
    ("demo_ready_ms", "1. start to ready: demo (ms)"),
    ("demo_peak_rss_mib", "2. demo: peak RSS (MiB)"),
    ("demo_steady_rss_mib", "2. demo: steady RSS (MiB)"),
    ("demo_guest_ram_mib", "2. demo: guest RAM mapping resident (MiB)"),
    ("demo_overhead_mib", "2. demo: overhead, steady RSS - guest RAM (MiB)"),
    ("display_fps", "3. qxl-bench: frames/s at the client"),
    ("display_cpu_ms_per_frame", "3. qxl-bench: VMM CPU ms per frame"),
    ("display_mib_sent_raw", "4. qxl-bench: MiB sent, client asks for raw images (no LZ4 cap, compression off)"),
    ("display_mib_sent_lz4", "4. qxl-bench: MiB sent, client asks for LZ4"),
    ("display_mib_sent_default", "4. qxl-bench: MiB sent, client default (LZ4 cap, the server's choice)"),
    ("key_latency_us", "5. key to draw at the client, median of %d (us)" % LATENCY_KEYS),
    ("io_exit_us", "6. floor: one port-I/O exit (us)"),
]


def machine_description(binaries):
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    qemu_version = subprocess.run([binaries["qemu"], "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    spicebox_version = subprocess.run([binaries["spicebox"], "--version"], capture_output=True, text=True).stdout.strip()
    return ["date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine: %s, %d CPUs, kernel %s, %s" % (cpu, os.cpu_count(), platform.release(),
                                                    "KVM through kvm_pvm" if os.path.exists("/sys/module/kvm_pvm") else "KVM"),
            "spicebox: %s" % spicebox_version, "qemu: %s" % qemu_version] + (
                ["**Both peers ran inside a nested KVM host (scripts/in-kvm.sh: QEMU TCG with an emulated SVM CPU): "
                 "its absolute times are an emulator's; compare the spicebox/QEMU ratios only.**"]
                if os.environ.get("IN_KVM_NESTED") else [])


def format_table(samples, rounds, floor_line, header):
    lines = header + ["rounds: %d, each pair run back to back, the order alternating" % rounds, floor_line, "",
                      "| measure | spicebox median (min..max) | QEMU median (min..max) | spicebox/QEMU (median of pair ratios) |",
                      "|---|---|---|---|"]
    for key, title in ROWS:
        ours_by_round, theirs_by_round = samples["spicebox"].get(key, {}), samples["qemu"].get(key, {})
        ours, theirs = list(ours_by_round.values()), list(theirs_by_round.values())
        if not ours or not theirs:
            lines.append("| %s | not measured | not measured | |" % title)
            continue
        # Pairs are the two runs of the same round; a round where either failed has no pair.
        ratios = [ours_by_round[r] / theirs_by_round[r] for r in ours_by_round if theirs_by_round.get(r)]
        cell = lambda values: "%.3g (%.3g..%.3g)" % (statistics.median(values), min(values), max(values))
        lines.append("| %s | %s | %s | %s |" % (title, cell(ours), cell(theirs),
                                                 "%.3g" % statistics.median(ratios) if ratios else "n/a"))
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build", help="the meson build directory (default: build)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--spicebox", help="the spicebox binary (default: BUILD/vmm/spicebox)")
    parser.add_argument("--output", help="where to write the table (default: BUILD/bench/results.md)")
    args = parser.parse_args()

    images = {name: os.path.join(args.build, "guest-drivers", name + ".elf")
              for name in ("hello", "demo", "io-bench", "qxl-bench")}
    binaries = {"spicebox": args.spicebox or os.path.join(args.build, "vmm", "spicebox"), "qemu": args.qemu}
    client = os.path.join(args.build, "bench", "bench-client")
    floor = subprocess.run([os.path.join(args.build, "bench", "memcpy-floor")], capture_output=True, text=True,
                           check=True).stdout.strip()
    vmms = [spicebox_vmm(binaries["spicebox"]), qemu_vmm(binaries["qemu"])]
    measures = [measure_hello, measure_demo, measure_io_exit] + [
        lambda vmm, images, compression=compression: measure_display(vmm, images, client, compression)
        for compression in ("default", "raw", "lz4")]
    samples = {vmm.name: {} for vmm in vmms}
    for round_index in range(args.rounds):
        order = vmms if round_index % 2 == 0 else list(reversed(vmms))
        for measure in measures:
            for vmm in order:
                try:
                    result = measure(vmm, images)
                except RuntimeError as error:
                    print("bench: round %d, %s: %s" % (round_index + 1, vmm.name, error), file=sys.stderr)
                    continue
                for key, value in result.items():
                    samples[vmm.name].setdefault(key, {})[round_index] = value
        print("bench: round %d of %d done" % (round_index + 1, args.rounds), file=sys.stderr)
    table = format_table(samples, args.rounds, "6. floor: " + floor, machine_description(binaries))
    output = args.output or os.path.join(args.build, "bench", "results.md")
    with open(output, "w") as f:
        f.write(table)
    print(table)
    print("bench: written to %s" % output, file=sys.stderr)


if __name__ == "__main__":
    main()
