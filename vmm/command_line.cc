#include "vmm/command_line.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <regex>
#include <vector>

namespace spicebox {

namespace {

enum class Group { Guest, Machine, Console, Display, RunControl };

struct GroupSpec {
    Group group;
    std::string_view title;
    std::string_view notes; // printed under the group's options; empty for none
};

constexpr std::array kGroups {
    GroupSpec { Group::Guest, "Guest",
        "  Without --kernel or --guest, spicebox boots its default built-in guest (see --list-guests).\n"
        "  With --bios the VGA card gets SeaBIOS's VGA BIOS for it (/usr/share/seabios/vgabios-qxl.bin or\n"
        "  vgabios-stdvga.bin, Debian's seabios package) as its option ROM.\n" },
    GroupSpec { Group::Machine, "Machine",
        "  SIZE is a whole number with an optional K, M, G or T suffix (powers of 1024, any case, optionally\n"
        "  followed by B or iB: 512M, 2GiB). Without a suffix the number is in MiB, as with QEMU's -m;\n"
        "  a bare B suffix means bytes. It must be 16M..1T and a multiple of 4K.\n" },
    GroupSpec { Group::Console, "Console",
        "  With --serial stdio, standard input feeds COM1 when it is a terminal or a pipe.\n" },
    GroupSpec { Group::Display, "Display",
        "  The text screen is the card's text mode as characters (--wait-screen checks it about every 75 ms); in a\n"
        "  graphics mode there is none, and --screen-text writes an empty file and says so.\n"
        "  The qxl card shows its VGA picture until a QXL driver creates its primary surface, then that surface.\n"
        "  --qxl sizes are SIZEs that are powers of two: ram 32M..512M, vram 4K..512M, together at most 768M.\n"
        "  The window is a SPICE client of the machine's own server. A click in it captures the mouse (and the\n"
        "  title says so); Ctrl+Alt+G releases it. Keys go to the guest while the window has the focus. Closing\n"
        "  the window ends the run as the guest powering off would.\n" },
    GroupSpec { Group::RunControl, "Run control", "" },
};

using Apply = Result<void> (*)(Options&, std::string_view value);

struct OptionSpec {
    Group group;
    std::string_view long_name;
    std::string_view short_name; // empty when there is none
    std::string_view metavar;    // empty for a flag, which takes no value
    std::string_view description;
    Apply apply;
};

// The help text and messages below spell these limits out; keep them in step.
static_assert(kMinMemoryBytes == 16 * kMiB && kMaxMemoryBytes == 1 * kTiB && kMemoryGranuleBytes == 4 * kKiB);
static_assert(kMaxCpus == 64);
static_assert(kMaxTimeoutSeconds == 31536000.0);
static_assert(kMinQxlRamBytes == 32 * kMiB && kMaxQxlRamBytes == 512 * kMiB && kMinQxlVramBytes == 4 * kKiB
    && kMaxQxlVramBytes == 512 * kMiB && kMaxQxlBarBytes == 768 * kMiB);

constexpr std::string_view kSizeExample = "use e.g. 512M or 2G";
constexpr std::string_view kTimeoutExample = "use e.g. 30 or 1.5";

std::string quoted(std::string_view text)
{
    return "'" + std::string(text) + "'";
}

Error option_error(std::string_view option, std::string message)
{
    return Error { std::string(option) + ": " + std::move(message) };
}

Result<std::string> non_empty(std::string_view option, std::string_view what, std::string_view value)
{
    if (value.empty())
        return option_error(option, "needs a non-empty " + std::string(what));
    return std::string(value);
}

char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// A run of decimal digits, saturating at UINT64_MAX so that overflow reads as "too large" downstream.
std::optional<uint64_t> parse_digits(std::string_view digits)
{
    if (digits.empty())
        return std::nullopt;
    uint64_t value = 0;
    for (char c : digits) {
        if (!is_digit(c))
            return std::nullopt;
        if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, static_cast<uint64_t>(c - '0'), &value))
            return UINT64_MAX;
    }
    return value;
}

