#include "vmm/machine.h"

#include "base/log.h"
#include "devices/cmos_rtc.h"
#include "devices/debug_exit.h"
#include "devices/firmware_debug_console.h"
#include "devices/fw_cfg.h"
#include "devices/i8042.h"
#include "devices/pci_host_bridge.h"
#include "devices/pci_resource_assignment.h"
#include "devices/post_port.h"
#include "devices/system_control_port.h"
#include "devices/uart16550.h"
#include "qxl/qxl_display_worker.h"
#include "qxl/qxl_vga_card.h"
#include "spice-common/canvas_sink.h"
#include "spice-server/command_stream.h"
#include "vga/std_vga.h"
#include "vmm/boot_cpu.h"
#include "vmm/firmware_config.h"
#include "vmm/guest_cpuid.h"
#include "vmm/memory_layout.h"
#include "vmm/mp_table.h"
#include "vmm/ps2_input.h"
#include "vmm/shadow_ram.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace spicebox {

namespace {

// Legacy PC port assignments.
enum Port : uint16_t {
    kI8042Data = 0x60,
    kI8042Command = 0x64,
    kCmos = 0x70,
    kPost = 0x80,
    kSystemControl = 0x92,
    kFirmwareDebug = 0x402,
    kDebugExit = 0x501,
    kCom1 = 0x3F8,
    kPciConfig = 0xCF8,
    kPciIoWindowStart = 0xC000, // where SeaBIOS puts I/O BARs too
};

constexpr uint8_t kDisplaySlot = 2;
constexpr unsigned kIntxPinA = 0; // pci_intx_gsi's pin numbering: the Interrupt Pin register minus one
constexpr uint32_t kPortSpaceEnd = 0x10000;

// ISA interrupt lines (GSIs with KVM's default routing).
enum Gsi : uint32_t {
    kKeyboardGsi = 1,
    kCom1Gsi = 4,
    kMouseGsi = 12,
};

constexpr size_t kSerialInputChunk = 256;
constexpr auto kSerialInputRetry = std::chrono::milliseconds(5);

}

Machine::Machine(const KvmSystem& kvm, MachineConfig config)
    : m_kvm(kvm)
    , m_config(std::move(config))
{
}

Machine::~Machine()
{
    // The display worker stops first: it runs on the QXL device and the sink the other members own.
    m_qxl_worker.reset();
    for (auto& vcpu : m_vcpus)
        vcpu->stop();
    if (m_signal_fd >= 0)
        close(m_signal_fd);
    for (auto ram : m_ram)
        munmap(ram.data(), ram.size());
}

Result<std::unique_ptr<Machine>> Machine::create(const KvmSystem& kvm, MachineConfig config)
{
    std::unique_ptr<Machine> machine(new Machine(kvm, std::move(config)));
    machine->m_vm = TRY(KvmVm::create(kvm));
    machine->m_event_loop = TRY(EventLoop::create());
    TRY(machine->allocate_ram());
    TRY(machine->create_devices());
    TRY(machine->create_vcpus());
    return machine;
}

