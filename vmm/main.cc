// spicebox: parse the command line, build the machine, load the guest, run it, and turn the way the run
// ended into the exit status --help documents.
#include "base/log.h"
#include "vmm/boot_cpu.h"
#include "vmm/builtin_guests.h"
#include "vmm/command_line.h"
#include "vmm/elf_loader.h"
#include "vmm/linux_loader.h"
#include "vmm/machine.h"
#include "vmm/mp_table.h"
#include "vmm/serial_console.h"

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

constexpr const char* kDefaultGuest = "hello";
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

// Loads the guest image (a bzImage through the Linux boot protocol, or one of our ELF64 guests) with the
// boot tables every guest finds, and points the boot CPU at it.
Result<void> load_guest(Machine& machine, std::span<const uint8_t> image, const std::string& image_name,
    std::span<const uint8_t> initrd, const std::string& cmdline)
{
    auto& memory = machine.memory();
    TRY(write_boot_page_tables(memory));
    TRY(write_boot_gdt(memory));
    TRY(write_mp_table(memory, machine.cpu_count()));
    switch (detect_kernel_format(image)) {
    case KernelFormat::BzImage: {
        auto boot = load_linux(memory, image, initrd, cmdline, machine.memory_bytes());
        if (!boot)
            return wrap_error(image_name, boot.error());
        return machine.set_boot_entry(boot->entry, boot->boot_params);
    }
    case KernelFormat::Elf64: {
        auto boot = load_elf(memory, image, initrd, cmdline, machine.memory_bytes());
        if (!boot)
            return wrap_error(image_name, boot.error());
        return machine.set_boot_entry(boot->entry, boot->boot_params);
    }
    case KernelFormat::Unknown:
        break;
    }
    return Error { image_name + " is neither a bzImage nor an ELF64 file" };
}

int exit_status(const RunOutcome& outcome, bool waiting_for_serial, bool matched)
{
    switch (outcome.reason) {
    case RunOutcome::Reason::SerialMatched:
        return kExitOk;
    case RunOutcome::Reason::Timeout:
        if (waiting_for_serial && !matched) {
            std::fprintf(stderr, "spicebox: --timeout reached before --wait-serial matched\n");
            return kExitNotMatched;
        }
        return kExitOk;
    case RunOutcome::Reason::PowerOff:
    case RunOutcome::Reason::DebugExit:
        if (waiting_for_serial && !matched && outcome.status == 0) {
            std::fprintf(stderr, "spicebox: the guest ended the run before --wait-serial matched\n");
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

}

int main(int argc, char** argv)
{
    std::vector<std::string_view> args(argv + 1, argv + argc);
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
    if (options.display == DisplayKind::Sdl)
        std::fprintf(stderr, "spicebox: --display sdl: the SDL window is not part of this build yet; running without a display\n");

    std::vector<uint8_t> kernel_file;
    std::span<const uint8_t> image;
    std::string image_name;
    if (options.kernel) {
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
    };
    auto machine = Machine::create(*kvm, std::move(config));
    if (!machine)
        return fail(kExitRuntimeError, machine.error());
    if (auto loaded = load_guest(**machine, image, image_name, initrd, options.append); !loaded)
        return fail(kExitRuntimeError, loaded.error());

    std::optional<std::chrono::nanoseconds> timeout;
    if (options.timeout_seconds)
        timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(*options.timeout_seconds));
    running_machine = machine->get();
    auto outcome = (*machine)->run(timeout);
    running_machine = nullptr;
    std::fflush(stdout);
    return exit_status(outcome, options.wait_serial.has_value(), (*console)->matched());
}