// SIZE syntax (see the Machine notes in --help), in bytes, saturating at UINT64_MAX; nullopt if not a size.
std::optional<uint64_t> parse_size(std::string_view text)
{
    auto digits_end = std::find_if_not(text.begin(), text.end(), is_digit);
    auto number = parse_digits(std::string_view(text.begin(), digits_end));
    if (!number)
        return std::nullopt;

    std::string suffix;
    std::transform(digits_end, text.end(), std::back_inserter(suffix), lower);

    uint64_t multiplier = kMiB;
    if (suffix == "b") {
        multiplier = 1;
    } else if (!suffix.empty()) {
        constexpr std::string_view kUnits = "kmgt";
        auto unit = kUnits.find(suffix[0]);
        std::string_view tail = std::string_view(suffix).substr(1);
        if (unit == std::string_view::npos || !(tail.empty() || tail == "b" || tail == "ib"))
            return std::nullopt;
        multiplier = kKiB << (10 * unit);
    }

    uint64_t bytes = 0;
    if (__builtin_mul_overflow(*number, multiplier, &bytes))
        return UINT64_MAX;
    return bytes;
}

Result<void> apply_kernel(Options& options, std::string_view value)
{
    options.kernel = TRY(non_empty("--kernel", "PATH", value));
    return {};
}

Result<void> apply_initrd(Options& options, std::string_view value)
{
    options.initrd = TRY(non_empty("--initrd", "PATH", value));
    return {};
}

Result<void> apply_append(Options& options, std::string_view value)
{
    options.append = value;
    return {};
}

Result<void> apply_guest(Options& options, std::string_view value)
{
    options.guest = TRY(non_empty("--guest", "NAME (see --list-guests)", value));
    return {};
}

Result<void> apply_list_guests(Options& options, std::string_view)
{
    options.list_guests = true;
    return {};
}

Result<void> apply_memory(Options& options, std::string_view value)
{
    constexpr std::string_view kOption = "--memory";
    auto bytes = parse_size(value);
    if (!bytes)
        return option_error(kOption, quoted(value) + " is not a size (" + std::string(kSizeExample) + ")");
    if (*bytes < kMinMemoryBytes)
        return option_error(kOption, quoted(value) + " is too small (at least 16M)");
    if (*bytes > kMaxMemoryBytes)
        return option_error(kOption, quoted(value) + " is too large (at most 1T)");
    if (*bytes % kMemoryGranuleBytes != 0)
        return option_error(kOption, quoted(value) + " is not a multiple of 4K (use whole 4K pages, e.g. 512M)");
    options.memory_bytes = *bytes;
    return {};
}

Result<void> apply_cpus(Options& options, std::string_view value)
{
    auto cpus = parse_digits(value);
    if (!cpus)
        return option_error("--cpus", quoted(value) + " is not a number (use 1.." + std::to_string(kMaxCpus) + ")");
    if (*cpus < 1 || *cpus > kMaxCpus)
        return option_error("--cpus", std::string(value) + " is out of range (1.." + std::to_string(kMaxCpus) + ")");
    options.cpus = static_cast<unsigned>(*cpus);
    return {};
}

Result<void> apply_serial(Options& options, std::string_view value)
{
    constexpr std::string_view kFilePrefix = "file:";
    if (value == "stdio") {
        options.serial = { SerialConfig::Kind::Stdio, {} };
    } else if (value == "none") {
        options.serial = { SerialConfig::Kind::None, {} };
    } else if (value.starts_with(kFilePrefix)) {
        auto path = value.substr(kFilePrefix.size());
        if (path.empty())
            return option_error("--serial", "file: needs a path (file:PATH)");
        options.serial = { SerialConfig::Kind::File, std::string(path) };
    } else {
        return option_error("--serial", quoted(value) + " is not one of stdio, none, file:PATH");
    }
    return {};
}

Result<void> apply_display(Options& options, std::string_view value)
{
    if (value == "sdl")
        options.display = DisplayKind::Sdl;
    else if (value == "none")
        options.display = DisplayKind::None;
    else
        return option_error("--display", quoted(value) + " is not one of sdl, none");
    return {};
}

Result<void> apply_vga(Options& options, std::string_view value)
{
    if (value == "qxl")
        options.vga = VgaKind::Qxl;
    else if (value == "std")
        options.vga = VgaKind::Std;
    else if (value == "none")
        options.vga = VgaKind::None;
    else
        return option_error("--vga", quoted(value) + " is not one of qxl, std, none");
    return {};
}

