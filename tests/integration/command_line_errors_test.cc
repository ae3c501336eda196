// Bad input gets one clear line on stderr and a non-zero status.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"

#include <doctest/doctest.h>
#include <fstream>
#include <unistd.h>

using namespace spicebox::test;

namespace {

bool one_clear_line(const std::string& err)
{
    return err.starts_with("spicebox: ") && err.ends_with("\n") && err.find('\n') == err.size() - 1;
}

void check_one_line_error(const std::vector<std::string>& arguments, int status, const std::string& words,
    const std::vector<std::string>& environment = {})
{
    auto result = run_spicebox(arguments, std::chrono::seconds(60), { .environment = environment, .stdin_data = std::nullopt });
    INFO(describe(result));
    CHECK(result.exit_code == status);
    CHECK(one_clear_line(result.err));
    CHECK(result.err.find(words) != std::string::npos);
}

}

TEST_CASE("usage errors exit 2 with one line")
{
    check_one_line_error({ "--frobnicate" }, 2, "--frobnicate");
    check_one_line_error({ "--memory", "12Q" }, 2, "12Q");
    check_one_line_error({ "--guest", "no-such-guest" }, 2, "no-such-guest");
    check_one_line_error({ "--display", "vnc" }, 2, "vnc");
}

TEST_CASE("--help documents the contract and --list-guests names the built-in guests")
{
    auto help = run_spicebox({ "--help" });
    CHECK(help.exit_code == 0);
    for (const char* option : { "--kernel", "--initrd", "--append", "--guest", "--list-guests", "--memory", "--cpus", "--serial",
             "--wait-serial", "--timeout", "--display", "0x501" })
        CHECK_MESSAGE(help.out.find(option) != std::string::npos, option);

    auto list = run_spicebox({ "--list-guests" });
    CHECK(list.exit_code == 0);
    for (const char* guest : { "hello", "bootcheck", "cpuprobe" })
        CHECK_MESSAGE(list.out.find(guest) != std::string::npos, guest);
}

TEST_CASE("a missing, unreadable or foreign kernel file is named in one line")
{
    check_one_line_error({ "--kernel", "/nonexistent/vmlinuz" }, 1, "/nonexistent/vmlinuz");
    check_one_line_error({ "--kernel", "/tmp" }, 1, "/tmp");
    auto text_path = "/tmp/spicebox-test-" + std::to_string(getpid()) + "-not-a-kernel";
    std::ofstream(text_path) << "#!/bin/sh\necho this is a shell script, not a kernel\n";
    check_one_line_error({ "--kernel", text_path }, 1, "neither a bzImage nor an ELF64");
    std::remove(text_path.c_str());
    check_one_line_error({ "--guest", "hello", "--initrd", "/nonexistent/initrd" }, 1, "/nonexistent/initrd");
}

TEST_CASE("a kernel too large for the memory given says so")
{
    check_one_line_error({ "--kernel", linux_guest_dir() + "/vmlinuz", "-m", "32M" }, 1, "MiB");
}

TEST_CASE("no usable /dev/kvm is one line")
{
    check_one_line_error({ "--guest", "hello" }, 1, "/nonexistent/kvm does not exist", { "SPICEBOX_KVM_DEVICE=/nonexistent/kvm" });
}

TEST_CASE("memory that cannot be allocated is one line" * doctest::test_suite(kNeedsKvm))
{
    check_one_line_error({ "--guest", "hello", "-m", "1T" }, 1, "cannot allocate");
}
