#!/usr/bin/env python3
"""Wraps a runtime guest ELF (linked at 1 MiB, entry at +0x200) into a bzImage-style image.

The output is what the Linux x86 boot protocol (Documentation/arch/x86/boot.rst) calls a bzImage: a
real-mode setup part holding the setup header, then the protected-mode part, which a 64-bit loader
copies to 1 MiB and enters at +0x200. The setup part has no real-mode code: a loader that enters it
in real mode finds a halt loop at the jump target.
"""

import argparse
import struct
import sys

ELF_MAGIC = b"\x7fELF"
ELFCLASS64 = 2
ELFDATA2LSB = 1
ET_EXEC = 2
EM_X86_64 = 62
PT_LOAD = 1

LOAD_ADDRESS = 0x100000
ENTRY_OFFSET_64 = 0x200
KERNEL_INFO_OFFSET = 0x100
KERNEL_INFO_MAGIC = b"LToP"

SECTOR_SIZE = 512
SETUP_SECTS = 1
# bootcheck.cc checks the loader copied this version; keep the two equal.
PROTOCOL_VERSION = 0x020F
HEADER_END = 0x26C  # the end of a 2.15 header; the jump at 0x200 lands here
LOADED_HIGH = 0x01
XLF_KERNEL_64 = 0x0001
KERNEL_ALIGNMENT = 0x200000
CMDLINE_SIZE = 2047
INITRD_ADDR_MAX = 0x7FFFFFFF
BOOT_FLAG = 0xAA55
VID_MODE_NORMAL = 0xFFFF
OBSOLETE_START_SYS_SEG = 0x1000
PAGE_SIZE = 4096
# cli; hlt; jmp back to the hlt
REAL_MODE_HALT = b"\xfa\xf4\xeb\xfd"


class ImageError(Exception):
    pass


def read_load_segments(elf):
    """The PT_LOAD segments of an x86-64 ET_EXEC ELF as (paddr, file bytes, memsz), and its entry."""
    if len(elf) < 64 or elf[:4] != ELF_MAGIC or elf[4] != ELFCLASS64 or elf[5] != ELFDATA2LSB:
        raise ImageError("not a little-endian ELF64 file")
    e_type, e_machine = struct.unpack_from("<HH", elf, 16)
    if e_type != ET_EXEC or e_machine != EM_X86_64:
        raise ImageError("not an x86-64 executable")
    e_entry, e_phoff = struct.unpack_from("<QQ", elf, 24)
    e_phentsize, e_phnum = struct.unpack_from("<HH", elf, 54)
    segments = []
    for index in range(e_phnum):
        offset = e_phoff + index * e_phentsize
        if offset + 56 > len(elf):
            raise ImageError("program header %d lies outside the file" % index)
        p_type, _, p_offset, _, p_paddr, p_filesz, p_memsz = struct.unpack_from("<IIQQQQQ", elf, offset)
        if p_type != PT_LOAD:
            continue
        if p_offset + p_filesz > len(elf) or p_filesz > p_memsz:
            raise ImageError("segment %d is malformed" % index)
        segments.append((p_paddr, elf[p_offset:p_offset + p_filesz], p_memsz))
    if not segments:
        raise ImageError("no loadable segment")
    return segments, e_entry


def flatten(segments, entry):
    """The protected-mode part (file bytes from LOAD_ADDRESS on) and the memory it needs there."""
    start = min(paddr for paddr, _, _ in segments)
    if start != LOAD_ADDRESS:
        raise ImageError("image starts at 0x%x, must be linked at 0x%x" % (start, LOAD_ADDRESS))
    if entry != LOAD_ADDRESS + ENTRY_OFFSET_64:
        raise ImageError("entry is 0x%x, must be 0x%x" % (entry, LOAD_ADDRESS + ENTRY_OFFSET_64))
    file_end = max(paddr + len(data) for paddr, data, _ in segments)
    memory_end = max(paddr + memsz for paddr, _, memsz in segments)
    flat = bytearray(file_end - LOAD_ADDRESS)
    for paddr, data, _ in segments:
        flat[paddr - LOAD_ADDRESS:paddr - LOAD_ADDRESS + len(data)] = data
    if flat[KERNEL_INFO_OFFSET:KERNEL_INFO_OFFSET + 4] != KERNEL_INFO_MAGIC:
        raise ImageError("no kernel_info at +0x%x" % KERNEL_INFO_OFFSET)
    return bytes(flat), memory_end - LOAD_ADDRESS


def setup_part(protected_size, init_size):
    setup = bytearray((SETUP_SECTS + 1) * SECTOR_SIZE)
    struct.pack_into("<B", setup, 0x1F1, SETUP_SECTS)
    struct.pack_into("<I", setup, 0x1F4, (protected_size + 15) // 16)  # syssize, in 16-byte units
    struct.pack_into("<H", setup, 0x1FA, VID_MODE_NORMAL)
    struct.pack_into("<H", setup, 0x1FE, BOOT_FLAG)
    struct.pack_into("<BB", setup, 0x200, 0xEB, HEADER_END - 0x202)  # jmp short to the end of the header
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, PROTOCOL_VERSION)
    struct.pack_into("<H", setup, 0x20C, OBSOLETE_START_SYS_SEG)
    struct.pack_into("<B", setup, 0x211, LOADED_HIGH)
    struct.pack_into("<I", setup, 0x214, LOAD_ADDRESS)  # code32_start
    struct.pack_into("<I", setup, 0x22C, INITRD_ADDR_MAX)
    struct.pack_into("<I", setup, 0x230, KERNEL_ALIGNMENT)
    struct.pack_into("<B", setup, 0x234, 0)  # relocatable_kernel: no
    struct.pack_into("<B", setup, 0x235, KERNEL_ALIGNMENT.bit_length() - 1)  # min_alignment, log2
    struct.pack_into("<H", setup, 0x236, XLF_KERNEL_64)
    struct.pack_into("<I", setup, 0x238, CMDLINE_SIZE)
    struct.pack_into("<Q", setup, 0x258, LOAD_ADDRESS)  # pref_address
    struct.pack_into("<I", setup, 0x260, init_size)
    struct.pack_into("<I", setup, 0x268, KERNEL_INFO_OFFSET)
    setup[HEADER_END:HEADER_END + len(REAL_MODE_HALT)] = REAL_MODE_HALT
    return bytes(setup)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("elf", help="the guest ELF, linked at 0x%x" % LOAD_ADDRESS)
    parser.add_argument("output", help="the bzImage to write")
    arguments = parser.parse_args()
    try:
        with open(arguments.elf, "rb") as file:
            segments, entry = read_load_segments(file.read())
        protected, memory_size = flatten(segments, entry)
    except (OSError, ImageError) as error:
        print("mkbzimage: %s: %s" % (arguments.elf, error), file=sys.stderr)
        return 1
    init_size = (memory_size + PAGE_SIZE - 1) // PAGE_SIZE * PAGE_SIZE
    with open(arguments.output, "wb") as file:
        file.write(setup_part(len(protected), init_size))
        file.write(protected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
