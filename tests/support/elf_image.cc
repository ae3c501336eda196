#include "tests/support/elf_image.h"

#include <cstring>
#include <elf.h>

namespace spicebox::test {

std::vector<uint8_t> elf_image(uint64_t entry, const std::vector<ElfSegment>& segments)
{
    Elf64_Ehdr header {};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = ET_EXEC;
    header.e_machine = EM_X86_64;
    header.e_version = EV_CURRENT;
    header.e_entry = entry;
    header.e_phoff = sizeof header;
    header.e_ehsize = sizeof header;
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = uint16_t(segments.size());

    std::vector<uint8_t> file(sizeof header + segments.size() * sizeof(Elf64_Phdr));
    std::memcpy(file.data(), &header, sizeof header);
    for (size_t i = 0; i < segments.size(); ++i) {
        Elf64_Phdr program {};
        program.p_type = PT_LOAD;
        program.p_flags = segments[i].flags;
        program.p_offset = file.size();
        program.p_vaddr = program.p_paddr = segments[i].address;
        program.p_filesz = segments[i].bytes.size();
        program.p_memsz = segments[i].memory_size;
        std::memcpy(file.data() + sizeof header + i * sizeof program, &program, sizeof program);
        file.insert(file.end(), segments[i].bytes.begin(), segments[i].bytes.end());
    }
    return file;
}

}
