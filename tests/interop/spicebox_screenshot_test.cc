// `spicebox screenshot`, our own SPICE client, against two servers. Against spicebox's: connected while
// each built-in display guest draws, its picture must equal spicebox's own --screenshot of the run's
// end state, pixel for pixel (every draw command, image cache entry and surface reached the client).
// Against QEMU's spice-server (qxl-vga, SeaBIOS's text screen) in each image compression QEMU offers:
// its picture must equal QEMU's QMP screendump; so must its picture of our vbe guest booted by QEMU.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/qmp_client.h"
#include "tests/integration/run_process.h"
#include "tests/interop/child_process.h"
#include "tests/interop/spicebox_process.h"
#include "tests/interop/tools.h"
#include "tests/support/picture_match.h"
#include "tests/support/png_reader.h"
#include "tests/support/ppm_reader.h"
#include "tests/support/socket_path.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr auto kQemuSettleDeadline = std::chrono::seconds(60);
constexpr auto kScreendumpInterval = std::chrono::milliseconds(500);

std::string temp_path(const std::string& name)
{
    return "/tmp/spicebox-screenshot-" + std::to_string(getpid()) + "-" + name;
}

// Boots `guest` with spicebox's SPICE server, starts `spicebox screenshot` as soon as it listens (so the
// client follows the guest's drawing), and compares its picture with spicebox's --screenshot taken when
// it is stopped after the guest is done.
void check_own_server(const std::string& guest, const std::vector<std::string>& machine, const std::string& append,
    const std::string& ready)
{
    auto server_png = temp_path(guest + "-server.png");
    auto client_png = temp_path(guest + "-client.png");
    std::vector<std::string> arguments { "--guest", guest, "--append", "linger " + append, "--spice", "port=0,disable-ticketing",
        "--screenshot", server_png, "--timeout", "120" };
    arguments.insert(arguments.end(), machine.begin(), machine.end());
    SpiceboxProcess spicebox(spicebox_path(), arguments);
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    auto client = run_process({ spicebox_path(), "screenshot", spicebox.uri(), "-o", client_png, "--timeout", "60" }, std::chrono::seconds(90));
    INFO(describe(client));
    REQUIRE_MESSAGE(spicebox.wait_for_output(ready, std::chrono::seconds(60)), (spicebox.out() + spicebox.err()));
    CHECK(client.exit_code == 0);
    CHECK(client.err.empty());
    MESSAGE(("spicebox screenshot of " + guest + " took " + std::to_string(client.elapsed.count()) + " ms from the server's start"));
    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    auto server_picture = read_png(server_png);
    REQUIRE_MESSAGE(server_picture.ok(), server_picture.error_message());
    auto client_picture = read_png(client_png);
    REQUIRE_MESSAGE(client_picture.ok(), client_picture.error_message());
    auto differs = screenshot_difference(*client_picture, *server_picture, client_png);
    CHECK_MESSAGE(differs.empty(), differs);
    if (differs.empty()) {
        std::remove(server_png.c_str());
        std::remove(client_png.c_str());
    }
}

std::string free_port()
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    close(fd);
    return std::to_string(ntohs(address.sin_port));
}

Result<Framebuffer> screendump(QmpClient& qmp, const std::string& path)
{
    TRY(qmp.execute("screendump", "{\"filename\": " + json_string(path) + "}"));
    auto picture = read_ppm(path);
    std::remove(path.c_str());
    return picture;
}