// One --qxl SIZE: a power of two within [min, max], named by the text the user gave.
Result<uint64_t> qxl_size(std::string_view key, std::string_view value, uint64_t min, uint64_t max, std::string_view range)
{
    constexpr std::string_view kOption = "--qxl";
    std::string setting = std::string(key) + "=" + std::string(value);
    auto bytes = parse_size(value);
    if (!bytes)
        return option_error(kOption, quoted(setting) + ": " + quoted(value) + " is not a size (use e.g. " + std::string(key) + "=64M)");
    if (*bytes < min || *bytes > max)
        return option_error(kOption, quoted(setting) + " is out of range (" + std::string(range) + ")");
    if ((*bytes & (*bytes - 1)) != 0)
        return option_error(kOption, quoted(setting) + " is not a power of two (e.g. 64M, 128M)");
    return *bytes;
}

Result<void> apply_qxl(Options& options, std::string_view value)
{
    constexpr std::string_view kOption = "--qxl";
    constexpr std::string_view kUsage = "use ram=SIZE,vram=SIZE";
    QxlMemory memory;
    bool ram_seen = false, vram_seen = false;
    size_t start = 0;
    while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string_view setting = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
        size_t equals = setting.find('=');
        if (equals == std::string_view::npos)
            return option_error(kOption, quoted(setting) + " is not a setting (" + std::string(kUsage) + ")");
        std::string_view key = setting.substr(0, equals);
        std::string_view size = setting.substr(equals + 1);
        bool* seen = key == "ram" ? &ram_seen : key == "vram" ? &vram_seen : nullptr;
        if (!seen)
            return option_error(kOption, "unknown setting " + quoted(key) + " (" + std::string(kUsage) + ")");
        if (*seen)
            return option_error(kOption, std::string(key) + " is given more than once (keep one)");
        *seen = true;
        if (key == "ram")
            memory.ram_bytes = TRY(qxl_size(key, size, kMinQxlRamBytes, kMaxQxlRamBytes, "32M..512M"));
        else
            memory.vram_bytes = TRY(qxl_size(key, size, kMinQxlVramBytes, kMaxQxlVramBytes, "4K..512M"));
    }
    if (memory.ram_bytes + memory.vram_bytes > kMaxQxlBarBytes)
        return option_error(kOption, "ram and vram together must be at most 768M (they share the PCI hole below 4 GiB)");
    options.qxl = memory;
    return {};
}

Result<void> apply_spice(Options& options, std::string_view value)
{
    constexpr std::string_view kOption = "--spice";
    SpiceOptions spice;
    std::vector<std::string_view> seen;
    size_t start = 0;
    while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string_view setting = value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        start = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
        size_t equals = setting.find('=');
        std::string_view key = setting.substr(0, equals);
        std::string_view text = equals == std::string_view::npos ? std::string_view() : setting.substr(equals + 1);
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
            return option_error(kOption, std::string(key) + " is given more than once (keep one)");
        seen.push_back(key);
        bool bare = key == "disable-ticketing";
        if (bare != (equals == std::string_view::npos)) {
            return option_error(kOption, bare ? "disable-ticketing takes no value"
                                              : quoted(setting) + " is not a setting (e.g. port=5930,disable-ticketing)");
        }
        if (!bare && text.empty())
            return option_error(kOption, std::string(key) + "= needs a value");
        if (key == "port") {
            auto port = parse_digits(text);
            if (!port || *port > 65535)
                return option_error(kOption, "port " + quoted(text) + " is not a port number 0..65535 (0: any free port)");
            spice.port = uint16_t(*port);
        } else if (key == "addr") {
            spice.address = std::string(text);
        } else if (key == "unix") {
            spice.unix_path = std::string(text);
        } else if (key == "password") {
            if (text.size() > kMaxSpicePasswordBytes)
                return option_error(kOption, "the password is longer than SPICE's 60 bytes");
            spice.password = std::string(text);
        } else if (key == "password-file") {
            spice.password_file = std::string(text);
        } else if (key == "max-connections") {
            auto count = parse_digits(text);
            if (!count || *count == 0 || *count > kMaxSpiceMaxConnections)
                return option_error(kOption, "max-connections " + quoted(text) + " is not a number 1.." + std::to_string(kMaxSpiceMaxConnections));
            spice.max_connections = size_t(*count);
        } else if (bare) {
            spice.disable_ticketing = true;
        } else {
            return option_error(kOption, "unknown setting " + quoted(key)
                    + " (port=N, addr=A, unix=PATH, password=S, password-file=PATH, disable-ticketing, max-connections=N)");
        }
    }
    if (spice.port.has_value() == spice.unix_path.has_value())
        return option_error(kOption, "give either port=N or unix=PATH");
    if (spice.unix_path && std::find(seen.begin(), seen.end(), "addr") != seen.end())
        return option_error(kOption, "addr= goes with port=, not with unix=");
    if (int(spice.password.has_value()) + int(spice.password_file.has_value()) + int(spice.disable_ticketing) != 1)
        return option_error(kOption, "give exactly one of password=S, password-file=PATH, disable-ticketing");
    options.spice = std::move(spice);
    return {};
}

