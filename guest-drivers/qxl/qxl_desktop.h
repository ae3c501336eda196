// What a guest that only wants a screen does with the card, as Linux's driver lays it out: one memory
// slot over the RAM BAR up to the RAM header (the command heap, over the ROM's pages) and one over the
// VRAM BAR, then a 32-bit primary of width x height at the start of VRAM. The card must be probed and
// reset, and its interrupts or polling chosen, before.
#pragma once

#include <stdint.h>

namespace spicebox::guest::qxl {

class Card;
class Heap;

// Prints what failed, after `who`, and returns false on any refusal.
bool start_desktop(Card&, Heap&, uint32_t width, uint32_t height, const char* who);

}
