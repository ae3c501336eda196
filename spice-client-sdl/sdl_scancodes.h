// The window's keyboard: SDL's physical key codes (USB HID usages) as the PC scan code set 1 make codes a
// SPICE server expects, so a key means the same to the guest whatever the host's layout.
#pragma once

#include <SDL_scancode.h>

#include <cstdint>
#include <span>

namespace spicebox {

// Set-1 keys that follow an 0xE0 prefix are 0xE0xx, as ClientSession::send_key takes them.
constexpr uint32_t kExtendedScancode = 0xE000;
// Pause sends no break code and is two codes in a row (0xE1 0x1D, then 0x45).
constexpr uint32_t kPauseFirstScancode = 0xE11D;
constexpr uint32_t kPauseSecondScancode = 0x45;

struct ScancodeMapping {
    SDL_Scancode sdl;
    uint32_t pc;
};

// The whole table (Pause excluded: see above), for tests and for looking keys up.
std::span<const ScancodeMapping> scancode_mappings();

// The set-1 code of an SDL key; 0 for a key PC keyboards do not have (and for Pause).
uint32_t pc_scancode(SDL_Scancode);

} // namespace spicebox
