#include "vmm/screenshot_command.h"

#include <doctest/doctest.h>

#include <vector>

using namespace spicebox;

namespace {

Result<ScreenshotOptions> parse(std::vector<std::string_view> args) { return parse_screenshot_command(args); }

std::string error_of(std::vector<std::string_view> args)
{
    auto parsed = parse(std::move(args));
    return parsed.ok() ? "" : parsed.error().message;
}

}

TEST_CASE("spicebox screenshot: URI, output, password or password file, timeout")
{
    auto parsed = parse({ "spice://127.0.0.1:5930", "-o", "out.png" });
    REQUIRE(parsed.ok());
    CHECK(parsed->uri == "spice://127.0.0.1:5930");
    CHECK(parsed->output == "out.png");
    CHECK(parsed->timeout_seconds == kDefaultScreenshotTimeoutSeconds);
    CHECK_FALSE(parsed->password.has_value());

    auto full = parse({ "--output=a.png", "--password", "pw", "--timeout=2.5", "spice+unix:///run/s" });
    REQUIRE(full.ok());
    CHECK(full->output == "a.png");
    CHECK(full->password == "pw");
    CHECK(full->timeout_seconds == 2.5);
    CHECK(full->uri == "spice+unix:///run/s");

    CHECK(parse({ "--help" })->help);
}

TEST_CASE("spicebox screenshot: usage errors are one line naming the problem")
{
    CHECK(error_of({ "-o", "x.png" }) == "screenshot: which server? spicebox screenshot spice://HOST:PORT -o out.png");
    CHECK(error_of({ "spice://h:1" }) == "screenshot: -o PATH names the PNG to write");
    CHECK(error_of({ "spice://h:1", "-o" }) == "screenshot: -o needs a value");
    CHECK(error_of({ "spice://h:1", "-o", "x", "--password", "a", "--password-file", "f" })
        == "screenshot: --password and --password-file exclude each other");
    CHECK(error_of({ "spice://h:1", "-o", "x", "--timeout", "0" }) == "screenshot: --timeout needs a number of seconds above 0, not '0'");
    CHECK(error_of({ "spice://h:1", "-o", "x", "--timeout", "nan" }) != "");
    CHECK(error_of({ "spice://h:1", "-o", "x", "--bogus" }) == "screenshot: unknown option --bogus (see spicebox screenshot --help)");
    CHECK(error_of({ "spice://h:1", "spice://h:2", "-o", "x" }) == "screenshot: one URI only, got 'spice://h:1' and 'spice://h:2'");
}
