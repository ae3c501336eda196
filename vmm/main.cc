// spicebox: parse the command line, build the machine, load the guest, run it, and turn the way the run
// ended into the exit status --help documents.
#include "base/log.h"
#include "spice-client-sdl/sdl_window.h"
#include "spice-common/png_writer.h"
#include "vmm/bios_image.h"
#include "vmm/boot_cpu.h"
#include "vmm/boot_image.h"
#include "vmm/builtin_guests.h"
#include "vmm/command_line.h"
#include "vmm/connect_command.h"
#include "vmm/machine.h"
#include "vmm/mp_table.h"
#include "vmm/screen_watch.h"
#include "vmm/screenshot_command.h"
#include "vmm/sdl_display.h"
#include "vmm/serial_console.h"
#include "vmm/spice_service.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace spicebox;

namespace {

enum ExitStatus {
    kExitOk = 0,
    kExitRuntimeError = 1,
    kExitUsage = 2,
    kExitNotMatched = 3,
};

constexpr const char* kDefaultGuest = "demo";
constexpr uint64_t kMaxInputFileBytes = 1ull << 32;

Result<std::vector<uint8_t>> read_file(const std::string& path, const char* what)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error { std::string("cannot read ") + what + " " + path + ": " + std::strerror(errno) };
    struct stat info {};
    std::vector<uint8_t> bytes;
    std::string problem;
    if (fstat(fd, &info) < 0)
        problem = std::strerror(errno);
    else if (S_ISDIR(info.st_mode))
        problem = "it is a directory";
    else if (!S_ISREG(info.st_mode))
        problem = "it is not a regular file";
    else if (uint64_t(info.st_size) > kMaxInputFileBytes)
        problem = "it is larger than 4 GiB";
    if (problem.empty()) {
        bytes.resize(size_t(info.st_size));
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t count = ::read(fd, bytes.data() + done, bytes.size() - done);
            if (count <= 0) {
                problem = count < 0 ? std::strerror(errno) : "the file shrank while it was read";
                break;
            }
            done += size_t(count);
        }
    }
    ::close(fd);
    if (!problem.empty())
        return Error { std::string("cannot read ") + what + " " + path + ": " + problem };
    return bytes;
}

int fail(int status, const Error& error)
{
    std::fprintf(stderr, "spicebox: %s\n", error.message.c_str());
    return status;
}

int screenshot_main(std::span<const std::string_view> args)
{
    auto parsed = parse_screenshot_command(args);
    if (!parsed)
        return fail(kExitUsage, parsed.error());
    if (parsed->help) {
        std::fputs(screenshot_help_text().c_str(), stdout);
        return kExitOk;
    }
    if (auto done = run_screenshot(*parsed); !done)
        return fail(kExitRuntimeError, done.error());
    return kExitOk;
}

std::string list_guests_text()
{
    std::string text;
    for (auto& guest : builtin_guests()) {
        char line[160];
        std::snprintf(line, sizeof line, "%-12s %.*s%s\n", std::string(guest.name).c_str(), int(guest.description.size()),
            guest.description.data(), guest.name == kDefaultGuest ? " (default)" : "");
        text += line;
    }
    return text;
}

// Writes the planned guest image with the boot tables every guest finds, and points the boot CPU at it.
Result<void> load_guest(Machine& machine, const BootImage& image)
{
    auto& memory = machine.memory();
    TRY(machine.assign_pci_resources());
    TRY(write_boot_page_tables(memory));
    TRY(write_boot_gdt(memory));
    TRY(write_mp_table(memory, machine.cpu_count()));
    TRY(write_boot_image(memory, image));
    return machine.set_boot_entry(image.info.entry, image.info.boot_params);
}

DisplayAdapter display_adapter(VgaKind vga)
{
    switch (vga) {
    case VgaKind::Qxl:
        return DisplayAdapter::Qxl;
    case VgaKind::Std:
        return DisplayAdapter::StdVga;
    case VgaKind::None:
        break;
    }
    return DisplayAdapter::None;
}

QxlConfig qxl_config(const QxlMemory& memory)
{
    QxlConfig config;
    config.ram_size = memory.ram_bytes;
    config.vram_size = memory.vram_bytes;
    return config;
}

// --screenshot: the screen as the run left it, whatever ended the run.
Result<void> save_screenshot(Machine& machine, const std::string& path)
{
    Framebuffer screen;
    machine.screenshot(screen);
    TRY(write_png(screen, path));
    LOG_INFO("main", "screenshot %ux%u written to %s", screen.width, screen.height, path.c_str());
    return {};
}

// --screen-text: the text screen's rows as the run left them, one per line; an empty file in a graphics
// mode.
Result<void> save_screen_text(Machine& machine, const std::string& path)
{
    auto rows = machine.screen_text();
    if (!rows)
        std::fprintf(stderr, "spicebox: --screen-text: the screen is in a graphics mode; %s is empty\n", path.c_str());
    std::string text = rows && !rows->empty() ? joined_rows(*rows) + "\n" : "";
    FILE* file = std::fopen(path.c_str(), "w");
    if (!file)
        return Error { "cannot write --screen-text file " + path + ": " + std::strerror(errno) };
    bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    if (std::fclose(file) != 0 || !written)
        return Error { "cannot write --screen-text file " + path + ": " + std::strerror(errno) };
    return {};
}