// QEMU (qemu_accelerator(): KVM only where guest ring 0 is native) with no disks and no network, so
// SeaBIOS soon settles on "No bootable device"; its qxl-vga card is served by QEMU's spice-server.
void check_qemu(const std::string& compression)
{
    require_tools({ kQemu });
    auto port = free_port();
    auto qmp_socket = socket_path("spicebox-screenshot-" + std::to_string(getpid()) + "-" + compression + ".qmp");
    auto dump_path = temp_path(compression + ".ppm");
    auto client_png = temp_path(compression + "-client.png");
    ChildProcess qemu({ kQemu, "-accel", qemu_accelerator(), "-machine", "pc", "-m", "64", "-vga", "qxl", "-display", "none", "-nic", "none",
        "-spice", "port=" + port + ",addr=127.0.0.1,disable-ticketing=on,image-compression=" + compression, "-qmp",
        "unix:" + qmp_socket + ",server=on,wait=off" });
    REQUIRE(qemu.started());
    auto qmp = QmpClient::connect(qmp_socket, std::chrono::seconds(10));
    REQUIRE_MESSAGE(qmp.ok(), (qmp.error_message() + "; QEMU: " + qemu.output()));

    // Settled: two screendumps in a row agree.
    auto deadline = std::chrono::steady_clock::now() + kQemuSettleDeadline;
    std::optional<Framebuffer> previous;
    for (;;) {
        REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, "QEMU's screen did not settle");
        auto dump = screendump(*qmp, dump_path);
        REQUIRE_MESSAGE(dump.ok(), dump.error_message());
        if (previous && !pictures_differ(*previous, *dump))
            break;
        previous = std::move(*dump);
        std::this_thread::sleep_for(kScreendumpInterval);
    }

    auto client = run_process({ spicebox_path(), "screenshot", "spice://127.0.0.1:" + port, "-o", client_png }, std::chrono::seconds(30));
    INFO(describe(client));
    REQUIRE(client.exit_code == 0);
    MESSAGE(("spicebox screenshot of QEMU (image-compression=" + compression + ") took " + std::to_string(client.elapsed.count()) + " ms"));
    auto picture = read_png(client_png);
    REQUIRE_MESSAGE(picture.ok(), picture.error_message());
    // The text cursor blinks: the client's picture must equal one of the dumps taken around it.
    std::string differs;
    std::vector<Framebuffer> dumps { *previous };
    for (int i = 0; i < 4; ++i) {
        auto dump = screendump(*qmp, dump_path);
        REQUIRE_MESSAGE(dump.ok(), dump.error_message());
        dumps.push_back(std::move(*dump));
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    bool matched = false;
    for (auto& dump : dumps) {
        differs = picture_difference(*picture, dump);
        matched = matched || differs.empty();
    }
    qemu.stop();
    std::remove(qmp_socket.c_str());
    CHECK_MESSAGE(matched, ("no screendump equals the client's picture; last: " + differs + " (kept: " + client_png + ")"));
    if (matched)
        std::remove(client_png.c_str());
}

// The built guests' ELF files sit next to the binary under test: BUILD/guest-drivers/NAME.elf.
std::string guest_elf(const std::string& guest)
{
    return (std::filesystem::path(spicebox_path()).parent_path().parent_path() / "guest-drivers" / (guest + ".elf")).string();
}

}

TEST_CASE("spicebox screenshot of the vbe guest booted by QEMU (PVH) equals QEMU's screendump")
{
    auto elf = guest_elf("vbe");
    require_tools({ kQemu });
    REQUIRE_MESSAGE(access(elf.c_str(), R_OK) == 0, (elf + " is missing (scripts/build.sh builds it)"));
    auto port = free_port();
    auto qmp_socket = socket_path("spicebox-screenshot-" + std::to_string(getpid()) + "-vbe.qmp");
    auto serial = temp_path("vbe.serial");
    auto dump_path = temp_path("vbe.ppm");
    auto client_png = temp_path("vbe-qemu-client.png");
    ChildProcess qemu({ kQemu, "-accel", qemu_accelerator(), "-machine", "pc", "-m", "256", "-vga", "qxl", "-display", "none", "-nic", "none",
        "-serial", "file:" + serial, "-spice", "port=" + port + ",addr=127.0.0.1,disable-ticketing=on", "-qmp",
        "unix:" + qmp_socket + ",server=on,wait=off", "-kernel", elf, "-append", "linger" });
    REQUIRE(qemu.started());
    auto qmp = QmpClient::connect(qmp_socket, std::chrono::seconds(10));
    REQUIRE_MESSAGE(qmp.ok(), (qmp.error_message() + "; QEMU: " + qemu.output()));
    auto deadline = std::chrono::steady_clock::now() + kQemuSettleDeadline;
    std::string output;
    while (output.find("vbe: ready") == std::string::npos) {
        REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, ("no \"vbe: ready\" on serial: " + output));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::ifstream file(serial);
        output.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    auto client = run_process({ spicebox_path(), "screenshot", "spice://127.0.0.1:" + port, "-o", client_png }, std::chrono::seconds(30));
    INFO(describe(client));
    REQUIRE(client.exit_code == 0);
    MESSAGE(("spicebox screenshot of vbe on QEMU took " + std::to_string(client.elapsed.count()) + " ms"));
    auto dump = screendump(*qmp, dump_path);
    REQUIRE_MESSAGE(dump.ok(), dump.error_message());
    qemu.stop();
    std::remove(qmp_socket.c_str());
    std::remove(serial.c_str());
    auto picture = read_png(client_png);
    REQUIRE_MESSAGE(picture.ok(), picture.error_message());
    CHECK(picture->width == 1024);
    CHECK(picture->height == 768);
    auto differs = screenshot_difference(*picture, *dump, client_png);
    CHECK_MESSAGE(differs.empty(), differs);
    if (differs.empty())
        std::remove(client_png.c_str());
}

