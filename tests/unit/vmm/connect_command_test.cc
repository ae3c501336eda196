#include "vmm/connect_command.h"

#include <doctest/doctest.h>

#include <vector>

using namespace spicebox;

namespace {

Result<ConnectOptions> parse(std::vector<std::string_view> args) { return parse_connect_command_line(args); }

std::string error_of(std::vector<std::string_view> args)
{
    auto parsed = parse(std::move(args));
    return parsed ? std::string() : parsed.error().message;
}

}

TEST_CASE("spicebox connect takes one URI and a password either way, as --opt VALUE or --opt=VALUE")
{
    auto plain = parse({ "spice://127.0.0.1:5930" });
    REQUIRE(plain.ok());
    CHECK(plain->uri == "spice://127.0.0.1:5930");
    CHECK_FALSE(plain->password);
    CHECK_FALSE(plain->password_file);

    auto spaced = parse({ "--password", "s3cret", "spice://host:1" });
    REQUIRE(spaced.ok());
    CHECK(spaced->password == "s3cret");
    CHECK(spaced->uri == "spice://host:1");

    auto joined = parse({ "spice://host:1", "--password-file=/run/ticket" });
    REQUIRE(joined.ok());
    CHECK(joined->password_file == "/run/ticket");
    CHECK_FALSE(joined->password);

    // A password may start with dashes or be empty in the = form.
    CHECK(parse({ "spice://host:1", "--password=--x" })->password == "--x");
    CHECK(parse({ "spice://host:1", "--password=" })->password == "");
}

TEST_CASE("spicebox connect says what is wrong with its command line in one line")
{
    CHECK(error_of({}) == "which server? give its URI, e.g. spice://localhost:5900");
    CHECK(error_of({ "spice://a:1", "spice://b:2" }) == "one URI only ('spice://a:1' and 'spice://b:2')");
    CHECK(error_of({ "spice://a:1", "--password" }) == "--password needs a value");
    CHECK(error_of({ "spice://a:1", "--password-file" }) == "--password-file needs a path");
    CHECK(error_of({ "spice://a:1", "--password", "p", "--password-file", "f" })
        == "--password and --password-file cannot be used together (choose one)");
    CHECK(error_of({ "spice://a:1", "--fullscreen" }) == "unknown option '--fullscreen' (see spicebox connect --help)");
    CHECK(error_of({ "spice://a:1", "--passwords=x" }) == "unknown option '--passwords=x' (see spicebox connect --help)");
    CHECK(error_of({ "spice://a:1", "--password", std::string_view("0123456789012345678901234567890123456789012345678901234567890") })
        == "--password is longer than SPICE's 60 bytes");
}

TEST_CASE("spicebox connect --help needs no URI and documents the release key")
{
    auto help = parse({ "--help" });
    REQUIRE(help.ok());
    CHECK(help->help);
    CHECK(connect_help_text("spicebox").find("Ctrl+Alt+G releases it") != std::string::npos);
}