// `awaited` names the --wait-* option the run waited for (nullptr when none).
int exit_status(const RunOutcome& outcome, const char* awaited, bool matched)
{
    switch (outcome.reason) {
    case RunOutcome::Reason::SerialMatched:
    case RunOutcome::Reason::ScreenMatched:
        return kExitOk;
    case RunOutcome::Reason::Timeout:
        if (awaited && !matched) {
            std::fprintf(stderr, "spicebox: --timeout reached before %s matched\n", awaited);
            return kExitNotMatched;
        }
        return kExitOk;
    case RunOutcome::Reason::PowerOff:
    case RunOutcome::Reason::DebugExit:
        if (awaited && !matched && outcome.status == 0) {
            std::fprintf(stderr, "spicebox: the guest ended the run before %s matched\n", awaited);
            return kExitNotMatched;
        }
        return outcome.status;
    case RunOutcome::Reason::Signal:
        std::fprintf(stderr, "spicebox: %s\n", outcome.message.c_str());
        return outcome.status;
    case RunOutcome::Reason::Failure:
        std::fprintf(stderr, "spicebox: guest stopped: %s\n", outcome.message.c_str());
        return kExitRuntimeError;
    }
    return kExitRuntimeError;
}

// The name in the window's title: the guest's, or the kernel's file name.
std::string guest_title(const Options& options)
{
    if (options.bios)
        return "firmware";
    if (options.kernel)
        return options.kernel->substr(options.kernel->find_last_of('/') + 1);
    return options.guest.value_or(kDefaultGuest);
}

// --display: the window, or null to run headless. Without --display the window opens only where a
// display is announced and SDL manages to open on it.
Result<std::unique_ptr<SdlWindow>> open_window(const Options& options)
{
    if (options.display == DisplayKind::None)
        return std::unique_ptr<SdlWindow> {};
    if (options.display == DisplayKind::Auto && !display_announced())
        return std::unique_ptr<SdlWindow> {};
    auto window = SdlWindow::open(guest_title(options));
    if (window)
        return window;
    if (options.display == DisplayKind::Sdl)
        return wrap_error("--display sdl", window.error());
    LOG_INFO("main", "running headless: %s", window.error().message.c_str());
    return std::unique_ptr<SdlWindow> {};
}

}

