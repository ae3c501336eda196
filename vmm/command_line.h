// spicebox's command line: a pure parser from arguments to Options, and the --help text that documents it.
// Nothing here touches KVM, files or the terminal; main decides what to do with the result.
#pragma once

#include "base/result.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace spicebox {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;
constexpr uint64_t kTiB = 1024 * kGiB;

constexpr uint64_t kDefaultMemoryBytes = 256 * kMiB;
constexpr uint64_t kMinMemoryBytes = 16 * kMiB;
constexpr uint64_t kMaxMemoryBytes = 1 * kTiB;
// Guest RAM is mapped into KVM in whole pages.
constexpr uint64_t kMemoryGranuleBytes = 4 * kKiB;

constexpr unsigned kMaxCpus = 64;
// Keeps every accepted timeout representable as std::chrono::nanoseconds (which ends near 292 years).
constexpr double kMaxTimeoutSeconds = 365.0 * 24 * 60 * 60;

struct SerialConfig {
    enum class Kind { Stdio, None, File };
    Kind kind { Kind::Stdio };
    std::string path; // only for Kind::File
};

// Auto: the window when $DISPLAY or $WAYLAND_DISPLAY is set and SDL opens one there, headless otherwise.
enum class DisplayKind { Auto, Sdl, None };

// The display adapter: qxl (the QXL card 1b36:0100 with its VGA and Bochs VBE half, as QEMU's qxl-vga), std
// (Bochs/QEMU stdvga 1234:1111, Linux's bochs-drm), or none.
enum class VgaKind { Qxl, Std, None };

// Debian's SeaBIOS, for --bios seabios, and the VGA BIOS any firmware boot gives the VGA card (SeaVGABIOS
// built for each card).
inline constexpr std::string_view kSeabiosPath = "/usr/share/seabios/bios.bin";
inline constexpr std::string_view kStdVgaBiosPath = "/usr/share/seabios/vgabios-stdvga.bin";
inline constexpr std::string_view kQxlVgaBiosPath = "/usr/share/seabios/vgabios-qxl.bin";

// The QXL card's memory BARs (--qxl ram=SIZE,vram=SIZE), QEMU's ram_size and vram_size: powers of two, BAR0
// ("ram": the 16 MiB VGA/primary area, command pages, RAM header) at least twice the VGA area and at most
// QEMU's VGA maximum, BAR1 ("vram": surfaces) at least a page. Both lie in the 1004 MiB PCI hole below
// 4 GiB, each aligned to its size, which bounds their sum.
constexpr uint64_t kDefaultQxlRamBytes = 64 * kMiB;
constexpr uint64_t kMinQxlRamBytes = 32 * kMiB;
constexpr uint64_t kMaxQxlRamBytes = 512 * kMiB;
constexpr uint64_t kDefaultQxlVramBytes = 64 * kMiB;
constexpr uint64_t kMinQxlVramBytes = 4 * kKiB;
constexpr uint64_t kMaxQxlVramBytes = 512 * kMiB;
constexpr uint64_t kMaxQxlBarBytes = 768 * kMiB;

struct QxlMemory {
    uint64_t ram_bytes { kDefaultQxlRamBytes };
    uint64_t vram_bytes { kDefaultQxlVramBytes };
};

// --spice SPEC: the SPICE server, off unless given. A TCP port (0: any free one) on `address`, or a unix
// socket; a password, a file holding it, or no ticketing at all (exactly one of the three).
constexpr size_t kMaxSpicePasswordBytes = 60; // SPICE_MAX_PASSWORD_LENGTH
// max-connections=N: channels linked or linking at once, over all clients (a client has 4); more are refused.
// The same default and bound as the SPICE server's (this parser includes no server header).
constexpr size_t kDefaultSpiceMaxConnections = 64;
constexpr size_t kMaxSpiceMaxConnections = 4096;

struct SpiceOptions {
    std::string address { "127.0.0.1" };
    std::optional<uint16_t> port;
    std::optional<std::string> unix_path;
    std::optional<std::string> password;
    std::optional<std::string> password_file;
    bool disable_ticketing { false };
    size_t max_connections { kDefaultSpiceMaxConnections };
};

struct Options {
    std::optional<std::string> kernel;      // --kernel PATH (bzImage or ELF64)
    std::optional<std::string> initrd;      // --initrd PATH
    std::string append;                     // --append STR
    std::optional<std::string> guest;       // --guest NAME (built-in)
    bool list_guests { false };             // --list-guests
    bool help { false };                    // -h/--help
    bool version { false };                 // --version
    uint64_t memory_bytes { kDefaultMemoryBytes }; // -m/--memory SIZE
    unsigned cpus { 1 };                    // --cpus N
    SerialConfig serial {};                 // --serial stdio|none|file:PATH
    std::optional<std::string> wait_serial; // --wait-serial REGEX, known to compile as an ECMAScript std::regex
    std::optional<std::string> wait_screen; // --wait-screen REGEX, likewise; matched against the text screen
    std::optional<std::string> screen_text; // --screen-text PATH (text screen rows written when the run ends)
    std::optional<double> timeout_seconds;  // --timeout SECONDS, finite, in (0, kMaxTimeoutSeconds]
    DisplayKind display { DisplayKind::Auto }; // --display sdl|none
    VgaKind vga { VgaKind::Qxl };           // --vga qxl|std|none
    std::optional<QxlMemory> qxl;           // --qxl ram=SIZE,vram=SIZE (only with --vga qxl); unset: the defaults
    std::optional<std::string> screenshot;  // --screenshot PATH (PNG written when the run ends)
    std::optional<SpiceOptions> spice;      // --spice SPEC
    std::optional<std::string> bios;        // --bios PATH (seabios means kSeabiosPath): firmware boot
    bool verbose { false };                 // -v/--verbose
};

// args excludes argv[0]. A failure is one line naming the option and how to fix it (main exits with status 2).
Result<Options> parse_command_line(std::span<const std::string_view> args);

// The whole contract: options by group, size syntax, serial input, exit statuses.
std::string help_text(std::string_view program_name);

} // namespace spicebox
