#include "spice-client-sdl/sdl_scancodes.h"
#include "vmm/ps2_input.h"

#include <SDL_keyboard.h>
#include <doctest/doctest.h>

#include <map>
#include <set>

using namespace spicebox;

namespace {

constexpr uint32_t kPrefixMask = 0xFF00;
constexpr uint32_t kCodeMask = 0x00FF;

void check_row(std::initializer_list<SDL_Scancode> keys, uint32_t first_code)
{
    uint32_t expected = first_code;
    for (auto key : keys) {
        CAPTURE(SDL_GetScancodeName(key));
        CHECK(pc_scancode(key) == expected);
        ++expected;
    }
}

}

TEST_CASE("every mapped key is one the guest's PS/2 keyboard can send")
{
    for (auto& mapping : scancode_mappings()) {
        CAPTURE(SDL_GetScancodeName(mapping.sdl));
        uint32_t prefix = mapping.pc & kPrefixMask;
        CHECK((prefix == 0 || prefix == kExtendedScancode));
        CHECK(set1_to_set2(uint8_t(mapping.pc & kCodeMask)) != 0);
        CHECK(keyboard_bytes(uint16_t(mapping.pc), false, 2).size() > 0);
        CHECK(pc_scancode(mapping.sdl) == mapping.pc);
    }
}

TEST_CASE("each SDL key is listed once, and two keys share a code only when they are the same key")
{
    std::set<SDL_Scancode> seen;
    std::map<uint32_t, std::set<SDL_Scancode>> by_code;
    for (auto& mapping : scancode_mappings()) {
        CHECK(seen.insert(mapping.sdl).second);
        by_code[mapping.pc].insert(mapping.sdl);
    }
    // The ISO key next to Enter is the ANSI backslash; SDL's two mute and home keys are one each.
    const std::set<std::set<SDL_Scancode>> same_key = {
        { SDL_SCANCODE_BACKSLASH, SDL_SCANCODE_NONUSHASH },
        { SDL_SCANCODE_MUTE, SDL_SCANCODE_AUDIOMUTE },
        { SDL_SCANCODE_WWW, SDL_SCANCODE_AC_HOME },
    };
    for (auto& [code, keys] : by_code) {
        CAPTURE(code);
        if (keys.size() > 1)
            CHECK(same_key.contains(keys));
    }
}

TEST_CASE("set 1 numbers the main block row by row, left to right")
{
    check_row({ SDL_SCANCODE_ESCAPE, SDL_SCANCODE_1, SDL_SCANCODE_2, SDL_SCANCODE_3, SDL_SCANCODE_4, SDL_SCANCODE_5, SDL_SCANCODE_6,
                  SDL_SCANCODE_7, SDL_SCANCODE_8, SDL_SCANCODE_9, SDL_SCANCODE_0, SDL_SCANCODE_MINUS, SDL_SCANCODE_EQUALS,
                  SDL_SCANCODE_BACKSPACE, SDL_SCANCODE_TAB, SDL_SCANCODE_Q, SDL_SCANCODE_W, SDL_SCANCODE_E, SDL_SCANCODE_R,
                  SDL_SCANCODE_T, SDL_SCANCODE_Y, SDL_SCANCODE_U, SDL_SCANCODE_I, SDL_SCANCODE_O, SDL_SCANCODE_P,
                  SDL_SCANCODE_LEFTBRACKET, SDL_SCANCODE_RIGHTBRACKET, SDL_SCANCODE_RETURN, SDL_SCANCODE_LCTRL, SDL_SCANCODE_A,
                  SDL_SCANCODE_S, SDL_SCANCODE_D, SDL_SCANCODE_F, SDL_SCANCODE_G, SDL_SCANCODE_H, SDL_SCANCODE_J, SDL_SCANCODE_K,
                  SDL_SCANCODE_L, SDL_SCANCODE_SEMICOLON, SDL_SCANCODE_APOSTROPHE, SDL_SCANCODE_GRAVE, SDL_SCANCODE_LSHIFT,
                  SDL_SCANCODE_BACKSLASH, SDL_SCANCODE_Z, SDL_SCANCODE_X, SDL_SCANCODE_C, SDL_SCANCODE_V, SDL_SCANCODE_B,
                  SDL_SCANCODE_N, SDL_SCANCODE_M, SDL_SCANCODE_COMMA, SDL_SCANCODE_PERIOD, SDL_SCANCODE_SLASH,
                  SDL_SCANCODE_RSHIFT, SDL_SCANCODE_KP_MULTIPLY, SDL_SCANCODE_LALT, SDL_SCANCODE_SPACE, SDL_SCANCODE_CAPSLOCK,
                  SDL_SCANCODE_F1, SDL_SCANCODE_F2, SDL_SCANCODE_F3, SDL_SCANCODE_F4, SDL_SCANCODE_F5, SDL_SCANCODE_F6,
                  SDL_SCANCODE_F7, SDL_SCANCODE_F8, SDL_SCANCODE_F9, SDL_SCANCODE_F10 },
        0x01);
}

TEST_CASE("the navigation keys are the keypad's codes behind the 0xE0 prefix, as on the first AT keyboards")
{
    const std::pair<SDL_Scancode, SDL_Scancode> twins[] = {
        { SDL_SCANCODE_INSERT, SDL_SCANCODE_KP_0 },
        { SDL_SCANCODE_DELETE, SDL_SCANCODE_KP_PERIOD },
        { SDL_SCANCODE_HOME, SDL_SCANCODE_KP_7 },
        { SDL_SCANCODE_END, SDL_SCANCODE_KP_1 },
        { SDL_SCANCODE_PAGEUP, SDL_SCANCODE_KP_9 },
        { SDL_SCANCODE_PAGEDOWN, SDL_SCANCODE_KP_3 },
        { SDL_SCANCODE_UP, SDL_SCANCODE_KP_8 },
        { SDL_SCANCODE_DOWN, SDL_SCANCODE_KP_2 },
        { SDL_SCANCODE_LEFT, SDL_SCANCODE_KP_4 },
        { SDL_SCANCODE_RIGHT, SDL_SCANCODE_KP_6 },
        { SDL_SCANCODE_RCTRL, SDL_SCANCODE_LCTRL },
        { SDL_SCANCODE_RALT, SDL_SCANCODE_LALT },
        { SDL_SCANCODE_KP_ENTER, SDL_SCANCODE_RETURN },
        { SDL_SCANCODE_KP_DIVIDE, SDL_SCANCODE_SLASH },
    };
    for (auto [extended, plain] : twins) {
        CAPTURE(SDL_GetScancodeName(extended));
        CHECK(pc_scancode(plain) < kExtendedScancode);
        CHECK(pc_scancode(extended) == (kExtendedScancode | pc_scancode(plain)));
    }
}

TEST_CASE("keys a PC keyboard lacks, and values outside SDL's range, map to nothing")
{
    CHECK(pc_scancode(SDL_SCANCODE_UNKNOWN) == 0);
    CHECK(pc_scancode(SDL_SCANCODE_PAUSE) == 0);
    CHECK(pc_scancode(SDL_SCANCODE_MODE) == 0);
    CHECK(pc_scancode(SDL_Scancode(SDL_NUM_SCANCODES)) == 0);
    CHECK(pc_scancode(SDL_Scancode(-1)) == 0);
}
