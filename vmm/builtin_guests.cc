#include "vmm/builtin_guests.h"

namespace spicebox {

const BuiltinGuest* find_builtin_guest(std::string_view name)
{
    for (const BuiltinGuest& guest : builtin_guests()) {
        if (guest.name == name)
            return &guest;
    }
    return nullptr;
}

}
