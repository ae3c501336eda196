#include "vmm/builtin_guests.h"

#include "vmm/linux_loader.h"

#include <doctest/doctest.h>

using namespace spicebox;

TEST_CASE("the built-in guests are embedded in the formats their loaders take")
{
    auto* hello = find_builtin_guest("hello");
    REQUIRE(hello != nullptr);
    CHECK(detect_kernel_format(hello->image) == KernelFormat::Elf64);
    CHECK_FALSE(hello->description.empty());

    auto* cpuprobe = find_builtin_guest("cpuprobe");
    REQUIRE(cpuprobe != nullptr);
    CHECK(detect_kernel_format(cpuprobe->image) == KernelFormat::Elf64);

    auto* bootcheck = find_builtin_guest("bootcheck");
    REQUIRE(bootcheck != nullptr);
    REQUIRE(detect_kernel_format(bootcheck->image) == KernelFormat::BzImage);
    auto header = parse_setup_header(bootcheck->image);
    REQUIRE(header.ok());

    CHECK(find_builtin_guest("no-such-guest") == nullptr);
}
