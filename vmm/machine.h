// The PC that spicebox builds: guest RAM as KVM memory slots, the in-kernel interrupt controllers and PIT,
// the port and MMIO buses with the legacy devices and the PCI host bridge, and one thread per vCPU.
// It runs until something ends the run (the guest, a timeout, a signal, a failure) and reports why.
#pragma once

#include "base/result.h"
#include "devices/io_bus.h"
#include "qxl/qxl_layout.h"
#include "spice-common/framebuffer.h"
#include "vmm/bios_image.h"
#include "vmm/event_loop.h"
#include "vmm/guest_memory.h"
#include "vmm/interrupt_line.h"
#include "vmm/kvm_system.h"
#include "vmm/kvm_vcpu.h"
#include "vmm/kvm_vm.h"
#include "vmm/pci_bar_mapping.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace spicebox {

class CanvasSink;
class CommandStream;
class CursorStream;
class CmosRtc;
class DebugExit;
class FirmwareDebugConsole;
class FwCfg;
class I8042;
class InputSink;
class PciHostBridge;
class PostPort;
class Ps2Input;
class QxlDisplayWorker;
class QxlVgaCard;
class ShadowRam;
class StdVga;
class SystemControlPort;
class Uart16550;

// The display card at PCI slot 2: the Bochs stdvga (1234:1111), the QXL card (1b36:0100, with its VGA half and
// its display worker, rendering into a canvas), or none.
enum class DisplayAdapter { None, StdVga, Qxl };

struct MachineConfig {
    uint64_t memory_bytes;
    unsigned cpus;
    // Each byte the guest writes to COM1 (vCPU thread).
    std::function<void(uint8_t)> serial_output;
    // Host input for COM1, or -1.
    int serial_input_fd { -1 };
    // Firmware boot: the vCPUs start at the reset vector in this image, which is mapped below 4 GiB and,
    // through the host bridge's PAM registers, below 1 MiB; fw_cfg describes the machine to it. Without
    // it, the caller loads a guest and calls set_boot_entry (direct boot).
    std::optional<BiosImage> bios;
    DisplayAdapter display_adapter { DisplayAdapter::None };
    // The QXL card's sizes (DisplayAdapter::Qxl).
    QxlConfig qxl {};
    // The VGA card's expansion ROM (firmware boot; empty for none).
    std::vector<uint8_t> vga_bios;
};

// Why a run ended.
struct RunOutcome {
    enum class Reason {
        PowerOff,      // i8042 reset line, or a triple fault / KVM reset event
        DebugExit,     // the guest wrote its status to the debug-exit port
        SerialMatched, // --wait-serial matched
        ScreenMatched, // --wait-screen matched
        Timeout,       // --timeout elapsed
        Signal,        // SIGINT / SIGTERM / SIGHUP
        Failure,       // KVM could not go on (message says why)
    };
    Reason reason;
    int status { 0 };
    std::string message;
};

class Machine final : private VcpuExitHandler {
public:
    static Result<std::unique_ptr<Machine>> create(const KvmSystem&, MachineConfig);
    ~Machine() override;

    GuestMemory& memory() { return m_memory; }
    uint64_t memory_bytes() const { return m_config.memory_bytes; }
    unsigned cpu_count() const { return m_config.cpus; }
    EventLoop& event_loop() { return *m_event_loop; }

    // Puts the boot CPU at a 64-bit entry point with RSI = boot_params, as the Linux 64-bit boot protocol
    // asks (the loaders have written the page tables and GDT this state refers to).
    Result<void> set_boot_entry(uint64_t entry, uint64_t boot_params);

    // Runs the vCPUs and the event loop until the run ends; `timeout` ends it with Reason::Timeout.
    RunOutcome run(std::optional<std::chrono::nanoseconds> timeout);

    // From any thread: end the run. The first request wins; later ones are ignored.
    void request_stop(RunOutcome);

    // Direct boot: gives the PCI devices' BARs addresses in the PCI hole and turns their decoding on, as
    // firmware would (with firmware, the firmware does it). Call before the guest runs.
    Result<void> assign_pci_resources();

