#include "devices/vmmouse.h"

#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

namespace {

struct Fixture {
    int notifications = 0;
    std::vector<bool> modes;
    Vmmouse mouse { [this] { ++notifications; }, [this](bool absolute) { modes.push_back(absolute); } };

    BackdoorRegisters call(uint16_t command, uint32_t argument = 0)
    {
        BackdoorRegisters regs { .eax = vmmouse::magic, .ebx = argument, .ecx = command, .edx = vmmouse::port };
        mouse.backdoor(regs);
        return regs;
    }
    uint32_t status() { return call(vmmouse::cmd_abspointer_status).eax; }
    // What Linux's vmmouse_enable does.
    void enable_absolute()
    {
        call(vmmouse::cmd_abspointer_command, vmmouse::enable);
        REQUIRE(status() == 1);
        REQUIRE(call(vmmouse::cmd_abspointer_data, 1).eax == vmmouse::version_id);
        call(vmmouse::cmd_abspointer_restrict, 1);
        call(vmmouse::cmd_abspointer_command, vmmouse::request_absolute);
    }
};

}

TEST_CASE("vmmouse: GETVERSION answers with the magic in EBX, as Linux's detection checks")
{
    Fixture f;
    auto regs = f.call(vmmouse::cmd_get_version);
    CHECK(regs.ebx == vmmouse::magic);
    CHECK(regs.eax == vmmouse::backdoor_version);
    CHECK(regs.ecx == vmmouse::cmd_get_version);
}

TEST_CASE("vmmouse: a call without the magic in EAX changes no register")
{
    Fixture f;
    BackdoorRegisters regs { .eax = 0x12345678, .ebx = 1, .ecx = vmmouse::cmd_get_version, .edx = 3, .esi = 4, .edi = 5 };
    f.mouse.backdoor(regs);
    CHECK(regs.eax == 0x12345678);
    CHECK(regs.ebx == 1);
    CHECK(regs.ecx == vmmouse::cmd_get_version);
    CHECK(regs.edx == 3);
    CHECK(regs.esi == 4);
    CHECK(regs.edi == 5);
}

TEST_CASE("vmmouse: disabled, STATUS reports the error; ENABLE queues the version id")
{
    Fixture f;
    CHECK(f.status() == vmmouse::status_error);
    f.call(vmmouse::cmd_abspointer_command, vmmouse::enable);
    CHECK(f.status() == 1);
    CHECK(f.call(vmmouse::cmd_abspointer_data, 1).eax == vmmouse::version_id);
    CHECK(f.status() == 0);
    CHECK_FALSE(f.mouse.absolute());
    CHECK(f.modes.empty());
}

TEST_CASE("vmmouse: REQUEST_ABSOLUTE after ENABLE turns absolute mode on, DISABLE off")
{
    Fixture f;
    f.enable_absolute();
    CHECK(f.mouse.absolute());
    REQUIRE(f.modes == std::vector<bool> { true });
    f.call(vmmouse::cmd_abspointer_command, vmmouse::request_relative);
    CHECK_FALSE(f.mouse.absolute());
    f.call(vmmouse::cmd_abspointer_command, vmmouse::request_absolute);
    f.call(vmmouse::cmd_abspointer_command, vmmouse::disable);
    CHECK_FALSE(f.mouse.absolute());
    CHECK(f.status() == vmmouse::status_error);
    CHECK(f.modes == std::vector<bool> { true, false, true, false });
}

TEST_CASE("vmmouse: positions are dropped until absolute mode")
{
    Fixture f;
    f.mouse.position(100, 200, 0, 0);
    f.call(vmmouse::cmd_abspointer_command, vmmouse::enable);
    f.call(vmmouse::cmd_abspointer_data, 1);
    f.mouse.position(100, 200, 0, 0);
    CHECK(f.status() == 0);
    CHECK(f.notifications == 0);
}

TEST_CASE("vmmouse: a position is four words in EAX..EDX, and the PS/2 side is told")
{
    Fixture f;
    f.enable_absolute();
    f.mouse.position(0x8000, 0x4000, 0, vmmouse::left_button | vmmouse::middle_button);
    f.mouse.position(0x20000, 7, -1, vmmouse::right_button);
    CHECK(f.notifications == 2);
    CHECK(f.status() == 8);

    auto first = f.call(vmmouse::cmd_abspointer_data, 4);
    CHECK(first.eax == (vmmouse::left_button | vmmouse::middle_button));
    CHECK((first.eax & vmmouse::relative_packet) == 0);
    CHECK(first.ebx == 0x8000);
    CHECK(first.ecx == 0x4000);
    CHECK(first.edx == 0);
    auto second = f.call(vmmouse::cmd_abspointer_data, 4);
    CHECK(second.eax == vmmouse::right_button);
    CHECK(second.ebx == vmmouse::max_coordinate); // clamped
    CHECK(second.ecx == 7);
    CHECK(int8_t(uint8_t(second.edx)) == -1);
    CHECK(f.status() == 0);
}

TEST_CASE("vmmouse: reading more than is queued disables the device")
{
    Fixture f;
    f.enable_absolute();
    f.mouse.position(1, 2, 0, 0);
    auto regs = f.call(vmmouse::cmd_abspointer_data, 5);
    CHECK(regs.ebx == 5); // nothing was read
    CHECK(f.status() == vmmouse::status_error);
    CHECK_FALSE(f.mouse.absolute());
    CHECK(f.modes == std::vector<bool> { true, false });
    CHECK(f.call(vmmouse::cmd_abspointer_data, 7).eax == vmmouse::magic);
}

TEST_CASE("vmmouse: the queue is bounded; events beyond it are dropped")
{
    Fixture f;
    f.enable_absolute();
    for (size_t i = 0; i < vmmouse::queue_words; ++i)
        f.mouse.position(uint32_t(i), 0, 0, 0);
    CHECK(f.status() == vmmouse::queue_words);
    CHECK(f.notifications == int(vmmouse::queue_words / vmmouse::packet_words));
    CHECK(f.call(vmmouse::cmd_abspointer_data, 4).ebx == 0);
    f.mouse.position(9999, 0, 0, 0);
    CHECK(f.status() == vmmouse::queue_words);
}

TEST_CASE("vmmouse: relative motion is queued as a relative packet while enabled, y pointing up")
{
    Fixture f;
    CHECK_FALSE(f.mouse.motion(3, 4, 0, 0));
    f.call(vmmouse::cmd_abspointer_command, vmmouse::enable);
    f.call(vmmouse::cmd_abspointer_data, 1);
    CHECK(f.mouse.enabled());
    CHECK_FALSE(f.mouse.absolute());
    CHECK_FALSE(f.mouse.position(3, 4, 0, 0));
    CHECK(f.mouse.motion(-3, 4, 1, vmmouse::left_button));
    CHECK(f.notifications == 1);
    auto regs = f.call(vmmouse::cmd_abspointer_data, 4);
    CHECK(regs.eax == (vmmouse::relative_packet | vmmouse::left_button));
    CHECK(int32_t(regs.ebx) == -3);
    CHECK(int32_t(regs.ecx) == -4);
    CHECK(regs.edx == 1);
}