TEST_CASE("spicebox screenshot of vga-text equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    check_own_server("vga-text", { "--vga", "std" }, "", "vga-text: ready");
}

TEST_CASE("spicebox screenshot of vbe equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    check_own_server("vbe", { "--vga", "std" }, "", "vbe: ready");
}

TEST_CASE("spicebox screenshot following demo's animation equals spicebox's own screenshot of its end" * doctest::test_suite(kNeedsKvm))
{
    check_own_server("demo", { "--vga", "qxl" }, "demo.seconds=3", "demo: ready");
}

TEST_CASE("spicebox screenshot of qxl-linux-profile equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    check_own_server("qxl-linux-profile", { "--vga", "qxl" }, "", "qxl-linux-profile: ready");
}

TEST_CASE("spicebox screenshot of qxl-xorg-profile equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    check_own_server("qxl-xorg-profile", { "--vga", "qxl" }, "", "qxl-xorg-profile: ready");
}

TEST_CASE("spicebox screenshot of QEMU's spice-server equals QEMU's screendump, in every image compression")
{
    for (const char* compression : { "off", "quic", "lz", "glz", "auto_glz" }) {
        SUBCASE(compression) { check_qemu(compression); }
    }
}

TEST_CASE("spicebox screenshot: a wrong password, a closed port and a bad URI are one error line and status 1 or 2" * doctest::test_suite(kNeedsKvm))
{
    SpiceboxProcess spicebox(spicebox_path(), { "--guest", "vbe", "--vga", "std", "--append", "linger", "--spice", "port=0,password=secret", "--timeout", "60" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    auto out = temp_path("refused.png");
    auto wrong = run_process({ spicebox_path(), "screenshot", spicebox.uri(), "-o", out, "--password", "wrong" }, std::chrono::seconds(30));
    CHECK(wrong.exit_code == 1);
    CHECK(wrong.err == "spicebox: the server refused the link: permission denied (wrong password?)\n");
    auto right = run_process({ spicebox_path(), "screenshot", spicebox.uri() + "?password=secret", "-o", out }, std::chrono::seconds(30));
    INFO(describe(right));
    CHECK(right.exit_code == 0);
    auto picture = read_png(out);
    REQUIRE_MESSAGE(picture.ok(), picture.error_message());
    CHECK(picture->width == 1024);
    CHECK(picture->height == 768);
    std::remove(out.c_str());
    spicebox.stop();

    auto closed = run_process({ spicebox_path(), "screenshot", "spice://127.0.0.1:" + free_port(), "-o", out }, std::chrono::seconds(30));
    CHECK(closed.exit_code == 1);
    CHECK(closed.err.find("Connection refused") != std::string::npos);
    auto bad = run_process({ spicebox_path(), "screenshot", "vnc://127.0.0.1:5900", "-o", out }, std::chrono::seconds(30));
    CHECK(bad.exit_code == 1);
    auto usage = run_process({ spicebox_path(), "screenshot", "spice://127.0.0.1:5900" }, std::chrono::seconds(30));
    CHECK(usage.exit_code == 2);
    CHECK(usage.err == "spicebox: screenshot: -o PATH names the PNG to write\n");
}