// Each RAM range is one host mapping. The first one is entered into KVM in pieces around the VGA window,
// and with the BIOS area as its own slot, so that those can be given other backings: under firmware
// boot, the BIOS area's slots follow the PAM registers instead (map_firmware).
Result<void> Machine::allocate_ram()
{
    for (auto& range : layout::ram_ranges(m_config.memory_bytes)) {
        void* host = mmap(nullptr, range.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (host == MAP_FAILED) {
            return Error { "cannot allocate " + std::to_string(m_config.memory_bytes / layout::MiB) + " MiB of guest memory ("
                + std::strerror(errno) + "): give a smaller -m" };
        }
        std::span<uint8_t> ram(static_cast<uint8_t*>(host), range.size);
        m_ram.push_back(ram);

        std::vector<layout::RamRange> pieces { range };
        if (range.guest_address == 0) {
            pieces = {
                { 0, layout::vga_window_start },
                { layout::bios_area_start, layout::bios_area_end - layout::bios_area_start },
                { layout::high_memory_start, range.size - layout::high_memory_start },
            };
        }
        for (auto& piece : pieces) {
            auto memory = ram.subspan(piece.guest_address - range.guest_address, piece.size);
            bool pam_decoded = m_config.bios && piece.guest_address == layout::bios_area_start;
            if (pam_decoded)
                TRY(map_firmware(memory));
            else
                TRY(m_vm->add_memory(piece.guest_address, memory));
            TRY(m_memory.add_region(piece.guest_address, memory, "ram@" + std::to_string(piece.guest_address)));
        }
    }
    return {};
}

// The BIOS image read-only below 4 GiB, and the BIOS area as the PAM registers decode it after reset
// (the image's low alias, read-only). Writes to the ROM exit and are dropped by the MMIO bus.
Result<void> Machine::map_firmware(std::span<uint8_t> bios_area_ram)
{
    if (m_kvm.check_extension(KVM_CAP_READONLY_MEM) <= 0)
        return Error { "this host's KVM lacks KVM_CAP_READONLY_MEM, which firmware boot needs (read-only BIOS ROM and shadow RAM)" };
    const auto& bios = *m_config.bios;
    TRY(m_vm->add_memory(bios.guest_address(), bios.bytes(), { .read_only = true }));
    m_shadow_ram = TRY(ShadowRam::create(*m_vm, bios_area_ram, bios.low_alias()));
    return {};
}

InterruptLine Machine::gsi_line(uint32_t gsi)
{
    return InterruptLine([vm = m_vm.get(), gsi](bool level) { vm->set_irq_line(gsi, level); });
}

Result<void> Machine::create_devices()
{
    m_uart = std::make_shared<Uart16550>(gsi_line(kCom1Gsi), m_config.serial_output);
    m_i8042 = std::make_shared<I8042>(gsi_line(kKeyboardGsi), gsi_line(kMouseGsi),
        [this] { request_stop({ RunOutcome::Reason::PowerOff, 0, "" }); });
    m_ps2_input = std::make_unique<Ps2Input>(m_i8042);
    uint64_t low_ram = layout::low_ram_end(m_config.memory_bytes);
    m_rtc = std::make_shared<CmosRtc>(low_ram, m_config.memory_bytes - low_ram, m_config.cpus);
    m_debug_exit = std::make_shared<DebugExit>([this](int status) { request_stop({ RunOutcome::Reason::DebugExit, status, "" }); });
    m_post_port = std::make_shared<PostPort>();
    m_bar_mapping = std::make_unique<PciBarMapping>(m_port_bus, m_mmio_bus, m_memory, *m_vm);
    m_pci = std::make_shared<PciHostBridge>(*m_bar_mapping, m_shadow_ram.get());

    TRY(m_port_bus.map(kCom1, 8, m_uart));
    TRY(m_port_bus.map(kI8042Data, 1, m_i8042->data_port()));
    TRY(m_port_bus.map(kI8042Command, 1, m_i8042->command_port()));
    TRY(m_port_bus.map(kCmos, 2, m_rtc));
    TRY(m_port_bus.map(kPost, 1, m_post_port));
    TRY(m_port_bus.map(kDebugExit, 2, m_debug_exit));
    TRY(m_port_bus.map(kPciConfig, 8, m_pci));
    if (m_config.bios)
        TRY(create_firmware_devices());
    TRY(create_display());
    return {};
}

Result<void> Machine::create_display()
{
    switch (m_config.display_adapter) {
    case DisplayAdapter::None:
        return {};
    case DisplayAdapter::StdVga:
        m_vga = TRY(StdVga::create(m_config.vga_bios));
        TRY(m_pci->add_device(kDisplaySlot, m_vga));
        return map_vga_faces(m_vga->vga_ports(), m_vga->vbe_ports(), m_vga->vga_window());
    case DisplayAdapter::Qxl:
        return create_qxl_card();
    }
    return {};
}

// The QXL device draws into a canvas (the screen of native mode), its VGA half answers the legacy decoders,
// its INTA# is a level-triggered IOAPIC pin, and a worker thread drains its rings.
Result<void> Machine::create_qxl_card()
{
    m_display_sink = std::make_unique<CanvasSink>();
    m_command_stream = TRY(CommandStream::create(*m_display_sink));
    m_cursor_stream = TRY(CursorStream::create());
    m_command_stream->forward_cursor(*m_cursor_stream);
    auto device = TRY(QxlDevice::create(m_config.qxl, *m_command_stream, m_config.vga_bios));
    m_qxl = TRY(QxlVgaCard::create(device, [sink = m_display_sink.get()](Framebuffer& out) { return sink->screenshot(out, false); }));
    TRY(m_pci->add_device(kDisplaySlot, device));
    unsigned gsi = pci_intx_gsi(kDisplaySlot, kIntxPinA);
    device->set_interrupt(gsi_line(gsi), uint8_t(gsi));
    TRY(map_vga_faces(m_qxl->vga_ports(), m_qxl->vbe_ports(), m_qxl->vga_window()));
    m_qxl_worker = TRY(QxlDisplayWorker::start(device));
    return {};
}

// A VGA card answers the legacy VGA ports, the Bochs VBE ports and the 0xA0000 window besides its BARs.
Result<void> Machine::map_vga_faces(std::shared_ptr<IoDevice> vga_ports, std::shared_ptr<IoDevice> vbe_ports,
    std::shared_ptr<IoDevice> vga_window)
{
    TRY(m_port_bus.map(vga_port_base, vga_port_count, std::move(vga_ports)));
    TRY(m_port_bus.map(vbe_port_base, vbe_port_count, std::move(vbe_ports)));
    TRY(m_mmio_bus.map(vga_window_base, vga_window_size, std::move(vga_window)));
    return {};
}

Result<void> Machine::assign_pci_resources()
{
    return spicebox::assign_pci_resources(*m_pci, { layout::pci_hole_start, layout::pci_hole_end, kPciIoWindowStart, kPortSpaceEnd });
}

void Machine::screenshot(Framebuffer& out)
{
    if (m_qxl)
        m_qxl->render(out);
    else if (m_vga)
        m_vga->render(out);
    else
        out.resize(0, 0);
}

std::vector<Rect> Machine::update_screen(Framebuffer& screen)
{
    if (m_qxl)
        return m_qxl->update(screen);
    if (m_vga)
        return m_vga->update(screen);
    screen.resize(0, 0);
    return {};
}

std::optional<std::vector<std::string>> Machine::screen_text()
{
    if (m_qxl)
        return m_qxl->text_screen();
    if (m_vga)
        return m_vga->text_screen();
    return {};
}

// What SeaBIOS needs besides the PC's devices: fw_cfg, the fast A20/reset port, its debug console,
// and the shadow RAM's handler for the BIOS area accesses KVM's slots do not take.
Result<void> Machine::create_firmware_devices()
{
    m_fw_cfg = std::make_shared<FwCfg>(m_memory);
    TRY(add_firmware_config(*m_fw_cfg, m_config.memory_bytes, m_config.cpus));
    m_system_control = std::make_shared<SystemControlPort>([this] { guest_reset("reset through port 0x92"); });
    m_firmware_console = std::make_shared<FirmwareDebugConsole>();

    TRY(m_port_bus.map(kSystemControl, 1, m_system_control));
    TRY(m_port_bus.map(kFirmwareDebug, 1, m_firmware_console));
    TRY(m_port_bus.map(FwCfg::port_base, FwCfg::port_count, m_fw_cfg));
    TRY(m_mmio_bus.map(layout::bios_area_start, ShadowRam::area_size, m_shadow_ram));
    return {};
}

Result<void> Machine::create_vcpus()
{
    install_vcpu_kick_signal();
    for (unsigned id = 0; id < m_config.cpus; ++id) {
        auto vcpu = TRY(KvmVcpu::create(m_kvm, *m_vm, id));
        TRY(vcpu.set_cpuid(guest_cpuid(m_kvm.supported_cpuid(),
            { .vcpu_id = vcpu.id(), .cpu_count = m_config.cpus,
                .tsc_deadline = m_kvm.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0 })));
        TRY(vcpu.set_lapic_lint());
        vcpu.set_register_port(vmmouse::port);
        m_vcpus.push_back(std::make_unique<KvmVcpu>(std::move(vcpu)));
    }
    return {};
}

Result<void> Machine::set_boot_entry(uint64_t entry, uint64_t boot_params)
{
    auto& bsp = *m_vcpus.front();
    auto sregs = TRY(bsp.sregs());
    kvm_regs regs {};
    kvm_fpu fpu {};
    apply_boot_cpu_state(boot_cpu_state(entry, boot_params), regs, sregs, fpu);
    TRY(bsp.set_sregs(sregs));
    TRY(bsp.set_regs(regs));
    TRY(bsp.set_fpu(fpu));
    TRY(bsp.set_msrs(boot_msrs()));
    return {};
}

Result<void> Machine::watch_serial_input()
{
    if (m_config.serial_input_fd < 0)
        return {};
    m_input_watched = true;
    return m_event_loop->watch_readable(m_config.serial_input_fd, [this] {
        uint8_t buffer[kSerialInputChunk];
        ssize_t count = ::read(m_config.serial_input_fd, buffer, sizeof buffer);
        if (count <= 0) {
            // End of input (or an error): the guest simply gets no more.
            m_event_loop->unwatch(m_config.serial_input_fd);
            m_input_watched = false;
            return;
        }
        m_pending_input.insert(m_pending_input.end(), buffer, buffer + count);
        feed_serial_input();
    });
}

// Hands pending host input to the UART as fast as the guest drains its FIFO; stdin is not read
// again until everything read so far has been taken, so a slow guest throttles the pipe.
void Machine::feed_serial_input()
{
    size_t taken = m_uart->receive(m_pending_input);
    m_pending_input.erase(m_pending_input.begin(), m_pending_input.begin() + ptrdiff_t(taken));
    if (m_pending_input.empty()) {
        if (!m_input_watched)
            [[maybe_unused]] auto watched = watch_serial_input();
        return;
    }
    if (m_input_watched) {
        m_event_loop->unwatch(m_config.serial_input_fd);
        m_input_watched = false;
    }
    [[maybe_unused]] auto timer = m_event_loop->add_timer(kSerialInputRetry, [this] { feed_serial_input(); });
}

Result<void> Machine::watch_signals()
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    // Blocked before any thread starts, so every thread inherits the mask and only the signalfd sees them.
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    m_signal_fd = signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
    if (m_signal_fd < 0)
        return Error { std::string("signalfd failed: ") + std::strerror(errno) };
    return m_event_loop->watch_readable(m_signal_fd, [this] {
        signalfd_siginfo info {};
        if (::read(m_signal_fd, &info, sizeof info) != sizeof info)
            return;
        request_stop({ RunOutcome::Reason::Signal, 128 + int(info.ssi_signo),
            std::string("stopped by ") + sigabbrev_np(int(info.ssi_signo)) });
    });
}

