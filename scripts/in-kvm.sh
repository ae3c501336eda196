#!/usr/bin/env bash
# in-kvm.sh COMMAND [ARGS...]: runs COMMAND where a usable KVM is, and exits with its status.
#
# Directly when /dev/kvm opens and guest ring 0 runs natively on it (the cpuprobe guest says so); otherwise
# inside a nested KVM host: Debian's kernel under QEMU's TCG with an emulated AMD-V CPU (SVM and nested
# paging), whose kvm-amd gives the command a /dev/kvm on which real kernels boot. The nested host sees this
# machine's root filesystem read-only through 9p (with a discarded overlay on top, so programs may write their
# caches), and the repository and /tmp writable at the same paths. COMMAND runs as the same user in the same
# directory with the same environment (plus IN_KVM_NESTED=1, and XDG_RUNTIME_DIR on a tmpfs, since 9p cannot
# hold unix sockets); its stdout and stderr stream back as they are written; its stdin is /dev/null.
#
# IN_KVM=direct|nested forces the choice. IN_KVM_MEMORY (MiB, default half of this machine's RAM, at most
# 8192) and IN_KVM_CPUS (default 1, see below) size the nested host. Exit status 125 is this script's own failure (one
# line says what is missing), as with env(1) and timeout(1).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
self=$repo/scripts/in-kvm.sh
me=in-kvm
die() { echo "$me: $*" >&2; exit 125; }
[[ $# -ge 1 ]] || { echo "usage: scripts/in-kvm.sh COMMAND [ARGS...]" >&2; exit 2; }

# Whether this machine's own KVM is usable: it opens, and the cpuprobe guest finds ring 0 native. Sets `why`.
kvm_is_native() {
    if [[ ! -e /dev/kvm ]]; then
        why="this machine has no /dev/kvm"
        return 1
    fi
    if [[ ! -r /dev/kvm || ! -w /dev/kvm ]]; then
        why="/dev/kvm is not readable and writable by $(id -un)"
        return 1
    fi
    local spicebox=$repo/build/vmm/spicebox probe
    [[ -x $spicebox ]] || die "$spicebox is missing (run scripts/build.sh): it probes this machine's KVM"
    probe=$("$spicebox" --guest cpuprobe --display none --vga none 2>/dev/null)
    why="this machine's KVM emulates guest ring 0 (cpuprobe)"
    [[ $probe == *"ring0=native"* ]]
}

mode=${IN_KVM:-}
why="IN_KVM=nested"
if [[ -z $mode ]]; then
    if kvm_is_native; then mode=direct; else mode=nested; fi
fi
case $mode in
    direct) exec "$@" ;;
    nested) ;;
    *) die "IN_KVM=$mode: use direct or nested" ;;
esac

qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 not found: install qemu-system-x86 (scripts/install-deps.sh --test)"
kernel=$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[[ -n $kernel ]] || die "no /boot/vmlinuz-*-amd64 for the nested host: install linux-image-amd64 (scripts/install-deps.sh --test)"
release=${kernel#/boot/vmlinuz-}
[[ -d /lib/modules/$release ]] || die "no /lib/modules/$release for $kernel: reinstall linux-image-$release"
[[ -x /bin/busybox ]] || die "no /bin/busybox for the nested host's init: install busybox-static"
command -v python3 >/dev/null || die "python3 not found: the nested host's init holds its keeper VM with it (install python3)"

# The nested host's initramfs: busybox, the modules for 9p, the overlay, virtio-serial and kvm-amd, and the
# init below. Rebuilt when the kernel or this script changes.
cache=$repo/build/in-kvm
initrd=$cache/initramfs-$release.cpio.gz
if [[ ! -f $initrd || $initrd -ot $self || $initrd -ot $kernel || $initrd -ot $repo/guest-drivers/linux/kernel-modules.sh ]]; then
    mkdir -p "$cache" || die "cannot create $cache"
    root=$(mktemp -d) || die "mktemp failed"
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root"/{bin,dev,proc,sys,lower,upper,newroot}
    cp /bin/busybox "$root/bin/busybox"
    for applet in sh mount mkdir insmod cat echo ip chroot chmod ln poweroff sync; do
        ln -s busybox "$root/bin/$applet"
    done
    . "$repo/guest-drivers/linux/kernel-modules.sh"
    copy_modules "/lib/modules/$release" "$root/lib/modules" virtio_pci virtio_console 9pnet_virtio 9p overlay kvm-amd ||
        die "the modules for the nested host are missing from /lib/modules/$release"
    cat > "$root/init" <<'INIT'
#!/bin/sh
# The nested host's init: load the modules, assemble the root, run the job, report its status, power off.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in $(cat /lib/modules/load-order); do
    insmod /lib/modules/$module || echo "in-kvm: insmod $module failed"
done
ip link set lo up
run=
for word in $(cat /proc/cmdline); do
    case $word in in_kvm.run=*) run=${word#in_kvm.run=} ;; esac
done
p9="trans=virtio,version=9p2000.L,msize=524288"
mount -t 9p -o "$p9,cache=loose,ro" root /lower || { echo "in-kvm: cannot mount the host's root"; poweroff -f; }
mount -t tmpfs -o mode=755 upper /upper
mkdir -p /upper/data /upper/work
mount -t overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work overlay /newroot ||
    { echo "in-kvm: cannot mount the overlay"; poweroff -f; }
index=0
for path in $(cat /lower$run/writable); do
    mount -t 9p -o "$p9,cache=mmap" rw$index /newroot$path || echo "in-kvm: cannot mount $path writable"
    index=$((index + 1))
done
mount -t proc proc /newroot/proc
mount -t sysfs sysfs /newroot/sys
mount -t devtmpfs devtmpfs /newroot/dev
chmod 666 /dev/kvm
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 shm /newroot/dev/shm
mount -t tmpfs -o mode=755 run /newroot/run
# 9p cannot hold sockets: X servers' go on a tmpfs, and the job's runtime directory is on /run.
mkdir -p /newroot/tmp/.X11-unix /newroot/tmp/.ICE-unix
mount -t tmpfs -o mode=1777 x11 /newroot/tmp/.X11-unix
mount -t tmpfs -o mode=1777 ice /newroot/tmp/.ICE-unix
# The output ports by name (their device numbers depend on probe order).
for port in /sys/class/virtio-ports/*; do
    ln -s /dev/${port##*/} /newroot/dev/in-kvm-$(cat $port/name)
done
# KVM turns the kernel's preempt-notifier static key on with the first VM and off with the last, each time
# patching __schedule through an int3 (under multi-threaded TCG a CPU kept running the stale int3 and the host
# froze; under any TCG each patch throws away translated code). One VM with a vCPU, held for the whole job,
# keeps that key and the APIC-disabled keys on, so the job's VMs never patch the kernel.
chroot /newroot python3 -c '
import fcntl, os, signal
kvm = os.open("/dev/kvm", os.O_RDWR)
vm = fcntl.ioctl(kvm, 0xAE01, 0)   # KVM_CREATE_VM
fcntl.ioctl(vm, 0xAE60, 0)         # KVM_CREATE_IRQCHIP
fcntl.ioctl(vm, 0xAE41, 0)         # KVM_CREATE_VCPU
if os.fork() == 0:
    signal.pause()
' || echo "in-kvm: cannot hold the keeper VM"
# The heartbeat tells the outer script that this host still runs (see the watchdog there).
(while :; do : > /newroot$run/heartbeat; sleep 10; done) &
chroot /newroot /bin/bash $run/job </dev/null >/newroot/dev/in-kvm-stdout 2>/newroot/dev/in-kvm-stderr
status=$?
# What the nested kernel saw end a process badly (an oops kills the thread it hit; the OOM killer; a segfault's
# trap line), which a test sees only as a process gone quiet: say so.
dmesg | grep -E -A3 'BUG:|Oops|general protection|corrupted|Out of memory|oom-kill|segfault|traps:' | head -40 |
    sed 's/^/in-kvm: the nested host kernel: /' > /newroot/dev/in-kvm-stderr
echo $status > /newroot$run/status
sync
poweroff -f
INIT
    chmod +x "$root/init"
    (cd "$root" && find . -print0 | cpio --null -o --format=newc -R 0:0 --quiet) | gzip -1 > "$initrd.tmp" &&
        mv "$initrd.tmp" "$initrd" || die "cannot write $initrd"
    rm -rf "$root"
    trap - EXIT
fi

