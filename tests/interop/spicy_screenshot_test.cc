// spicy-screenshot (spice-gtk 0.42) against spicebox --spice: it links main and display, takes the
// picture of the first draw and writes a PPM, which must equal spicebox's own --screenshot of the same
// screen, pixel for pixel. Also: passwords, unix sockets, two clients at once, reconnects, a port in use.
#include "tests/integration/kvm_requirement.h"
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
#include <memory>

using namespace spicebox;
using namespace spicebox::test;

namespace {

std::string temp_path(const std::string& name)
{
    return "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-" + name;
}

// Boots `guest` (lingering after it drew), takes spicy-screenshot's picture and compares it with the
// --screenshot spicebox writes when it is stopped.
void check_client_picture(const std::string& guest, const std::string& ready, const std::string& vga = "std")
{
    auto png = temp_path(guest + ".png");
    auto ppm = temp_path(guest + ".ppm");
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", guest, "--vga", vga, "--append", "linger", "--spice", "port=0,disable-ticketing", "--screenshot", png, "--timeout", "60" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    CHECK(spicebox.uri().starts_with("spice://127.0.0.1:"));
    // The picture is taken once the guest has drawn all of it.
    REQUIRE_MESSAGE(spicebox.wait_for_output(ready, std::chrono::seconds(30)), (spicebox.out() + spicebox.err()));
    auto client = run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-o", ppm }, std::chrono::seconds(30));
    INFO(describe(client));
    CHECK(client.exit_code == 0);
    MESSAGE(("spicy-screenshot of " + guest + " took " + std::to_string(client.elapsed.count()) + " ms (process start to saved picture)"));
    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    auto server_picture = read_png(png);
    REQUIRE_MESSAGE(server_picture.ok(), server_picture.error_message());
    auto client_picture = read_ppm(ppm);
    REQUIRE_MESSAGE(client_picture.ok(), client_picture.error_message());
    auto differs = picture_difference(*client_picture, *server_picture);
    CHECK_MESSAGE(differs.empty(), (differs + " (kept: " + png + ", " + ppm + ")"));
    if (differs.empty()) {
        std::remove(png.c_str());
        std::remove(ppm.c_str());
    }
}

}

TEST_CASE("spicy-screenshot of the vbe guest (1024x768) equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    check_client_picture("vbe", "vbe: ready");
}

TEST_CASE("spicy-screenshot of the vga-text guest (720x400) equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    check_client_picture("vga-text", "vga-text: ready");
}

// The QXL guests: a client that joins once the driver has drawn gets the rendered surface as a snapshot.
TEST_CASE("spicy-screenshot of the demo guest (QXL draw commands) equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    check_client_picture("demo", "demo: ready", "qxl");
}

TEST_CASE("spicy-screenshot of the qxl-linux-profile guest equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    check_client_picture("qxl-linux-profile", "qxl-linux-profile: ready", "qxl");
}

TEST_CASE("spicy-screenshot of the qxl-xorg-profile guest equals spicebox's own screenshot" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    check_client_picture("qxl-xorg-profile", "qxl-xorg-profile: ready", "qxl");
}

TEST_CASE("a password: the right one is let in, a wrong one is refused with PERMISSION_DENIED" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    auto ppm = temp_path("password.ppm");
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "vbe", "--vga", "std", "--append", "linger", "--spice", "port=0,password=secret", "--timeout", "60" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    auto wrong = run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-w", "wrong", "-o", ppm }, std::chrono::seconds(30));
    CHECK(wrong.exit_code != 0);
    auto right = run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-w", "secret", "-o", ppm }, std::chrono::seconds(30));
    INFO(describe(right));
    CHECK(right.exit_code == 0);
    // A second client after the first one left: reconnecting works.
    auto again = run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-w", "secret", "-o", ppm }, std::chrono::seconds(30));
    CHECK(again.exit_code == 0);
    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    CHECK(spicebox.err().find("spice: link refused (error 7): wrong password") != std::string::npos);
    std::remove(ppm.c_str());
}

TEST_CASE("a unix socket: spice+unix:// works" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    auto socket = socket_path("spicebox-interop-" + std::to_string(getpid()) + "-spice.sock");
    auto ppm = temp_path("unix.ppm");
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "vbe", "--vga", "std", "--append", "linger", "--spice", "unix=" + socket + ",disable-ticketing", "--timeout", "60" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    CHECK(spicebox.uri() == "spice+unix://" + socket);
    auto client = run_process({ kSpicyScreenshot, "--uri", spicebox.uri(), "-o", ppm }, std::chrono::seconds(30));
    INFO(describe(client));
    CHECK(client.exit_code == 0);
    auto picture = read_ppm(ppm);
    REQUIRE_MESSAGE(picture.ok(), picture.error_message());
    CHECK(picture->width == 1024);
    CHECK(picture->height == 768);
    spicebox.stop();
    CHECK(access(socket.c_str(), F_OK) != 0);
    std::remove(ppm.c_str());
}

TEST_CASE("a port in use is one clear error line and status 1" * doctest::test_suite(kNeedsKvm))
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(listen(fd, 1) == 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    auto port = std::to_string(ntohs(address.sin_port));
    auto result = run_spicebox({ "--guest", "vbe", "--vga", "std", "--spice", "port=" + port + ",disable-ticketing" });
    close(fd);
    INFO(describe(result));
    CHECK(result.exit_code == 1);
    CHECK(result.err == "spicebox: --spice: cannot listen on 127.0.0.1:" + port + ": Address already in use\n");
}

TEST_CASE("two spicy-screenshot clients at once both get the whole screen, and so does each of ten reconnects" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kSpicyScreenshot });
    constexpr int kReconnects = 10;
    auto png = temp_path("many.png");
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "vbe", "--vga", "std", "--append", "linger", "--spice", "port=0,password=secret", "--screenshot", png, "--timeout", "120" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    REQUIRE_MESSAGE(spicebox.wait_for_output("vbe: ready", std::chrono::seconds(30)), (spicebox.out() + spicebox.err()));
    std::vector<std::string> pictures;

    std::vector<std::unique_ptr<ChildProcess>> together;
    for (int i = 0; i < 2; ++i) {
        pictures.push_back(temp_path("together-" + std::to_string(i) + ".ppm"));
        together.push_back(std::make_unique<ChildProcess>(
            std::vector<std::string> { kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-w", "secret", "-o", pictures.back() }));
    }
    for (auto& client : together) {
        auto status = client->wait(std::chrono::seconds(30));
        INFO(client->output());
        CHECK(status == 0);
    }

    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kReconnects; ++i) {
        pictures.push_back(temp_path("again-" + std::to_string(i) + ".ppm"));
        auto client = run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-w", "secret", "-o", pictures.back() },
            std::chrono::seconds(30));
        INFO(describe(client));
        CHECK(client.exit_code == 0);
    }
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    MESSAGE((std::to_string(kReconnects) + " spicy-screenshot connections one after another took " + std::to_string(elapsed.count()) + " ms"));

    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    auto server_picture = read_png(png);
    REQUIRE_MESSAGE(server_picture.ok(), server_picture.error_message());
    std::remove(png.c_str());
    for (auto& path : pictures) {
        auto picture = read_ppm(path);
        std::remove(path.c_str());
        INFO(path);
        REQUIRE_MESSAGE(picture.ok(), picture.error_message());
        CHECK(picture_difference(*picture, *server_picture) == "");
    }
    // Every client left in order: nothing was refused or cut off.
    CHECK(spicebox.err().find("spice: ") == std::string::npos);
}
