// --spice SPEC on the command line, and the password file it may name.
#include "vmm/command_line.h"
#include "vmm/spice_service.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <unistd.h>
#include <vector>

using namespace spicebox;

namespace {

Result<Options> parse_args(std::initializer_list<std::string_view> args)
{
    std::vector<std::string_view> list(args);
    return parse_command_line(list);
}

std::string spice_error(std::string_view spec)
{
    auto parsed = parse_args({ "--spice", spec });
    return parsed.ok() ? "(accepted)" : parsed.error().message;
}

}

TEST_CASE("--spice: off unless given; port, addr, unix and the three ticketing choices")
{
    CHECK_FALSE(parse_args({}).value().spice.has_value());

    auto tcp = parse_args({ "--spice", "port=5930,password=secret" });
    REQUIRE_MESSAGE(tcp.ok(), tcp.error_message());
    REQUIRE(tcp->spice);
    CHECK(tcp->spice->address == "127.0.0.1");
    CHECK(tcp->spice->port == 5930);
    CHECK(tcp->spice->password == "secret");
    CHECK_FALSE(tcp->spice->disable_ticketing);

    auto any_port = parse_args({ "--spice=addr=0.0.0.0,port=0,disable-ticketing" });
    REQUIRE_MESSAGE(any_port.ok(), any_port.error_message());
    CHECK(any_port->spice->address == "0.0.0.0");
    CHECK(any_port->spice->port == 0);
    CHECK(any_port->spice->disable_ticketing);

    auto unix_socket = parse_args({ "--spice", "unix=/run/spice.sock,password-file=/etc/pw" });
    REQUIRE_MESSAGE(unix_socket.ok(), unix_socket.error_message());
    CHECK(unix_socket->spice->unix_path == "/run/spice.sock");
    CHECK_FALSE(unix_socket->spice->port);
    CHECK(unix_socket->spice->password_file == "/etc/pw");
}

TEST_CASE("--spice: every mistake is one line naming it")
{
    CHECK(spice_error("disable-ticketing") == "--spice: give either port=N or unix=PATH");
    CHECK(spice_error("port=1,unix=/x,disable-ticketing") == "--spice: give either port=N or unix=PATH");
    CHECK(spice_error("port=5930") == "--spice: give exactly one of password=S, password-file=PATH, disable-ticketing");
    CHECK(spice_error("port=5930,password=a,disable-ticketing")
        == "--spice: give exactly one of password=S, password-file=PATH, disable-ticketing");
    CHECK(spice_error("port=65536,disable-ticketing") == "--spice: port '65536' is not a port number 0..65535 (0: any free port)");
    CHECK(spice_error("port=http,disable-ticketing") == "--spice: port 'http' is not a port number 0..65535 (0: any free port)");
    CHECK(spice_error("port=1,port=2,disable-ticketing") == "--spice: port is given more than once (keep one)");
    CHECK(spice_error("port=1,disable-ticketing=yes") == "--spice: disable-ticketing takes no value");
    CHECK(spice_error("port=1,tls-port=2,disable-ticketing")
        == "--spice: unknown setting 'tls-port' (port=N, addr=A, unix=PATH, password=S, password-file=PATH, disable-ticketing, max-connections=N)");
    CHECK(spice_error("port=1,password=,x") == "--spice: password= needs a value");
    CHECK(spice_error("unix=/x,addr=::1,disable-ticketing") == "--spice: addr= goes with port=, not with unix=");
    CHECK(spice_error("port=1,password=" + std::string(61, 'p')) == "--spice: the password is longer than SPICE's 60 bytes");
    CHECK(spice_error("port=1,password=" + std::string(60, 'p')) == "(accepted)");
}

TEST_CASE("--spice max-connections: 64 unless given, 1..4096")
{
    CHECK(parse_args({ "--spice", "port=0,disable-ticketing" }).value().spice->max_connections == 64);
    CHECK(parse_args({ "--spice", "port=0,disable-ticketing,max-connections=1" }).value().spice->max_connections == 1);
    CHECK(parse_args({ "--spice", "port=0,disable-ticketing,max-connections=4096" }).value().spice->max_connections == 4096);
    CHECK(spice_error("port=0,disable-ticketing,max-connections=0") == "--spice: max-connections '0' is not a number 1..4096");
    CHECK(spice_error("port=0,disable-ticketing,max-connections=4097") == "--spice: max-connections '4097' is not a number 1..4096");
    CHECK(spice_error("port=0,disable-ticketing,max-connections=-1") == "--spice: max-connections '-1' is not a number 1..4096");
}

TEST_CASE("the password file: one line, its final line break dropped")
{
    auto path = "/tmp/spicebox-unit-password-" + std::to_string(getpid());
    auto write = [&](const std::string& text) { std::ofstream(path, std::ios::binary) << text; };
    write("secret\n");
    CHECK(read_spice_password_file(path).value() == "secret");
    write("secret\r\n");
    CHECK(read_spice_password_file(path).value() == "secret");
    write("secret");
    CHECK(read_spice_password_file(path).value() == "secret");
    write("two\nlines\n");
    CHECK_FALSE(read_spice_password_file(path).ok());
    write(std::string(61, 'p'));
    CHECK_FALSE(read_spice_password_file(path).ok());
    std::remove(path.c_str());
    CHECK(read_spice_password_file(path).error().message == "--spice: cannot read password-file " + path);
}
