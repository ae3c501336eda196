#include "demo/vmmouse.h"

#include "demo/ps2_input.h"
#include "runtime/runtime.h"

namespace spicebox::guest::vmmouse {

namespace {

constexpr uint16_t port = 0x5658;
constexpr uint32_t magic = 0x564D5868;

namespace command {
constexpr uint32_t get_version = 10;
constexpr uint32_t abspointer_data = 39;
constexpr uint32_t abspointer_status = 40;
constexpr uint32_t abspointer_command = 41;
}

namespace argument {
constexpr uint32_t enable = 0x45414552;
constexpr uint32_t disable = 0x000000f5;
constexpr uint32_t request_absolute = 0x53424152;
}

constexpr uint32_t version_id = 0x3442554a;
constexpr uint32_t status_error = 0xffff0000;
constexpr uint32_t queue_length_mask = 0xffff;
constexpr uint32_t relative_packet = 0x00010000;
constexpr uint32_t left_button = 0x20;
constexpr uint32_t right_button = 0x10;
constexpr uint32_t middle_button = 0x08;
constexpr uint32_t packet_words = 4;
// Events read per drain, so a flood cannot stall drawing (Linux reads at most 255 too).
constexpr unsigned events_per_drain = 255;

struct Registers {
    uint32_t eax;
    uint32_t ebx;
    uint32_t ecx;
    uint32_t edx;
};

// The backdoor call: `in` from the port with the magic in EAX; it answers in the registers.
Registers call(uint32_t command, uint32_t argument)
{
    Registers regs { magic, argument, command, port };
    uint32_t esi = 0, edi = 0;
    asm volatile("inl %%dx, %%eax"
                 : "+a"(regs.eax), "+b"(regs.ebx), "+c"(regs.ecx), "+d"(regs.edx), "+S"(esi), "+D"(edi)
                 :
                 : "memory");
    return regs;
}

}

bool Mouse::init()
{
    // Without a backdoor the `in` leaves EBX alone (and reads all ones into EAX).
    Registers version = call(command::get_version, ~magic);
    if (version.ebx != magic || version.eax == 0xFFFFFFFF)
        return false;
    call(command::abspointer_command, argument::enable);
    if ((call(command::abspointer_status, 0).eax & queue_length_mask) == 0)
        return false;
    if (call(command::abspointer_data, 1).eax != version_id) {
        call(command::abspointer_command, argument::disable);
        return false;
    }
    call(command::abspointer_command, argument::request_absolute);
    m_active = true;
    return true;
}

void Mouse::drain(EventHandler on_event)
{
    for (unsigned i = 0; m_active && i < events_per_drain; ++i) {
        uint32_t status = call(command::abspointer_status, 0).eax;
        if ((status & status_error) == status_error) {
            print("vmmouse: the device reported an error; back to PS/2 motion\n");
            m_active = false;
            return;
        }
        uint32_t queued = status & queue_length_mask;
        if (queued < packet_words)
            return;
        Registers packet = call(command::abspointer_data, packet_words);
        Event event {};
        event.relative = packet.eax & relative_packet;
        event.x = int32_t(packet.ebx);
        // A relative packet's y points up.
        event.y = event.relative ? -int32_t(packet.ecx) : int32_t(packet.ecx);
        event.wheel = int8_t(uint8_t(packet.edx));
        event.buttons = uint8_t(((packet.eax & left_button) ? ps2::button_left : 0) | ((packet.eax & right_button) ? ps2::button_right : 0)
            | ((packet.eax & middle_button) ? ps2::button_middle : 0));
        on_event(event);
    }
}

}
