// Ring 0 of the runtime: the entry points (the Linux 64-bit boot protocol's, and PVH's 32-bit one),
// the descriptor tables, the page tables and the interrupt stubs. Ring 0 runs emulated at about a
// million instructions per second on PVM hosts, so every table is built by the assembler and the
// linker (see guest.ld), and the entry path is a few dozen instructions: record the hand-off state,
// load our GDT, TSS, IDT and CR3, iretq to ring 3.

#define KERNEL_CS 0x08
#define USER_DS (0x18 | 3)
#define USER_CS (0x20 | 3)
#define TSS_SELECTOR 0x28

#define MSR_EFER 0xC0000080
#define EFER_LME 0x100
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
// The 8259 data ports, and the mask that silences all their lines.
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xA1
#define PIC_MASK_ALL 0xFF

// runtime_boot_protocol's values (runtime/boot_info.h's BootProtocol).
#define BOOT_PROTOCOL_PVH 1
// Xen's public elfnote.h: the 32-bit physical entry that makes an ELF bootable by PVH loaders
// (QEMU's -kernel among them).
#define XEN_ELFNOTE_PHYS32_ENTRY 18
// Ring 3 runs with IOPL 3 and interrupts on (PVM forces IF on in ring 3 anyway, so it is the same
// everywhere); bit 1 is always set.
#define USER_RFLAGS 0x3202
#define VECTOR_COUNT 256
#define VECTOR_STUB_SIZE 16
// The system-call gate is the breakpoint vector, entered with int3: on PVM hosts an `int n` from
// ring 3 comes back as #UD, while #BP is reflected through the guest's IDT.
#define SYSCALL_VECTOR 3
#define INTERRUPT_GATE_DPL0 0x8E
#define INTERRUPT_GATE_DPL3 0xEE
#define TSS_SIZE 0x68
#define IO_BITMAP_SIZE (65536 / 8)
#define TSS_AVAILABLE_PRESENT 0x89

// Page-table entry bits: present, writable, user, page-level write-through and cache-disable, 2 MiB page.
#define PTE_TABLE 0x07
#define PTE_LARGE 0x87
#define PTE_UNCACHED 0x18
#define LARGE_PAGE_SHIFT 21
#define PAGE_DIRECTORY_COUNT 4
// From the IOAPIC (0xFEC00000) to 4 GiB the mapping is uncached.
#define FIRST_UNCACHED_LARGE_PAGE (0xFEC00000 >> LARGE_PAGE_SHIFT)

#define KERNEL_STACK_SIZE 0x4000
#define USER_STACK_SIZE 0x10000

// The first 0x200 bytes of the image: where a bzImage's 32-bit entry would be. We have none, so it is
// filled with ud2 (a wrong entry faults at once), except for the boot protocol 2.15 kernel_info.
    .section .head, "ax"
    .fill 0x80, 2, 0x0B0F
    .globl kernel_info
kernel_info:
    .ascii "LToP"
    .long kernel_info_end - kernel_info
    .long kernel_info_end - kernel_info
    .long 0
kernel_info_end:
    .fill (0x200 - 0x110) / 2, 2, 0x0B0F

// The PVH note. QEMU reads the entry as a pointer-sized value, so it is a .quad (Linux's is too).
    .section .note.pvh, "a", @note
    .balign 4
    .long pvh_note_name_end - pvh_note_name
    .long pvh_note_desc_end - pvh_note_desc
    .long XEN_ELFNOTE_PHYS32_ENTRY
pvh_note_name:
    .asciz "Xen"
pvh_note_name_end:
    .balign 4
pvh_note_desc:
    .quad pvh_start
pvh_note_desc_end:
    .balign 4

    .section .text.entry, "ax"
    .code64
    .globl _start
_start:
    // The runtime_user_start() arguments: the zero page (or, from pvh_start, hvm_start_info), entry
    // address, CS, CR0, CR4, EFER.
    mov %rsi, %rdi
    lea _start(%rip), %rsi
    mov %cr0, %r10
    mov %cr4, %r8
    mov $MSR_EFER, %ecx
    rdmsr
    shl $32, %rdx
    or %rax, %rdx
    mov %rdx, %r9
    xor %edx, %edx
    mov %cs, %dx
    mov %r10, %rcx

    // The 8259s stay masked until a driver programs them: SeaBIOS leaves its timer and keyboard lines
    // open on vectors 8 and 9, and an uninitialised pair sends IRQ n on vector n; ours are exceptions.
    mov $PIC_MASK_ALL, %al
    out %al, $PIC_MASTER_DATA
    out %al, $PIC_SLAVE_DATA

    lea kernel_stack_top(%rip), %rsp
    lgdt gdt_pointer(%rip)
    mov $TSS_SELECTOR, %ax
    ltr %ax
    lidt idt_pointer(%rip)
    lea pml4(%rip), %rax
    mov %rax, %cr3

    pushq $USER_DS
    // SysV entry alignment: a called function finds RSP+8 16-byte aligned.
    lea user_stack_top - 8(%rip), %rax
    push %rax
    pushq $USER_RFLAGS
    pushq $USER_CS
    lea runtime_user_start(%rip), %rax
    push %rax
    iretq

