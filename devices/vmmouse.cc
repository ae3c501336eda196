#include "devices/vmmouse.h"

#include "base/log.h"

#include <algorithm>

namespace spicebox {

Vmmouse::Vmmouse(std::function<void()> notify_guest, std::function<void(bool absolute)> mode_changed)
    : m_notify_guest(std::move(notify_guest))
    , m_mode_changed(std::move(mode_changed))
{
}

bool Vmmouse::absolute() const
{
    std::lock_guard lock(m_mutex);
    return absolute_locked();
}

void Vmmouse::backdoor(BackdoorRegisters& regs)
{
    // Not a backdoor call: the `in` reads what the register held, as on QEMU.
    if (regs.eax != vmmouse::magic)
        return;
    bool was_absolute = false;
    bool absolute_now = false;
    {
        std::lock_guard lock(m_mutex);
        was_absolute = absolute_locked();
        switch (uint16_t(regs.ecx)) {
        case vmmouse::cmd_get_version:
            regs.eax = vmmouse::backdoor_version;
            regs.ebx = vmmouse::magic;
            break;
        case vmmouse::cmd_abspointer_status:
            regs.eax = (m_enabled ? 0 : vmmouse::status_error) | uint32_t(m_queue.size());
            break;
        case vmmouse::cmd_abspointer_data:
            read_data(regs);
            break;
        case vmmouse::cmd_abspointer_command:
            command(regs.ebx);
            break;
        case vmmouse::cmd_abspointer_restrict:
            // Which privilege levels may call: our guests call from ring 3, so any level may.
            break;
        default:
            LOG_DEBUG("vmmouse", "backdoor command %u ignored", unsigned(uint16_t(regs.ecx)));
            break;
        }
        absolute_now = absolute_locked();
    }
    if (was_absolute != absolute_now && m_mode_changed)
        m_mode_changed(absolute_now);
}

void Vmmouse::command(uint32_t argument)
{
    switch (argument) {
    case vmmouse::enable:
        // The driver checks the device by reading the version id back as the first queued word.
        m_enabled = true;
        m_queue.assign(1, vmmouse::version_id);
        break;
    case vmmouse::disable:
        m_enabled = false;
        m_queue.clear();
        break;
    case vmmouse::request_absolute:
        m_absolute = true;
        break;
    case vmmouse::request_relative:
        m_absolute = false;
        break;
    default:
        LOG_DEBUG("vmmouse", "ABSPOINTER_COMMAND 0x%08x ignored", argument);
        break;
    }
}

void Vmmouse::read_data(BackdoorRegisters& regs)
{
    uint32_t count = regs.ebx;
    if (count == 0 || count > vmmouse::max_data_words || count > m_queue.size()) {
        // A driver out of step with the queue: the device turns itself off (as QEMU's does), and the
        // driver's next STATUS sees the error and resets it.
        LOG_DEBUG("vmmouse", "the guest asked for %u words with %zu queued; device disabled", count, m_queue.size());
        m_enabled = false;
        m_queue.clear();
        return;
    }
    uint32_t* outputs[vmmouse::max_data_words] = { &regs.eax, &regs.ebx, &regs.ecx, &regs.edx, &regs.esi, &regs.edi };
    for (uint32_t i = 0; i < count; ++i)
        *outputs[i] = m_queue[i];
    m_queue.erase(m_queue.begin(), m_queue.begin() + count);
}

bool Vmmouse::enabled() const
{
    std::lock_guard lock(m_mutex);
    return m_enabled;
}

bool Vmmouse::position(uint32_t x, uint32_t y, int32_t wheel, uint32_t buttons)
{
    return queue_packet(false, buttons, std::min(x, vmmouse::max_coordinate), std::min(y, vmmouse::max_coordinate), wheel);
}

bool Vmmouse::motion(int32_t dx, int32_t dy, int32_t wheel, uint32_t buttons)
{
    // The driver's relative y points up.
    return queue_packet(true, vmmouse::relative_packet | buttons, uint32_t(dx), uint32_t(-int64_t(dy)), wheel);
}

bool Vmmouse::queue_packet(bool relative, uint32_t flags, uint32_t x, uint32_t y, int32_t wheel)
{
    {
        std::lock_guard lock(m_mutex);
        bool accepted = relative ? m_enabled : absolute_locked();
        if (!accepted || m_queue.size() + vmmouse::packet_words > vmmouse::queue_words)
            return false;
        m_queue.push_back(flags & (vmmouse::relative_packet | vmmouse::left_button | vmmouse::right_button | vmmouse::middle_button));
        m_queue.push_back(x);
        m_queue.push_back(y);
        m_queue.push_back(uint32_t(std::clamp(wheel, -128, 127)) & 0xFF);
    }
    if (m_notify_guest)
        m_notify_guest();
    return true;
}

} // namespace spicebox