Result<void> apply_screenshot(Options& options, std::string_view value)
{
    options.screenshot = TRY(non_empty("--screenshot", "PATH", value));
    return {};
}

Result<void> apply_bios(Options& options, std::string_view value)
{
    auto path = TRY(non_empty("--bios", "PATH (or seabios)", value));
    options.bios = path == "seabios" ? std::string(kSeabiosPath) : path;
    return {};
}

Result<std::string> regular_expression(std::string_view option, std::string_view value)
{
    if (value.empty())
        return option_error(option, "empty regular expression (it would match before the guest prints anything)");
    // std::regex reports a bad pattern only by throwing; this is where that becomes an Error value.
    try {
        std::regex pattern(value.begin(), value.end(), std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
        return option_error(option, "bad regular expression " + quoted(value) + ": " + error.what());
    }
    return std::string(value);
}

Result<void> apply_wait_serial(Options& options, std::string_view value)
{
    options.wait_serial = TRY(regular_expression("--wait-serial", value));
    return {};
}

Result<void> apply_wait_screen(Options& options, std::string_view value)
{
    options.wait_screen = TRY(regular_expression("--wait-screen", value));
    return {};
}

Result<void> apply_screen_text(Options& options, std::string_view value)
{
    options.screen_text = TRY(non_empty("--screen-text", "PATH", value));
    return {};
}

Result<void> apply_timeout(Options& options, std::string_view value)
{
    constexpr std::string_view kOption = "--timeout";
    double seconds = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    bool whole = end == value.data() + value.size();
    if (error == std::errc::result_out_of_range && whole)
        return option_error(kOption, std::string(value) + " is out of range (more than 0, at most 31536000 seconds)");
    if (error != std::errc() || !whole)
        return option_error(kOption, quoted(value) + " is not a number of seconds (" + std::string(kTimeoutExample) + ")");
    if (!std::isfinite(seconds))
        return option_error(kOption, quoted(value) + " is not a finite number of seconds (" + std::string(kTimeoutExample) + ")");
    if (seconds <= 0 || seconds > kMaxTimeoutSeconds)
        return option_error(kOption, std::string(value) + " is out of range (more than 0, at most 31536000 seconds)");
    options.timeout_seconds = seconds;
    return {};
}

Result<void> apply_verbose(Options& options, std::string_view)
{
    options.verbose = true;
    return {};
}

Result<void> apply_help(Options& options, std::string_view)
{
    options.help = true;
    return {};
}

Result<void> apply_version(Options& options, std::string_view)
{
    options.version = true;
    return {};
}

constexpr std::array kOptions {
    OptionSpec { Group::Guest, "--kernel", "", "PATH", "boot this Linux kernel (bzImage or ELF64)", apply_kernel },
    OptionSpec { Group::Guest, "--initrd", "", "PATH", "load this initial ramdisk (with --kernel or a built-in guest)", apply_initrd },
    OptionSpec { Group::Guest, "--append", "", "STR", "kernel command line", apply_append },
    OptionSpec { Group::Guest, "--guest", "", "NAME", "boot the built-in guest NAME (not with --kernel)", apply_guest },
    OptionSpec { Group::Guest, "--list-guests", "", "", "list the built-in guests and exit", apply_list_guests },
    OptionSpec { Group::Machine, "--memory", "-m", "SIZE", "guest RAM (default 256M)", apply_memory },
    OptionSpec { Group::Machine, "--cpus", "", "N", "number of vCPUs, 1..64 (default 1)", apply_cpus },
    OptionSpec { Group::Console, "--serial", "", "MODE", "COM1 output: stdio (default), none, or file:PATH", apply_serial },
    OptionSpec { Group::Guest, "--bios", "", "PATH", "boot firmware instead of a kernel; 'seabios' is Debian's SeaBIOS", apply_bios },
    OptionSpec { Group::Display, "--display", "", "MODE", "sdl opens a window on the guest's screen (default when $DISPLAY or $WAYLAND_DISPLAY is set); none runs headless", apply_display },
    OptionSpec { Group::Display, "--vga", "", "CARD", "qxl (default; QXL 1b36:0100 with VGA), std (stdvga 1234:1111), none", apply_vga },
    OptionSpec { Group::Display, "--qxl", "", "SETTINGS", "QXL card memory: ram=SIZE (BAR0, default 64M), vram=SIZE (BAR1, default 64M)", apply_qxl },
    OptionSpec { Group::Display, "--spice", "", "SPEC", "serve SPICE clients on port=N[,addr=A] or unix=PATH with password=S, password-file=PATH or disable-ticketing; max-connections=N (default 64) channels at once (URI on stderr)", apply_spice },
    OptionSpec { Group::Display, "--screenshot", "", "PATH", "when the run ends, write the guest's screen as a PNG", apply_screenshot },
    OptionSpec { Group::Display, "--screen-text", "", "PATH", "when the run ends, write the text screen's rows to PATH", apply_screen_text },
    OptionSpec { Group::RunControl, "--wait-serial", "", "REGEX", "exit 0 once COM1 output matches REGEX (ECMAScript syntax)", apply_wait_serial },
    OptionSpec { Group::RunControl, "--wait-screen", "", "REGEX", "exit 0 once the text screen (rows joined by newlines) matches REGEX", apply_wait_screen },
    OptionSpec { Group::RunControl, "--timeout", "", "SECONDS", "stop the run after SECONDS (decimals allowed, e.g. 1.5)", apply_timeout },
    OptionSpec { Group::RunControl, "--verbose", "-v", "", "log debug lines on stderr", apply_verbose },
    OptionSpec { Group::RunControl, "--help", "-h", "", "print this help and exit", apply_help },
    OptionSpec { Group::RunControl, "--version", "", "", "print the version and exit", apply_version },
};

const OptionSpec* find_option(std::string_view name)
{
    auto it = std::find_if(kOptions.begin(), kOptions.end(), [&](const OptionSpec& spec) {
        return name == spec.long_name || (!spec.short_name.empty() && name == spec.short_name);
    });
    return it == kOptions.end() ? nullptr : &*it;
}

size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({ row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1) });
            diagonal = above;
        }
    }
    return row[b.size()];
}

