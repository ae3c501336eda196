// Built-in guests booted under KVM by the real binary.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/support/elf_image.h"

#include <cstdio>
#include <doctest/doctest.h>
#include <elf.h>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace spicebox::test;
using namespace std::chrono_literals;

namespace {

uint32_t crc32(const std::vector<uint8_t>& bytes)
{
    uint32_t crc = 0xFFFFFFFF;
    for (uint8_t byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

std::string temporary_path(const char* name)
{
    return "/tmp/spicebox-test-" + std::to_string(getpid()) + "-" + name;
}

}

TEST_CASE("hello prints its greeting from ring 3 and powers off through debug-exit" * doctest::test_suite(kNeedsKvm))
{
    auto result = run_spicebox({ "--guest", "hello" });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("Hello from the spicebox hello guest!\n") != std::string::npos);
    CHECK(result.out.find("hello: running in ring 3") != std::string::npos);
}

TEST_CASE("with no guest named, spicebox boots its default built-in guest: the demo desktop on QXL" * doctest::test_suite(kNeedsKvm))
{
    auto result = run_spicebox({ "--append", "demo.seconds=1", "--timeout", "30" });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("demo: ready") != std::string::npos);
}

TEST_CASE("bootcheck, booted through the Linux loader, finds everything it was handed" * doctest::test_suite(kNeedsKvm))
{
    std::mt19937 random(std::random_device {}());
    std::vector<uint8_t> initrd(300 * 1024 + 123);
    for (auto& byte : initrd)
        byte = uint8_t(random());
    auto initrd_path = temporary_path("initrd");
    std::ofstream(initrd_path, std::ios::binary).write(reinterpret_cast<const char*>(initrd.data()), std::streamsize(initrd.size()));

    char checks[200];
    std::snprintf(checks, sizeof checks, "bootcheck.cmdline=ok bootcheck.mem_mb=128 bootcheck.initrd_size=%zu bootcheck.initrd_crc32=%08x",
        initrd.size(), crc32(initrd));
    auto result = run_spicebox({ "--guest", "bootcheck", "-m", "128M", "--initrd", initrd_path, "--append", checks });
    std::remove(initrd_path.c_str());
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("bootcheck: FAIL") == std::string::npos);
    CHECK(result.out.find("bootcheck: PASS initrd") != std::string::npos);
    CHECK(result.out.find(" passed, 0 failed") != std::string::npos);
}

TEST_CASE("bootcheck reports a wrong initrd checksum as a failure status" * doctest::test_suite(kNeedsKvm))
{
    auto initrd_path = temporary_path("initrd-bad");
    std::ofstream(initrd_path, std::ios::binary) << "not the bytes the checksum describes";
    auto result = run_spicebox({ "--guest", "bootcheck", "--initrd", initrd_path, "--append",
        "bootcheck.cmdline=ok bootcheck.initrd_size=36 bootcheck.initrd_crc32=12345678" });
    std::remove(initrd_path.c_str());
    INFO(describe(result));
    CHECK(result.exit_code == 0x10);
    CHECK(result.out.find("bootcheck: FAIL initrd") != std::string::npos);
}

TEST_CASE("--wait-serial ends the run with 0 on a match; --timeout ends it with 3 without one" * doctest::test_suite(kNeedsKvm))
{
    auto matched = run_spicebox({ "--guest", "hello", "--wait-serial", "spicebox hello gu.st" });
    INFO(describe(matched));
    CHECK(matched.exit_code == 0);

    // hello powers off before the deadline; a pattern it never printed still fails the run.
    auto unmatched = run_spicebox({ "--guest", "hello", "--wait-serial", "never printed", "--timeout", "30" });
    INFO(describe(unmatched));
    CHECK(unmatched.exit_code == 3);
}

TEST_CASE("--serial file: writes the console to a file and none discards it" * doctest::test_suite(kNeedsKvm))
{
    auto log_path = temporary_path("serial.log");
    auto to_file = run_spicebox({ "--guest", "hello", "--serial", "file:" + log_path });
    INFO(describe(to_file));
    CHECK(to_file.exit_code == 0);
    CHECK(to_file.out.find("Hello from") == std::string::npos);
    std::ifstream log(log_path);
    std::string contents((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    std::remove(log_path.c_str());
    CHECK(contents.find("Hello from the spicebox hello guest!") != std::string::npos);

    auto silent = run_spicebox({ "--guest", "hello", "--serial", "none" });
    CHECK(silent.exit_code == 0);
    CHECK(silent.out.empty());
}

TEST_CASE("several vCPUs: the machine boots with --cpus 2 and the guest runs on the boot CPU" * doctest::test_suite(kNeedsKvm))
{
    auto result = run_spicebox({ "--guest", "hello", "--cpus", "2", "-m", "64M" });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("Hello from the spicebox hello guest!") != std::string::npos);
}

TEST_CASE("stdin that is a pipe reaches the guest through COM1 and its receive interrupt" * doctest::test_suite(kNeedsKvm))
{
    auto result = run_spicebox({ "--guest", "hello", "--append", "hello.echo=11" }, std::chrono::seconds(60),
        { .environment = {}, .stdin_data = std::string("typed input") });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("hello: read 'typed input' after ") != std::string::npos);
    CHECK(result.out.find("after 0 serial interrupts") == std::string::npos);
}

TEST_CASE("the i8042 reset line powers the machine off with status 0" * doctest::test_suite(kNeedsKvm))
{
    auto result = run_spicebox({ "--guest", "hello", "--append", "hello.exit=reset" });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("hello: resetting through the i8042") != std::string::npos);
    CHECK(result.out.find("did not end the run") == std::string::npos);
}

TEST_CASE("a guest that triple-faults ends the run with one line saying so" * doctest::test_suite(kNeedsKvm))
{
    // ud2 at the entry: the boot IDT is empty (limit 0), so #UD escalates to a triple fault.
    auto path = temporary_path("triple-fault.elf");
    constexpr uint64_t entry = 0x100000;
    auto image = elf_image(entry, { { entry, { 0x0F, 0x0B }, 2, PF_R | PF_X } });
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(image.data()), std::streamsize(image.size()));
    auto result = run_spicebox({ "--kernel", path });
    std::remove(path.c_str());
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.err == "spicebox: machine: vCPU 0: the guest triple-faulted; the run ends as at power off\n");
}

TEST_CASE("--kernel boots our guests from their files: the bootcheck bzImage and the hello ELF" * doctest::test_suite(kNeedsKvm))
{
    if (guest_images_dir().empty())
        return;
    auto bzimage = run_spicebox({ "--kernel", guest_images_dir() + "/bootcheck.bzImage", "--append", "bootcheck.cmdline=ok" });
    INFO(describe(bzimage));
    CHECK(bzimage.exit_code == 0);
    CHECK(bzimage.out.find("bootcheck: PASS entry_address") != std::string::npos);

    auto elf = run_spicebox({ "--kernel", guest_images_dir() + "/hello.elf" });
    INFO(describe(elf));
    CHECK(elf.exit_code == 0);
    CHECK(elf.out.find("Hello from the spicebox hello guest!") != std::string::npos);
}
