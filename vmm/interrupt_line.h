// What a device may do with its interrupt: set the level of its line. The machine binds the line
// to a KVM GSI (KVM_IRQ_LINE); unit tests bind it to a recorder.
#pragma once

#include <functional>

namespace spicebox {

class InterruptLine {
public:
    InterruptLine() = default;
    explicit InterruptLine(std::function<void(bool level)> set_level) : m_set_level(std::move(set_level)) { }

    void set_level(bool level) const
    {
        if (m_set_level)
            m_set_level(level);
    }

    // An edge-triggered pulse (the ISA devices' lines are edge-triggered at the PIC).
    void pulse() const
    {
        set_level(true);
        set_level(false);
    }

private:
    std::function<void(bool)> m_set_level;
};

} // namespace spicebox