// The PVH entry: 32-bit protected mode, paging off, interrupts off, EBX the hvm_start_info. Turn
// on long mode with the same page tables and GDT, then continue as the 64-bit entry does with the
// start info where the zero page would be.
    .code32
pvh_start:
    mov %ebx, %esi
    lgdt gdt_pointer
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $CR0_PG, %eax
    mov %eax, %cr0
    ljmp $KERNEL_CS, $pvh_start64
    .code64
pvh_start64:
    movl $BOOT_PROTOCOL_PVH, runtime_boot_protocol(%rip)
    jmp _start

// Every gate enters here with the vector and an error code (real or 0) pushed by its stub.
interrupt_common:
    push %rax
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %r8
    push %r9
    push %r10
    push %r11
    cld
    mov %rsp, %rdi
    call runtime_interrupt
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rax
    add $16, %rsp
    iretq

// One fixed-size stub per vector, so the IDT below can name each one as vector_stubs + 16 * vector.
    .section .vectors, "ax"
    .balign 4096
    .globl vector_stubs
vector_stubs:
    .set vector, 0
    .rept VECTOR_COUNT
    .org vector_stubs + vector * VECTOR_STUB_SIZE
    // The CPU pushes an error code for #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP, #VC and #SX.
    .if !(vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30)
    pushq $0
    .endif
    pushq $vector
    jmp interrupt_common
    .set vector, vector + 1
    .endr
    .org vector_stubs + VECTOR_COUNT * VECTOR_STUB_SIZE

    .data
    // Which protocol entered the runtime: 0 (the Linux 64-bit boot protocol) unless pvh_start ran.
    // In .data, not .bss, because ring 3 clears .bss after ring 0 wrote this.
    .balign 4
    .globl runtime_boot_protocol
runtime_boot_protocol:
    .long 0

    .balign 16
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF // 0x08 kernel code: 64-bit, DPL 0
    .quad 0x00CF92000000FFFF // 0x10 kernel data
    .quad 0x00CFF2000000FFFF // 0x18 user data: DPL 3
    .quad 0x00AFFA000000FFFF // 0x20 user code: 64-bit, DPL 3
    // 0x28 the TSS (a 16-byte system descriptor); guest.ld splits its address into the fields.
    .word TSS_SIZE + IO_BITMAP_SIZE
    .word __tss_base_0_15
    .byte __tss_base_16_23
    .byte TSS_AVAILABLE_PRESENT
    .byte 0
    .byte __tss_base_24_31
    .long 0
    .long 0
gdt_end:

    .balign 8
    .word 0, 0, 0
gdt_pointer:
    .word gdt_end - gdt - 1
    .quad gdt

    .word 0, 0, 0
idt_pointer:
    .word VECTOR_COUNT * 16 - 1
    .quad idt

    .balign 16
    .globl tss
tss:
    .long 0
    .quad kernel_stack_top // RSP0: the stack for interrupts from ring 3
    .fill 0x66 - 12, 1, 0
    // An I/O permission bitmap granting every port, as well as IOPL 3: on PVM hosts the hardware
    // IOPL stays 0, an IN/OUT from ring 3 traps, and the hypervisor's emulator grants it by this map.
    .word TSS_SIZE
    .fill IO_BITMAP_SIZE, 1, 0
    .byte 0xFF // the CPU reads one byte past the map; all ones ends it

    .balign 16
idt:
    .set vector, 0
    .rept VECTOR_COUNT
    .word __vector_stubs_0_15 + vector * VECTOR_STUB_SIZE
    .word KERNEL_CS
    .byte 0
    .if vector == SYSCALL_VECTOR
    .byte INTERRUPT_GATE_DPL3
    .else
    .byte INTERRUPT_GATE_DPL0
    .endif
    .word __vector_stubs_16_31
    .long 0
    .long 0
    .set vector, vector + 1
    .endr

// Identity map of 0..4 GiB with 2 MiB pages, user-accessible so ring-3 drivers reach device BARs.
    .balign 4096
pml4:
    .quad pdpt + PTE_TABLE
    .fill 511, 8, 0
pdpt:
    .set directory, 0
    .rept PAGE_DIRECTORY_COUNT
    .quad page_directories + directory * 4096 + PTE_TABLE
    .set directory, directory + 1
    .endr
    .fill 512 - PAGE_DIRECTORY_COUNT, 8, 0
page_directories:
    .set page, 0
    .rept PAGE_DIRECTORY_COUNT * 512
    .if page >= FIRST_UNCACHED_LARGE_PAGE
    .quad (page << LARGE_PAGE_SHIFT) + PTE_LARGE + PTE_UNCACHED
    .else
    .quad (page << LARGE_PAGE_SHIFT) + PTE_LARGE
    .endif
    .set page, page + 1
    .endr

    .section .stack, "aw", @nobits
    .balign 16
    .skip KERNEL_STACK_SIZE
kernel_stack_top:
    .skip USER_STACK_SIZE
user_stack_top:

    .section .note.GNU-stack, "", @progbits
