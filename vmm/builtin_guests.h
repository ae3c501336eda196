// The guests built from guest-drivers/ and embedded in the spicebox binary, looked up by name
// (`spicebox --guest hello`). Each image is an ELF64 executable or a bzImage, as a file would be.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace spicebox {

struct BuiltinGuest {
    std::string_view name;
    std::string_view description;
    std::span<const uint8_t> image;
};

// All embedded guests, in a fixed order. Defined by the source guest-drivers/tools/embed_guests.py
// generates at build time.
std::span<const BuiltinGuest> builtin_guests();

// nullptr when no embedded guest has that name.
const BuiltinGuest* find_builtin_guest(std::string_view name);

}