int main(int argc, char** argv)
{
    std::vector<std::string_view> args(argv + 1, argv + argc);
    if (!args.empty() && args[0] == "screenshot")
        return screenshot_main(std::span(args).subspan(1));
    if (!args.empty() && args[0] == "connect")
        return run_connect_command(std::span(args).subspan(1));
    auto parsed = parse_command_line(args);
    if (!parsed)
        return fail(kExitUsage, parsed.error());
    const Options& options = *parsed;

    if (options.help) {
        std::fputs(help_text("spicebox").c_str(), stdout);
        return kExitOk;
    }
    if (options.version) {
        std::puts("spicebox " SPICEBOX_VERSION);
        return kExitOk;
    }
    if (options.list_guests) {
        std::fputs(list_guests_text().c_str(), stdout);
        return kExitOk;
    }
    set_log_level(options.verbose ? LogLevel::Debug : LogLevel::Warning);
    auto window = open_window(options);
    if (!window)
        return fail(kExitRuntimeError, window.error());

    std::vector<uint8_t> kernel_file;
    std::span<const uint8_t> image;
    std::string image_name;
    std::optional<BiosImage> bios;
    std::vector<uint8_t> vga_bios;
    if (options.bios) {
        auto file = read_file(*options.bios, "BIOS");
        if (!file)
            return fail(kExitRuntimeError, file.error());
        auto checked = BiosImage::create(*file, *options.bios);
        if (!checked)
            return fail(kExitRuntimeError, checked.error());
        bios = std::move(*checked);
        if (options.vga != VgaKind::None) {
            auto rom = read_file(std::string(options.vga == VgaKind::Qxl ? kQxlVgaBiosPath : kStdVgaBiosPath), "VGA BIOS");
            if (!rom)
                return fail(kExitRuntimeError, Error { rom.error().message + " (it comes with Debian's seabios package)" });
            vga_bios = std::move(*rom);
        }
    } else if (options.kernel) {
        auto kernel = read_file(*options.kernel, "kernel");
        if (!kernel)
            return fail(kExitRuntimeError, kernel.error());
        kernel_file = std::move(*kernel);
        image = kernel_file;
        image_name = *options.kernel;
    } else {
        std::string name = options.guest.value_or(kDefaultGuest);
        auto* guest = find_builtin_guest(name);
        if (!guest)
            return fail(kExitUsage, Error { "unknown built-in guest '" + name + "' (see spicebox --list-guests)" });
        image = guest->image;
        image_name = "built-in guest " + name;
    }
    std::vector<uint8_t> initrd;
    if (options.initrd) {
        auto file = read_file(*options.initrd, "initrd");
        if (!file)
            return fail(kExitRuntimeError, file.error());
        initrd = std::move(*file);
    }
    // The image is checked against the RAM size before KVM is opened, so its own problems are
    // reported on any machine. Firmware boot has no image to check.
    std::optional<BootImage> boot_image;
    if (!options.bios) {
        auto planned = plan_guest(image_name, image, initrd, options.append, options.memory_bytes);
        if (!planned)
            return fail(kExitRuntimeError, planned.error());
        boot_image = std::move(*planned);
    }

    std::atomic<Machine*> running_machine { nullptr };
    auto serial_kind = options.serial.kind == SerialConfig::Kind::Stdio ? SerialConsole::Output::Stdout
        : options.serial.kind == SerialConfig::Kind::File                ? SerialConsole::Output::File
                                                                         : SerialConsole::Output::None;
    auto console = SerialConsole::create(serial_kind, options.serial.path, options.wait_serial, [&running_machine] {
        if (auto* machine = running_machine.load())
            machine->request_stop({ RunOutcome::Reason::SerialMatched, 0, "" });
    });
    if (!console)
        return fail(kExitRuntimeError, console.error());

    const char* kvm_path = std::getenv("SPICEBOX_KVM_DEVICE");
    auto kvm = KvmSystem::open(kvm_path ? kvm_path : "/dev/kvm");
    if (!kvm)
        return fail(kExitRuntimeError, kvm.error());

    MachineConfig config {
        .memory_bytes = options.memory_bytes,
        .cpus = options.cpus,
        .serial_output = [console = console->get()](uint8_t byte) { console->transmit(byte); },
        .serial_input_fd = (*console)->input_fd(),
        .bios = std::move(bios),
        .display_adapter = display_adapter(options.vga),
        .qxl = qxl_config(options.qxl.value_or(QxlMemory {})),
        .vga_bios = std::move(vga_bios),
    };
    auto machine = Machine::create(*kvm, std::move(config));
    if (!machine)
        return fail(kExitRuntimeError, machine.error());
    // Firmware boot starts at the reset vector, where KVM puts a new vCPU, and leaves PCI to the firmware.
    if (boot_image) {
        if (auto loaded = load_guest(**machine, *boot_image); !loaded)
            return fail(kExitRuntimeError, loaded.error());
    }

    std::optional<std::chrono::nanoseconds> timeout;
    if (options.timeout_seconds)
        timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*options.timeout_seconds));
    std::optional<ScreenWatch> screen_watch;
    if (options.wait_screen) {
        screen_watch.emplace(**machine, *options.wait_screen);
        if (auto started = screen_watch->start(); !started)
            return fail(kExitRuntimeError, started.error());
    }
    // Declared after the machine, so it is destroyed first.
    std::unique_ptr<SpiceService> spice;
    if (options.spice) {
        auto started = SpiceService::start(**machine, *options.spice, options.vga != VgaKind::None);
        if (!started)
            return fail(kExitRuntimeError, started.error());
        spice = std::move(*started);
        std::fprintf(stderr, "spicebox: SPICE server listening on %s\n", spice->uri().c_str());
    }
    if (*window && !spice) {
        auto started = SpiceService::start_in_process_only(**machine, options.vga != VgaKind::None);
        if (!started)
            return fail(kExitRuntimeError, started.error());
        spice = std::move(*started);
    }
    running_machine = machine->get();
    auto outcome = *window ? run_with_window(**machine, *spice, **window, timeout) : (*machine)->run(timeout);
    running_machine = nullptr;
    std::fflush(stdout);
    const char* awaited = options.wait_serial ? "--wait-serial" : options.wait_screen ? "--wait-screen" : nullptr;
    bool matched = options.wait_serial ? (*console)->matched() : screen_watch && screen_watch->matched();
    int status = exit_status(outcome, awaited, matched);
    if (status != kExitOk) {
        // How far the firmware got, from its debug console.
        auto firmware_log = (*machine)->firmware_log();
        if (!firmware_log.empty())
            std::fprintf(stderr, "spicebox: the firmware's last debug lines (port 0x402):\n");
        for (auto& line : firmware_log)
            std::fprintf(stderr, "  %s\n", line.c_str());
    }
    if (options.screen_text) {
        if (auto saved = save_screen_text(**machine, *options.screen_text); !saved) {
            fail(kExitRuntimeError, saved.error());
            if (status == kExitOk)
                status = kExitRuntimeError;
        }
    }
    if (options.screenshot) {
        if (auto saved = save_screenshot(**machine, *options.screenshot); !saved) {
            fail(kExitRuntimeError, saved.error());
            // A run that failed already keeps its own status.
            if (status == kExitOk)
                status = kExitRuntimeError;
        }
    }
    return status;
}
