#include "vmm/command_line.h"

#include <doctest/doctest.h>
#include <initializer_list>
#include <vector>

using namespace spicebox;

namespace {

Result<Options> parse(std::initializer_list<std::string_view> args)
{
    std::vector<std::string_view> list(args);
    return parse_command_line(list);
}

// The error message of a parse that must fail ("" if it succeeded, which then fails the caller's checks).
std::string error_of(std::initializer_list<std::string_view> args)
{
    auto result = parse(args);
    return result.ok() ? std::string() : result.error().message;
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

uint64_t memory_of(std::string_view size)
{
    auto result = parse({ "--memory", size });
    REQUIRE_MESSAGE(result.ok(), result.error_message());
    return result->memory_bytes;
}

}

TEST_CASE("no arguments give the documented defaults")
{
    auto options = parse({});
    REQUIRE(options.ok());
    CHECK_FALSE(options->kernel);
    CHECK_FALSE(options->initrd);
    CHECK(options->append.empty());
    CHECK_FALSE(options->guest);
    CHECK_FALSE(options->list_guests);
    CHECK_FALSE(options->help);
    CHECK_FALSE(options->version);
    CHECK(options->memory_bytes == 256 * kMiB);
    CHECK(options->cpus == 1);
    CHECK(options->serial.kind == SerialConfig::Kind::Stdio);
    CHECK_FALSE(options->wait_serial);
    CHECK_FALSE(options->timeout_seconds);
    CHECK(options->display == DisplayKind::Auto);
    CHECK_FALSE(options->verbose);
}

TEST_CASE("every option is accepted as '--opt value' and as '--opt=value'")
{
    auto separate = parse({ "--kernel", "/boot/vmlinuz", "--initrd", "/boot/initrd.img", "--append", "console=ttyS0 quiet",
        "--memory", "1G", "--cpus", "4", "--serial", "file:/tmp/com1.log", "--wait-serial", "login: $", "--timeout", "2.5",
        "--display", "sdl" });
    REQUIRE_MESSAGE(separate.ok(), separate.error_message());
    auto joined = parse({ "--kernel=/boot/vmlinuz", "--initrd=/boot/initrd.img", "--append=console=ttyS0 quiet",
        "--memory=1G", "--cpus=4", "--serial=file:/tmp/com1.log", "--wait-serial=login: $", "--timeout=2.5",
        "--display=sdl" });
    REQUIRE_MESSAGE(joined.ok(), joined.error_message());

    for (const auto* options : { &separate.value(), &joined.value() }) {
        CHECK(options->kernel == "/boot/vmlinuz");
        CHECK(options->initrd == "/boot/initrd.img");
        // Only the first '=' splits, so a kernel command line keeps its own.
        CHECK(options->append == "console=ttyS0 quiet");
        CHECK(options->memory_bytes == kGiB);
        CHECK(options->cpus == 4);
        CHECK(options->serial.kind == SerialConfig::Kind::File);
        CHECK(options->serial.path == "/tmp/com1.log");
        CHECK(options->wait_serial == "login: $");
        CHECK(options->timeout_seconds == 2.5);
        CHECK(options->display == DisplayKind::Sdl);
    }
}

TEST_CASE("flags and short forms")
{
    auto options = parse({ "-v", "-h", "--version", "--list-guests", "-m", "512M", "--guest", "bootcheck" });
    REQUIRE(options.ok());
    CHECK(options->verbose);
    CHECK(options->help);
    CHECK(options->version);
    CHECK(options->list_guests);
    CHECK(options->memory_bytes == 512 * kMiB);
    CHECK(options->guest == "bootcheck");

    auto long_forms = parse({ "--verbose", "--help", "-m=2G" });
    REQUIRE(long_forms.ok());
    CHECK(long_forms->verbose);
    CHECK(long_forms->help);
    CHECK(long_forms->memory_bytes == 2 * kGiB);

    // A flag said twice means the same thing; only valued options must be unique.
    CHECK(parse({ "-v", "--verbose" }).ok());
}

TEST_CASE("glued short forms are refused with the two accepted spellings")
{
    auto message = error_of({ "-m512M" });
    CHECK(contains(message, "unknown option '-m512M'"));
    CHECK(contains(message, "-m 512M"));
    CHECK(contains(message, "-m=512M"));
}

TEST_CASE("unknown options and positional arguments")
{
    auto typo = error_of({ "--kernal", "x" });
    CHECK(contains(typo, "unknown option '--kernal'"));
    CHECK(contains(typo, "did you mean --kernel?"));
    CHECK(contains(typo, "spicebox --help"));

    CHECK(contains(error_of({ "--kernal=x" }), "unknown option '--kernal'"));
    CHECK(contains(error_of({ "-memory", "1G" }), "did you mean --memory?"));
    // Abbreviations are not accepted (they would break when an option is added), only suggested.
    CHECK(contains(error_of({ "--mem", "1G" }), "unknown option '--mem' (did you mean --memory?"));

    auto unrelated = error_of({ "--frobnicate" });
    CHECK(contains(unrelated, "unknown option '--frobnicate' (see spicebox --help)"));
    CHECK(contains(error_of({ "-x" }), "unknown option '-x'"));

    CHECK(contains(error_of({ "x" }), "unexpected argument 'x'"));
    CHECK(contains(error_of({ "--cpus", "2", "disk.img" }), "unexpected argument 'disk.img'"));
    CHECK(contains(error_of({ "-" }), "unexpected argument '-'"));
    CHECK(contains(error_of({ "" }), "unexpected argument ''"));
}

TEST_CASE("a missing value names the option and its form")
{
    auto at_end = error_of({ "--kernel" });
    CHECK(contains(at_end, "--kernel needs a value"));
    CHECK(contains(at_end, "--kernel PATH"));

    CHECK(contains(error_of({ "-m" }), "--memory needs a value"));

    // The next option is not taken as the value: that would hide the mistake.
    auto swallowed = error_of({ "--kernel", "--guest", "demo" });
    CHECK(contains(swallowed, "--kernel needs a value"));
    CHECK(contains(swallowed, "'--guest'"));
    CHECK(contains(swallowed, "--kernel=PATH"));

    // ...but values that start with a single dash are values (a negative timeout gets its own message).
    auto dash_value = parse({ "--append", "-s" });
    REQUIRE(dash_value.ok());
    CHECK(dash_value->append == "-s");
    auto double_dash = parse({ "--append=--init=/bin/sh" });
    REQUIRE(double_dash.ok());
    CHECK(double_dash->append == "--init=/bin/sh");
}

TEST_CASE("a flag given a value is refused")
{
    CHECK(contains(error_of({ "--verbose=yes" }), "--verbose takes no value"));
    CHECK(contains(error_of({ "-h=1" }), "-h takes no value"));
}

TEST_CASE("a valued option given twice is refused, whichever spelling is used")
{
    CHECK(contains(error_of({ "--cpus", "2", "--cpus=3" }), "--cpus is given more than once"));
    CHECK(contains(error_of({ "-m", "1G", "--memory", "2G" }), "--memory is given more than once"));
    CHECK(contains(error_of({ "--append", "a", "--append", "b" }), "--append is given more than once"));
}

TEST_CASE("--kernel and --guest exclude each other; --initrd goes with either")
{
    CHECK(contains(error_of({ "--kernel", "k", "--guest", "g" }), "--kernel and --guest cannot be used together"));
    CHECK(parse({ "--kernel", "k", "--initrd", "i" }).ok());
    CHECK(parse({ "--guest", "bootcheck", "--initrd", "i" }).ok());
    CHECK(parse({ "--initrd", "i" }).ok());
}

TEST_CASE("paths and names must not be empty")
{
    CHECK(contains(error_of({ "--kernel=" }), "--kernel: needs a non-empty PATH"));
    CHECK(contains(error_of({ "--initrd", "" }), "--initrd: needs a non-empty PATH"));
    CHECK(contains(error_of({ "--guest=" }), "--guest: needs a non-empty NAME"));
    // An empty kernel command line is a real choice.
    CHECK(parse({ "--append=" }).ok());
}

TEST_CASE("SIZE: suffixes are powers of 1024, any case, with an optional B or iB")
{
    CHECK(memory_of("16384K") == 16 * kMiB);
    CHECK(memory_of("512M") == 512 * kMiB);
    CHECK(memory_of("512m") == 512 * kMiB);
    CHECK(memory_of("512MB") == 512 * kMiB);
    CHECK(memory_of("512mib") == 512 * kMiB);
    CHECK(memory_of("1G") == kGiB);
    CHECK(memory_of("2GiB") == 2 * kGiB);
    CHECK(memory_of("1t") == kTiB);
    CHECK(memory_of("268435456B") == 256 * kMiB);
}

TEST_CASE("SIZE: a bare number is MiB, as QEMU's -m")
{
    CHECK(memory_of("512") == 512 * kMiB);
    CHECK(memory_of("16") == 16 * kMiB);
    CHECK(memory_of("1048576") == kTiB);
}

TEST_CASE("SIZE: malformed sizes are not sizes")
{
    for (std::string_view bad : { "12Q", "1.5G", "0.5", "G", "", "-1G", "+1G", " 1G", "1G ", "1iB", "1KK", "1GB2", "1 G",
             "0x100" }) {
        CAPTURE(bad);
        auto message = error_of({ "--memory", bad });
        CHECK(contains(message, "--memory: '" + std::string(bad) + "' is not a size (use e.g. 512M or 2G)"));
    }
}

TEST_CASE("SIZE: range, alignment and overflow")
{
    CHECK(contains(error_of({ "-m", "0" }), "--memory: '0' is too small (at least 16M)"));
    CHECK(contains(error_of({ "-m", "15M" }), "is too small"));
    CHECK(contains(error_of({ "-m", "16777212B" }), "is too small"));
    CHECK(contains(error_of({ "-m", "1025G" }), "--memory: '1025G' is too large (at most 1T)"));
    CHECK(contains(error_of({ "-m", "1099511631872B" }), "is too large"));
    CHECK(memory_of("1099511627776B") == kTiB);

    // Overflow in the digits and in the multiplication both read as too large, never as a wrapped small size.
    CHECK(contains(error_of({ "-m", "99999999999999999999999" }), "is too large"));
    CHECK(contains(error_of({ "-m", "18446744073709551615" }), "is too large"));
    CHECK(contains(error_of({ "-m", "17179869184T" }), "is too large")); // 2^34 TiB = 2^74 bytes
    CHECK(contains(error_of({ "-m", "16777216T" }), "is too large"));   // exactly 2^64: wraps to 0 without the check

    CHECK(contains(error_of({ "-m", "16777217K" }), "--memory: '16777217K' is not a multiple of 4K"));
    CHECK(contains(error_of({ "-m", "268435457B" }), "is not a multiple of 4K"));
    CHECK(memory_of("16388K") == 16388 * kKiB);
}

TEST_CASE("--cpus is a whole number from 1 to 64")
{
    CHECK(parse({ "--cpus", "1" })->cpus == 1);
    CHECK(parse({ "--cpus", "64" })->cpus == 64);
    CHECK(contains(error_of({ "--cpus", "0" }), "--cpus: 0 is out of range (1..64)"));
    CHECK(contains(error_of({ "--cpus", "65" }), "--cpus: 65 is out of range (1..64)"));
    CHECK(contains(error_of({ "--cpus", "99999999999999999999999" }), "is out of range (1..64)"));
    CHECK(contains(error_of({ "--cpus", "two" }), "--cpus: 'two' is not a number (use 1..64)"));
    CHECK(contains(error_of({ "--cpus", "-1" }), "is not a number"));
    CHECK(contains(error_of({ "--cpus", "2.0" }), "is not a number"));
    CHECK(contains(error_of({ "--cpus=" }), "is not a number"));
}

TEST_CASE("--serial takes stdio, none or file:PATH")
{
    CHECK(parse({ "--serial", "stdio" })->serial.kind == SerialConfig::Kind::Stdio);
    CHECK(parse({ "--serial", "none" })->serial.kind == SerialConfig::Kind::None);
    auto file = parse({ "--serial=file:out:1.log" });
    REQUIRE(file.ok());
    CHECK(file->serial.kind == SerialConfig::Kind::File);
    CHECK(file->serial.path == "out:1.log");

    CHECK(contains(error_of({ "--serial", "tcp" }), "--serial: 'tcp' is not one of stdio, none, file:PATH"));
    CHECK(contains(error_of({ "--serial", "STDIO" }), "is not one of"));
    CHECK(contains(error_of({ "--serial", "file:" }), "--serial: file: needs a path"));
}

TEST_CASE("--display takes sdl or none")
{
    CHECK(parse({ "--display", "sdl" })->display == DisplayKind::Sdl);
    CHECK(parse({ "--display", "none" })->display == DisplayKind::None);
    CHECK(contains(error_of({ "--display", "gtk" }), "--display: 'gtk' is not one of sdl, none"));
}

TEST_CASE("--wait-serial must compile as an ECMAScript regular expression")
{
    CHECK(parse({ "--wait-serial", "^ok \\d+ (passed|done)$" })->wait_serial == "^ok \\d+ (passed|done)$");
    auto message = error_of({ "--wait-serial", "(" });
    CHECK(contains(message, "--wait-serial: bad regular expression '(': "));
    // The std::regex explanation follows the colon.
    CHECK(message.size() > std::string_view("--wait-serial: bad regular expression '(': ").size());
    CHECK(contains(error_of({ "--wait-serial", "[a-" }), "bad regular expression"));
    CHECK(contains(error_of({ "--wait-serial=" }), "--wait-serial: empty regular expression"));
}

TEST_CASE("--timeout is a finite number of seconds above zero")
{
    CHECK(parse({ "--timeout", "1.5" })->timeout_seconds == 1.5);
    CHECK(parse({ "--timeout", "30" })->timeout_seconds == 30.0);
    CHECK(parse({ "--timeout", "0.001" })->timeout_seconds == 0.001);
    CHECK(parse({ "--timeout", "1e2" })->timeout_seconds == 100.0);
    CHECK(parse({ "--timeout", "31536000" })->timeout_seconds == 31536000.0);

    CHECK(contains(error_of({ "--timeout", "0" }), "--timeout: 0 is out of range"));
    CHECK(contains(error_of({ "--timeout", "0.0" }), "is out of range"));
    CHECK(contains(error_of({ "--timeout", "-1" }), "--timeout: -1 is out of range"));
    CHECK(contains(error_of({ "--timeout=-0.5" }), "is out of range"));
    CHECK(contains(error_of({ "--timeout", "31536001" }), "is out of range"));
    CHECK(contains(error_of({ "--timeout", "1e999" }), "is out of range"));

    CHECK(contains(error_of({ "--timeout", "nan" }), "--timeout: 'nan' is not a finite number of seconds"));
    CHECK(contains(error_of({ "--timeout", "inf" }), "is not a finite number"));
    CHECK(contains(error_of({ "--timeout", "-infinity" }), "is not a finite number"));

    for (std::string_view bad : { "abc", "", "1.5s", "+1", " 1", "0x10", "1,5" }) {
        CAPTURE(bad);
        CHECK(contains(error_of({ "--timeout", bad }), "--timeout: '" + std::string(bad) + "' is not a number of seconds"));
    }
}

TEST_CASE("help_text documents the whole contract")
{
    auto text = help_text("spicebox-test");
    CHECK(contains(text, "Usage: spicebox-test [OPTIONS]"));
    for (std::string_view heading : { "\nGuest:\n", "\nMachine:\n", "\nConsole:\n", "\nDisplay:\n", "\nRun control:\n",
             "\nExit status:\n" }) {
        CAPTURE(heading);
        CHECK(contains(text, heading));
    }
    for (std::string_view option : { "--kernel PATH", "--initrd PATH", "--append STR", "--guest NAME", "--list-guests",
             "-m, --memory SIZE", "--cpus N", "--serial MODE", "--display MODE", "--wait-serial REGEX",
             "--timeout SECONDS", "-v, --verbose", "-h, --help", "--version" }) {
        CAPTURE(option);
        CHECK(contains(text, option));
    }
    CHECK(contains(text, "boots its default built-in guest"));
    CHECK(contains(text, "in MiB"));
    CHECK(contains(text, "standard input feeds COM1 when it is a terminal or a pipe"));
    CHECK(contains(text, "0x501"));
    CHECK(contains(text, "  3  the run ended"));
    CHECK(contains(text, "  2  usage error"));

    // One line per option: each option's label and description share a line.
    CHECK(contains(text, "--cpus N"));
    auto cpus_line_start = text.find("--cpus N");
    auto cpus_line_end = text.find('\n', cpus_line_start);
    CHECK(contains(text.substr(cpus_line_start, cpus_line_end - cpus_line_start), "1..64"));
}

TEST_CASE("--vga, --screenshot and --bios")
{
    auto parse = [](std::initializer_list<std::string_view> words) { return parse_command_line(std::vector<std::string_view>(words)); };
    CHECK(parse({}).value().vga == VgaKind::Qxl);
    CHECK(parse({ "--vga", "std" }).value().vga == VgaKind::Std);
    CHECK(parse({ "--vga=none" }).value().vga == VgaKind::None);
    auto bad = parse({ "--vga", "cirrus" });
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message == "--vga: 'cirrus' is not one of qxl, std, none");

