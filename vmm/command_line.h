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

enum class DisplayKind { Sdl, None };

// The display adapter: qxl (for now the VGA core behind QXL's PCI identity; the QXL device proper lands
// with its issue), std (Bochs/QEMU stdvga 1234:1111, Linux's bochs-drm), or none.
enum class VgaKind { Qxl, Std, None };

// Debian's SeaBIOS, for --bios seabios, and the VGA BIOS any firmware boot gives the VGA card (SeaVGABIOS
// for the stdvga card; the QXL card will take vgabios-qxl.bin from the same directory).
inline constexpr std::string_view kSeabiosPath = "/usr/share/seabios/bios.bin";
inline constexpr std::string_view kStdVgaBiosPath = "/usr/share/seabios/vgabios-stdvga.bin";

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
    DisplayKind display { DisplayKind::None }; // --display sdl|none
    VgaKind vga { VgaKind::Qxl };           // --vga qxl|std|none
    std::optional<std::string> screenshot;  // --screenshot PATH (PNG written when the run ends)
    std::optional<std::string> bios;        // --bios PATH (seabios means kSeabiosPath): firmware boot
    bool verbose { false };                 // -v/--verbose
};

// args excludes argv[0]. A failure is one line naming the option and how to fix it (main exits with status 2).
Result<Options> parse_command_line(std::span<const std::string_view> args);

// The whole contract: options by group, size syntax, serial input, exit statuses.
std::string help_text(std::string_view program_name);

} // namespace spicebox