RunOutcome Machine::run(std::optional<std::chrono::nanoseconds> timeout)
{
    if (auto watched = watch_signals(); !watched)
        return { RunOutcome::Reason::Failure, 1, watched.error().message };
    if (auto watched = watch_serial_input(); !watched)
        return { RunOutcome::Reason::Failure, 1, watched.error().message };
    if (timeout) {
        auto timer = m_event_loop->add_timer(*timeout, [this] { request_stop({ RunOutcome::Reason::Timeout, 0, "" }); });
        if (!timer)
            return { RunOutcome::Reason::Failure, 1, timer.error().message };
    }

    std::thread event_thread([this] { m_event_loop->run(); });
    std::vector<std::thread> vcpu_threads;
    for (auto& vcpu : m_vcpus)
        vcpu_threads.emplace_back([this, &vcpu] { vcpu->run(*this); });

    {
        std::unique_lock lock(m_stop_mutex);
        m_stopped.wait(lock, [this] { return m_outcome.has_value(); });
    }
    for (auto& thread : vcpu_threads)
        thread.join();
    event_thread.join();
    return *m_outcome;
}

void Machine::request_stop(RunOutcome outcome)
{
    {
        std::lock_guard lock(m_stop_mutex);
        if (m_outcome)
            return;
        m_outcome = std::move(outcome);
    }
    for (auto& vcpu : m_vcpus)
        vcpu->stop();
    m_event_loop->stop();
    m_stopped.notify_all();
}