run=$(mktemp -d /tmp/in-kvm.XXXXXX) || die "cannot create a directory in /tmp"
qemu_pid=
watchdog_pid=
cleanup() {
    [[ -n $qemu_pid ]] && kill "$qemu_pid" 2>/dev/null
    [[ -n $watchdog_pid ]] && kill "$watchdog_pid" 2>/dev/null
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The job: the same directory, environment and command. /tmp is mounted first: the repository may lie in it.
writable=(/tmp "$repo")
printf '%s\n' "${writable[@]}" > "$run/writable"
{
    export -p
    # Unix sockets cannot live on 9p: the runtime directory is a tmpfs inside.
    printf 'export IN_KVM_NESTED=1 XDG_RUNTIME_DIR=/run/in-kvm-%d\n' "$(id -u)"
    printf 'mkdir -m 700 -p "$XDG_RUNTIME_DIR" && chown %d "$XDG_RUNTIME_DIR"\n' "$(id -u)"
    # The same descriptor limits as here, not the nested init's default of 1024.
    printf 'ulimit -Hn %s && ulimit -Sn %s || exit 125\n' "$(ulimit -Hn)" "$(ulimit -Sn)"
    printf 'cd %q || exit 125\n' "$PWD"
    printf 'exec'
    # The init runs as root: a user's command gets its own ids back.
    [[ $(id -u) -ne 0 ]] && printf ' setpriv --reuid=%d --regid=%d --clear-groups --' "$(id -u)" "$(id -g)"
    printf ' %q' "$@"
    printf '\n'
} > "$run/job"

memory=${IN_KVM_MEMORY:-$(awk '/MemTotal/ { m = int($2 / 2048); print (m > 8192 ? 8192 : m) }' /proc/meminfo)}
cpus=${IN_KVM_CPUS:-1}
security=none
[[ $(id -u) -eq 0 ]] && security=passthrough
shares=(-virtfs "local,path=/,mount_tag=root,security_model=$security,readonly=on,multidevs=remap")
for index in "${!writable[@]}"; do
    shares+=(-virtfs "local,path=${writable[$index]},mount_tag=rw$index,security_model=$security,multidevs=remap")
done
for stream in stdout stderr; do
    mkfifo "$run/$stream.in" "$run/$stream.out" || die "mkfifo in $run failed"
done
cat "$run/stdout.out" &
stdout_pid=$!
cat "$run/stderr.out" >&2 &
stderr_pid=$!

echo "$me: $why: running $1 in a nested KVM host (QEMU TCG with SVM, $cpus CPUs, $memory MiB)" >&2
# One CPU, single-threaded TCG. With two CPUs under QEMU 7.2's multi-threaded TCG the nested host's kernel froze
# (a stale int3 spun both CPUs) or corrupted its memory ("corrupted stack end detected inside scheduler") under
# the interop suite. With two CPUs taking turns on one thread, the kernel finds their TSCs unsynchronized and
# marks the TSC unstable; kvm-amd then shifts the guest's TSC offset, and 3 of 8 Linux guests stopped at a random
# point of their boot, their vCPU spinning with no timer interrupt injected. One CPU has neither problem.
"$qemu" -accel tcg,thread=single -cpu qemu64,+svm,+npt,+ssse3,+sse4.1,+sse4.2,+popcnt -smp "$cpus" -m "$memory" \
    -machine q35 -nodefaults -no-user-config -nographic -no-reboot \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 in_kvm.run=$run" \
    -serial "file:$run/console.log" -monitor "unix:$run/monitor.sock,server=on,wait=off" \
    "${shares[@]}" \
    -device virtio-serial-pci \
    -chardev "pipe,id=stdout,path=$run/stdout" -device virtserialport,chardev=stdout,name=stdout \
    -chardev "pipe,id=stderr,path=$run/stderr" -device virtserialport,chardev=stderr,name=stderr &
qemu_pid=$!
# A host whose heartbeat stops for two minutes is frozen: stop it rather than let the job hang for ever.
(
    while sleep 30 </dev/null >/dev/null 2>&1; do
        [[ -f $run/heartbeat && -n $(find "$run/heartbeat" -mmin -2) ]] && continue
        [[ ! -f $run/heartbeat && -n $(find "$run/job" -mmin -5) ]] && continue
        echo "$me: the nested KVM host stopped responding (no heartbeat for 2 minutes): stopping it" >&2
        kill "$qemu_pid"
        break
    done
) &
watchdog_pid=$!
wait "$qemu_pid"
qemu_status=$?
qemu_pid=
kill "$watchdog_pid" 2>/dev/null
# A reader still waiting to open its pipe (QEMU never opened it) gets a writer that closes at once.
for stream in stdout stderr; do
    exec 3<>"$run/$stream.out" 3>&-
done
wait "$stdout_pid" "$stderr_pid"

if [[ ! -f $run/status ]]; then
    echo "$me: the nested host ended (QEMU status $qemu_status) before the command finished; its console said:" >&2
    tail -60 "$run/console.log" >&2
    exit 125
fi
exit "$(cat "$run/status")"