Error unknown_option(std::string_view name)
{
    // Typos are at most a couple of letters off, abbreviations are prefixes; farther is not worth guessing at.
    constexpr size_t kMaxTypoDistance = 2;
    constexpr std::string_view kLongPrefix = "--";
    bool abbreviation = name.size() > kLongPrefix.size() && name.starts_with(kLongPrefix);
    const OptionSpec* nearest = nullptr;
    size_t nearest_distance = kMaxTypoDistance + 1;
    for (const auto& spec : kOptions) {
        size_t distance = (abbreviation && spec.long_name.starts_with(name)) ? 0 : edit_distance(name, spec.long_name);
        if (distance < nearest_distance) {
            nearest = &spec;
            nearest_distance = distance;
        }
    }
    if (nearest)
        return Error { "unknown option " + quoted(name) + " (did you mean " + std::string(nearest->long_name) + "? see spicebox --help)" };

    // A glued short form such as -m512M: say how to write it instead.
    for (const auto& spec : kOptions) {
        if (spec.short_name.empty() || spec.metavar.empty() || !name.starts_with(spec.short_name))
            continue;
        auto value = std::string(name.substr(spec.short_name.size()));
        auto short_name = std::string(spec.short_name);
        if (!value.empty() && is_digit(value[0]))
            return Error { "unknown option " + quoted(name) + " (write " + short_name + " " + value + " or " + short_name + "=" + value + ")" };
    }
    return Error { "unknown option " + quoted(name) + " (see spicebox --help)" };
}

Result<std::string_view> take_value(const OptionSpec& spec, std::span<const std::string_view> args, size_t& index)
{
    auto name = std::string(spec.long_name);
    auto metavar = std::string(spec.metavar);
    if (index + 1 >= args.size())
        return Error { name + " needs a value (" + name + " " + metavar + ")" };
    auto next = args[index + 1];
    // A forgotten value must not swallow the next option, so "--kernel --guest x" fails here.
    if (next.starts_with("--"))
        return Error { name + " needs a value, got option " + quoted(next) + " (write " + name + "=" + metavar + " if the value starts with --)" };
    ++index;
    return next;
}