    // The guest's screen now, at its displayed resolution (0x0 without a display card): the VGA picture, or
    // the QXL card's primary surface once a QXL driver made one. Any thread, while the guest runs or after.
    void screenshot(Framebuffer&);
    // Brings `screen` (what the previous call left) up to date and returns the rectangles that changed
    // (only the changed rows of a VBE mode are converted; see VgaCore::update). Any thread.
    std::vector<Rect> update_screen(Framebuffer& screen);
    // The rows of characters while the card is in a text mode; nullopt in graphics modes (the QXL card's
    // native mode too) or without a card.
    std::optional<std::vector<std::string>> screen_text();

    // Firmware boot: the last lines the firmware wrote to its debug console (empty otherwise).
    std::vector<std::string> firmware_log() const;

    // The keyboard and mouse (PS/2, through the i8042) as host input drives them. Any thread.
    InputSink& input_sink();
    // The QXL card's draw commands as the SPICE server takes them (null without a QXL card).
    CommandStream* display_commands() { return m_command_stream.get(); }
    // The QXL card's cursor commands, for the SPICE server's cursor channel (null without the card).
    CursorStream* cursor_commands() { return m_cursor_stream.get(); }

private:
    explicit Machine(const KvmSystem&, MachineConfig);
    Result<void> allocate_ram();
    Result<void> map_firmware(std::span<uint8_t> bios_area_ram);
    Result<void> create_devices();
    Result<void> create_firmware_devices();
    Result<void> create_display();
    Result<void> create_qxl_card();
    Result<void> map_vga_faces(std::shared_ptr<IoDevice> vga_ports, std::shared_ptr<IoDevice> vbe_ports,
        std::shared_ptr<IoDevice> vga_window);
    Result<void> create_vcpus();
    Result<void> watch_serial_input();
    void feed_serial_input();
    Result<void> watch_signals();
    InterruptLine gsi_line(uint32_t gsi);

    // |VcpuExitHandler|
    void port_read(uint16_t port, std::span<uint8_t> data) override;
    void port_write(uint16_t port, std::span<const uint8_t> data) override;
    void register_port_read(uint16_t port, kvm_regs& regs) override;
    void mmio_read(uint64_t address, std::span<uint8_t> data) override;
    void mmio_write(uint64_t address, std::span<const uint8_t> data) override;
    void guest_reset(const std::string& why) override;
    void guest_crashed(unsigned vcpu_id, const std::string& why) override;
    void vcpu_failed(unsigned vcpu_id, const std::string& why) override;

    const KvmSystem& m_kvm;
    MachineConfig m_config;
    std::unique_ptr<KvmVm> m_vm;
    GuestMemory m_memory;
    std::vector<std::span<uint8_t>> m_ram;
    // Before the buses and the PCI host bridge, which hold the QXL device that draws into it.
    std::unique_ptr<CanvasSink> m_display_sink;
    // Between the device and the canvas: renders each command, then passes it on to the SPICE server.
    std::unique_ptr<CursorStream> m_cursor_stream;
    std::unique_ptr<CommandStream> m_command_stream;
    IoBus m_port_bus { "port I/O", 0xFF };
    IoBus m_mmio_bus { "MMIO", 0x00 };
    std::unique_ptr<EventLoop> m_event_loop;
    std::unique_ptr<PciBarMapping> m_bar_mapping;

    std::shared_ptr<Uart16550> m_uart;
    std::shared_ptr<I8042> m_i8042;
    std::unique_ptr<Ps2Input> m_ps2_input;
    std::shared_ptr<CmosRtc> m_rtc;
    std::shared_ptr<DebugExit> m_debug_exit;
    std::shared_ptr<PostPort> m_post_port;
    std::shared_ptr<PciHostBridge> m_pci;
    std::shared_ptr<ShadowRam> m_shadow_ram;
    std::shared_ptr<FwCfg> m_fw_cfg;
    std::shared_ptr<SystemControlPort> m_system_control;
    std::shared_ptr<FirmwareDebugConsole> m_firmware_console;
    std::shared_ptr<StdVga> m_vga;
    std::unique_ptr<QxlVgaCard> m_qxl;
    std::unique_ptr<QxlDisplayWorker> m_qxl_worker;

    std::vector<std::unique_ptr<KvmVcpu>> m_vcpus;

    std::vector<uint8_t> m_pending_input;
    bool m_input_watched { false };
    int m_signal_fd { -1 };

    std::mutex m_stop_mutex;
    std::condition_variable m_stopped;
    std::optional<RunOutcome> m_outcome;
};

} // namespace spicebox
