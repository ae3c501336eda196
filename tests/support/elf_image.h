// Static ELF64 x86-64 executables built in memory, for the tests of the ELF loader and of booting one.
#pragma once

#include <cstdint>
#include <vector>

namespace spicebox::test {

struct ElfSegment {
    uint64_t address;
    std::vector<uint8_t> bytes;
    uint64_t memory_size;
    uint32_t flags;
};

// The header, the program headers (one PT_LOAD per segment, loaded at its address), then each segment's bytes.
std::vector<uint8_t> elf_image(uint64_t entry, const std::vector<ElfSegment>& segments);

}