std::string option_label(const OptionSpec& spec)
{
    std::string label = spec.short_name.empty() ? "    " : std::string(spec.short_name) + ", ";
    label += spec.long_name;
    if (!spec.metavar.empty())
        label += " " + std::string(spec.metavar);
    return label;
}

} // namespace

Result<Options> parse_command_line(std::span<const std::string_view> args)
{
    Options options;
    std::array<bool, kOptions.size()> seen {};

    for (size_t index = 0; index < args.size(); ++index) {
        std::string_view arg = args[index];
        if (arg.size() < 2 || arg[0] != '-')
            return Error { "unexpected argument " + quoted(arg) + " (spicebox takes only options; see spicebox --help)" };

        auto equals = arg.find('=');
        std::string_view name = arg.substr(0, equals);
        const OptionSpec* spec = find_option(name);
        if (!spec)
            return unknown_option(name);

        std::string_view value;
        if (spec->metavar.empty()) {
            if (equals != std::string_view::npos)
                return Error { std::string(name) + " takes no value (write " + std::string(name) + " alone)" };
        } else if (equals != std::string_view::npos) {
            value = arg.substr(equals + 1);
        } else {
            value = TRY(take_value(*spec, args, index));
        }

        auto& was_seen = seen[static_cast<size_t>(spec - kOptions.data())];
        if (was_seen && !spec->metavar.empty())
            return Error { std::string(spec->long_name) + " is given more than once (keep one)" };
        was_seen = true;

        TRY(spec->apply(options, value));
    }

    if (options.kernel && options.guest)
        return Error { "--kernel and --guest cannot be used together (choose one)" };
    if (options.bios && (options.kernel || options.guest || options.initrd))
        return Error { "--bios boots firmware only: it cannot be used with --kernel, --guest or --initrd" };
    if (options.screenshot && options.vga == VgaKind::None)
        return Error { "--screenshot needs a display adapter: it cannot be used with --vga none" };
    if (options.wait_screen && options.vga == VgaKind::None)
        return Error { "--wait-screen needs a display adapter: it cannot be used with --vga none" };
    if (options.screen_text && options.vga == VgaKind::None)
        return Error { "--screen-text needs a display adapter: it cannot be used with --vga none" };
    if (options.qxl && options.vga != VgaKind::Qxl)
        return Error { "--qxl configures the qxl card: it cannot be used with --vga std or none" };
    if (options.wait_screen && options.wait_serial)
        return Error { "--wait-serial and --wait-screen cannot be used together (choose one)" };
    return options;
}

std::string help_text(std::string_view program_name)
{
    size_t label_width = 0;
    for (const auto& spec : kOptions)
        label_width = std::max(label_width, option_label(spec).size());
    constexpr size_t kIndent = 2;
    constexpr size_t kGap = 2;

    std::string text;
    text += "Usage: " + std::string(program_name) + " [OPTIONS]\n";
    text += "       " + std::string(program_name) + " connect spice://HOST:PORT [--password P | --password-file F]\n";
    text += "         (the window alone, as a client of any SPICE server: spicebox --spice, QEMU -spice)\n";
    text += "       " + std::string(program_name) + " screenshot spice://HOST:PORT -o out.png [--timeout S]\n";
    text += "         (a headless client that writes the server's screen as a PNG; see screenshot --help)\n";
    text += "Runs a virtual machine under KVM: a built-in guest, or a Linux kernel of your choice.\n";
    text += "Options take a value as '--opt VALUE' or '--opt=VALUE' (-m likewise); a value that starts with --\n";
    text += "needs the second form.\n";

    for (const auto& group : kGroups) {
        text += "\n" + std::string(group.title) + ":\n";
        for (const auto& spec : kOptions) {
            if (spec.group != group.group)
                continue;
            auto label = option_label(spec);
            text += std::string(kIndent, ' ') + label + std::string(label_width - label.size() + kGap, ' ');
            text += std::string(spec.description) + "\n";
        }
        text += group.notes;
    }

    text += "\nExit status:\n"
            "  0  the guest powered off, or --wait-serial or --wait-screen matched\n"
            "  1  runtime error\n"
            "  2  usage error (bad command line)\n"
            "  3  the run ended (--timeout, or the guest powering off) before --wait-serial or --wait-screen\n"
            "     matched\n"
            "  V  a guest may end the run with its own status V by writing the byte V to the debug-exit\n"
            "     port 0x501 (spicebox's guests use 0 for pass and 0x10 and up for failures)\n";
    return text;
}

} // namespace spicebox