std::vector<std::string> Machine::firmware_log() const
{
    return m_firmware_console ? m_firmware_console->last_lines() : std::vector<std::string> {};
}

InputSink& Machine::input_sink() { return *m_ps2_input; }

void Machine::port_read(uint16_t port, std::span<uint8_t> data) { m_port_bus.read(port, data); }
void Machine::port_write(uint16_t port, std::span<const uint8_t> data) { m_port_bus.write(port, data); }

void Machine::register_port_read(uint16_t, kvm_regs& regs)
{
    BackdoorRegisters backdoor { uint32_t(regs.rax), uint32_t(regs.rbx), uint32_t(regs.rcx), uint32_t(regs.rdx),
        uint32_t(regs.rsi), uint32_t(regs.rdi) };
    m_ps2_input->vmmouse().backdoor(backdoor);
    // 32-bit results, zero-extended as a 32-bit register write in long mode leaves them.
    regs.rax = backdoor.eax;
    regs.rbx = backdoor.ebx;
    regs.rcx = backdoor.ecx;
    regs.rdx = backdoor.edx;
    regs.rsi = backdoor.esi;
    regs.rdi = backdoor.edi;
}
void Machine::mmio_read(uint64_t address, std::span<uint8_t> data) { m_mmio_bus.read(address, data); }
void Machine::mmio_write(uint64_t address, std::span<const uint8_t> data) { m_mmio_bus.write(address, data); }

void Machine::guest_reset(const std::string& why)
{
    LOG_INFO("machine", "guest reset (%s): treated as power off", why.c_str());
    request_stop({ RunOutcome::Reason::PowerOff, 0, why });
}

void Machine::guest_crashed(unsigned vcpu_id, const std::string& why)
{
    LOG_WARN("machine", "vCPU %u: %s; the run ends as at power off", vcpu_id, why.c_str());
    request_stop({ RunOutcome::Reason::PowerOff, 0, why });
}

void Machine::vcpu_failed(unsigned vcpu_id, const std::string& why)
{
    request_stop({ RunOutcome::Reason::Failure, 1, "vCPU " + std::to_string(vcpu_id) + ": " + why });
}

} // namespace spicebox