    CHECK(parse({ "--screenshot", "out.png" }).value().screenshot == "out.png");
    CHECK_FALSE(parse({ "--screenshot=" }).ok());
    CHECK(parse({ "--screenshot", "out.png", "--vga", "std" }).value().screenshot == "out.png");
    auto no_card = parse({ "--screenshot", "out.png", "--vga", "none" });
    REQUIRE_FALSE(no_card.ok());
    CHECK(no_card.error().message == "--screenshot needs a display adapter: it cannot be used with --vga none");

    CHECK(parse({ "--bios", "seabios" }).value().bios == std::string(kSeabiosPath));
    CHECK(parse({ "--bios", "/tmp/fw.bin" }).value().bios == "/tmp/fw.bin");
    auto with_kernel = parse({ "--bios", "seabios", "--guest", "hello" });
    REQUIRE_FALSE(with_kernel.ok());
    CHECK(with_kernel.error().message.find("--bios boots firmware only") == 0);
}

TEST_CASE("--wait-screen and --screen-text")
{
    auto parse = [](std::initializer_list<std::string_view> words) { return parse_command_line(std::vector<std::string_view>(words)); };
    auto options = parse({ "--bios", "seabios", "--wait-screen", "SeaBIOS \\(version", "--screen-text", "screen.txt" });
    REQUIRE(options.ok());
    CHECK(options->wait_screen == "SeaBIOS \\(version");
    CHECK(options->screen_text == "screen.txt");
    CHECK_FALSE(parse({}).value().wait_screen);
    CHECK_FALSE(parse({}).value().screen_text);

    auto empty = parse({ "--wait-screen=" });
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().message == "--wait-screen: empty regular expression (it would match before the guest prints anything)");
    auto bad = parse({ "--wait-screen", "SeaBIOS (version" });
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("--wait-screen: bad regular expression 'SeaBIOS (version': ") == 0);
    CHECK_FALSE(parse({ "--screen-text=" }).ok());

    auto no_card = parse({ "--wait-screen", "x", "--vga", "none" });
    REQUIRE_FALSE(no_card.ok());
    CHECK(no_card.error().message == "--wait-screen needs a display adapter: it cannot be used with --vga none");
    auto no_text = parse({ "--screen-text", "t", "--vga", "none" });
    REQUIRE_FALSE(no_text.ok());
    CHECK(no_text.error().message == "--screen-text needs a display adapter: it cannot be used with --vga none");
    auto both = parse({ "--wait-screen", "x", "--wait-serial", "y" });
    REQUIRE_FALSE(both.ok());
    CHECK(both.error().message == "--wait-serial and --wait-screen cannot be used together (choose one)");

    auto help = help_text("spicebox");
    CHECK(help.find("--wait-screen REGEX") != std::string::npos);
    CHECK(help.find("--screen-text PATH") != std::string::npos);
    CHECK(help.find("--wait-serial or --wait-screen matched") != std::string::npos);
}

TEST_CASE("--qxl sets the QXL card's BAR sizes: powers of two within QEMU's bounds, only for the qxl card")
{
    CHECK_FALSE(parse({}).value().qxl);
    auto both = parse({ "--qxl", "ram=128M,vram=32M" });
    REQUIRE_MESSAGE(both.ok(), both.error_message());
    REQUIRE(both->qxl);
    CHECK(both->qxl->ram_bytes == 128 * kMiB);
    CHECK(both->qxl->vram_bytes == 32 * kMiB);

    // One setting keeps the other's default; sizes use -m's syntax, a bare number being MiB.
    auto ram_only = parse({ "--qxl=ram=256" });
    REQUIRE_MESSAGE(ram_only.ok(), ram_only.error_message());
    CHECK(ram_only->qxl->ram_bytes == 256 * kMiB);
    CHECK(ram_only->qxl->vram_bytes == kDefaultQxlVramBytes);
    auto vram_only = parse({ "--qxl", "vram=4KiB", "--vga", "qxl" });
    REQUIRE_MESSAGE(vram_only.ok(), vram_only.error_message());
    CHECK(vram_only->qxl->ram_bytes == kDefaultQxlRamBytes);
    CHECK(vram_only->qxl->vram_bytes == 4 * kKiB);
    CHECK(parse({ "--qxl", "ram=512M,vram=256M" }).ok());
    CHECK(parse({ "--qxl", "ram=32M,vram=512M" }).ok());

    CHECK(error_of({ "--qxl", "ram=96M" }) == "--qxl: 'ram=96M' is not a power of two (e.g. 64M, 128M)");
    CHECK(error_of({ "--qxl", "ram=16M" }) == "--qxl: 'ram=16M' is out of range (32M..512M)");
    CHECK(error_of({ "--qxl", "ram=1G" }) == "--qxl: 'ram=1G' is out of range (32M..512M)");
    CHECK(error_of({ "--qxl", "vram=2K" }) == "--qxl: 'vram=2K' is out of range (4K..512M)");
    CHECK(error_of({ "--qxl", "vram=1T" }) == "--qxl: 'vram=1T' is out of range (4K..512M)");
    CHECK(error_of({ "--qxl", "vram=99999999999999999999" }) == "--qxl: 'vram=99999999999999999999' is out of range (4K..512M)");
    CHECK(error_of({ "--qxl", "vram=lots" }) == "--qxl: 'vram=lots': 'lots' is not a size (use e.g. vram=64M)");
    CHECK(error_of({ "--qxl", "ram=512M,vram=512M" })
        == "--qxl: ram and vram together must be at most 768M (they share the PCI hole below 4 GiB)");
    CHECK(error_of({ "--qxl", "vgamem=16M" }) == "--qxl: unknown setting 'vgamem' (use ram=SIZE,vram=SIZE)");
    CHECK(error_of({ "--qxl", "ram=64M,ram=128M" }) == "--qxl: ram is given more than once (keep one)");
    CHECK(error_of({ "--qxl", "ram=64M," }) == "--qxl: '' is not a setting (use ram=SIZE,vram=SIZE)");
    CHECK(error_of({ "--qxl=" }) == "--qxl: '' is not a setting (use ram=SIZE,vram=SIZE)");
    CHECK(error_of({ "--qxl", "64M" }) == "--qxl: '64M' is not a setting (use ram=SIZE,vram=SIZE)");
    CHECK(error_of({ "--qxl", "ram=64M", "--vga", "std" }) == "--qxl configures the qxl card: it cannot be used with --vga std or none");
    CHECK(error_of({ "--qxl", "ram=64M", "--vga", "none" }) == "--qxl configures the qxl card: it cannot be used with --vga std or none");

    auto help = help_text("spicebox");
    CHECK(contains(help, "--qxl SETTINGS"));
    CHECK(contains(help, "ram=SIZE (BAR0, default 64M), vram=SIZE (BAR1, default 64M)"));
    CHECK(contains(help, "ram 32M..512M, vram 4K..512M, together at most 768M"));
    CHECK(contains(help, "vgabios-qxl.bin"));
}
