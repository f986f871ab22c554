; Graft's boot entry (NASM, assembled with -felf64): Multiboot2 and PVH.
;
; Two ways in, both in 32-bit protected mode with paging off:
;   _start      GRUB (or another Multiboot2 loader) with EAX = 0x36D76289
;               (the Multiboot2 magic) and EBX = physical address of the
;               Multiboot2 boot information;
;   pvh_start   a PVH loader (QEMU -kernel, through the XEN_ELFNOTE_PHYS32_ENTRY
;               note below; Xen, cloud-hypervisor) with EBX = physical address
;               of the hvm_start_info. No stack is given, and none is used
;               before long mode.
; Both then:
;   1. keep the magic (the PVH start info's magic for pvh_start) and EBX,
;      clear .bss (__bss_start..__bss_end from the linker script), check that
;      the CPU has long mode;
;   2. identity-map the first 4 GiB with 2 MiB pages (QEMU's qemu64 CPU has
;      no 1 GiB pages), enable PAE, EFER.LME and paging, load a 64-bit GDT
;      and its data segments, and far-jump to 64-bit code;
;   3. load a 16-byte aligned 64 KiB stack, enable SSE
;      (CR0.EM=0, CR0.MP=1, CR4.OSFXSR|OSXMMEXCPT: compiled code may use it);
;   4. after a PVH entry only: translate the start info into Multiboot2 boot
;      information (graft_pvh_boot_info, serial.c), so that what runs above sees
;      one form however it was started;
;   5. call  uint32_t graft_kernel_main(uint32_t magic, uint64_t info)  (SysV)
;      with the Multiboot2 magic and information;
;   6. write the returned value as a 32-bit OUT to port 0xf4: QEMU's
;      isa-debug-exit device then exits with status (value << 1) | 1; on real
;      hardware nothing listens there, and the CPU halts for good.
;
; Needs: the kernel linked at a physical address below 4 GiB with .bss
; bounded by __bss_start/__bss_end, and the .note.Xen section in a PT_NOTE
; segment (sdk/linker/graft-kernel.ld does all three).

MB2_MAGIC        equ 0xE85250D6
MB2_ARCH_I386    equ 0
MB2_BOOT_MAGIC   equ 0x36D76289
PVH_START_MAGIC  equ 0x336EC578     ; hvm_start_info.magic ("xEn3", 0x80 set in "E")
XEN_ELFNOTE_PHYS32_ENTRY equ 18

PAGE_PRESENT     equ 1 << 0
PAGE_WRITABLE    equ 1 << 1
PAGE_HUGE        equ 1 << 7

CR0_PE           equ 1 << 0
CR0_MP           equ 1 << 1
CR0_EM           equ 1 << 2
CR0_PG           equ 1 << 31
CR4_PAE          equ 1 << 5
CR4_OSFXSR       equ 1 << 9
CR4_OSXMMEXCPT   equ 1 << 10
MSR_EFER         equ 0xC0000080
EFER_LME         equ 1 << 8

COM1             equ 0x3F8
DEBUG_EXIT_PORT  equ 0xF4
STACK_SIZE       equ 64 * 1024

global _start
global pvh_start
global graft_boot_magic
global graft_boot_info
global graft_boot_stack
extern graft_kernel_main
extern graft_pvh_boot_info
extern __bss_start
extern __bss_end

; ---------------------------------------------------------------------------
; The Multiboot2 header: no address tag (GRUB loads the ELF segments where
; they are linked), no framebuffer request, just the end tag.
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    align 8
    dw 0                        ; end tag: type 0
    dw 0                        ; flags
    dd 8                        ; size
mb2_header_end:

; ---------------------------------------------------------------------------
; The PVH entry note: a PVH loader (QEMU's -kernel for an ELF kernel) starts
; the kernel at the 32-bit physical address it holds. The value is written as
; 8 bytes, the upper four zero: older QEMUs read 8 bytes from an ELF64 note,
; newer ones and Xen read 4. Aligned to 4 so that the name pads to 4 bytes
; however the loader aligns it (QEMU aligns the name to the PT_NOTE
; segment's alignment). yasm has no `note` section type: there the section is
; PROGBITS, and the linker script's PT_NOTE segment still shows it to loaders.
%ifdef __YASM_MAJOR__
section .note.Xen progbits alloc noexec nowrite align=4
%else
section .note.Xen note alloc noexec nowrite align=4
%endif
    dd 4                        ; namesz: "Xen" and its NUL
    dd 8                        ; descsz
    dd XEN_ELFNOTE_PHYS32_ENTRY ; type
    db "Xen", 0
    dq pvh_start

; ---------------------------------------------------------------------------
section .text.boot progbits alloc exec nowrite align=16
bits 32

_start:
    cli
    cld
    mov esi, eax                ; Multiboot2 magic
    mov ebp, ebx                ; boot information (physical address)
    jmp start32

pvh_start:
    cli
    cld
    mov esi, PVH_START_MAGIC    ; says "translate EBP's start info" in long mode
    mov ebp, ebx                ; hvm_start_info (physical address)

start32:

    ; Clear .bss: page tables and stack live there, and C expects zeros.
    mov edi, __bss_start
    mov ecx, __bss_end
    sub ecx, edi
    shr ecx, 2
    xor eax, eax
    rep stosd

    mov [graft_boot_magic], esi
    mov [graft_boot_info], ebp

    ; Long mode available? (CPUID 0x80000001 EDX bit 29)
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode

    ; PML4[0] -> PDPT; PDPT[0..3] -> four page directories; each of their
    ; 512 entries maps 2 MiB: 4 x 512 x 2 MiB = the first 4 GiB.
    mov eax, boot_pdpt
    or eax, PAGE_PRESENT | PAGE_WRITABLE
    mov [boot_pml4], eax

    xor ecx, ecx
.fill_pdpt:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd
    or eax, PAGE_PRESENT | PAGE_WRITABLE
    mov [boot_pdpt + ecx * 8], eax
    inc ecx
    cmp ecx, 4
    jne .fill_pdpt

    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PAGE_PRESENT | PAGE_WRITABLE | PAGE_HUGE
    mov [boot_pd + ecx * 8], eax
    mov edx, ecx
    shr edx, 11                 ; bits 32+ of the physical address
    mov [boot_pd + ecx * 8 + 4], edx
    inc ecx
    cmp ecx, 4 * 512
    jne .fill_pd

    mov eax, boot_pml4
    mov cr3, eax

    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax

    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr

    mov eax, cr0
    or eax, CR0_PG | CR0_PE
    mov cr0, eax

    ; Load the data segments from the new GDT here, still in 32-bit code
    ; (yasm warns about segment loads in 64-bit code), then enter 64-bit code.
    lgdt [gdt64_pointer]
    mov ax, GDT64_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    jmp GDT64_CODE:long_mode

.no_long_mode:
    mov esi, msg_no_long_mode
.print:
    lodsb
    test al, al
    jz .halt32
    mov dx, COM1
    out dx, al
    jmp .print
.halt32:
    cli
    hlt
    jmp .halt32

; ---------------------------------------------------------------------------
bits 64

long_mode:
    lea rsp, [rel boot_stack_top]
    xor ebp, ebp

    ; SSE: compiled C (and managed code) may use XMM registers.
    mov rax, cr0
    and eax, ~CR0_EM
    or eax, CR0_MP
    mov cr0, rax
    mov rax, cr4
    or eax, CR4_OSFXSR | CR4_OSXMMEXCPT
    mov cr4, rax

    mov edi, [rel graft_boot_magic]     ; zero-extends
    mov esi, [rel graft_boot_info]
    cmp edi, PVH_START_MAGIC
    jne .call_main
    ; PVH: build Multiboot2 boot information from the start info. On a bad
    ; start info (it says why on COM1) it returns 0 and the kernel gets the
    ; PVH magic, which it refuses as not Multiboot2.
    mov edi, esi
    call graft_pvh_boot_info
    mov edi, PVH_START_MAGIC
    mov esi, [rel graft_boot_info]
    test rax, rax
    jz .call_main
    mov edi, MB2_BOOT_MAGIC
    mov rsi, rax
    mov [rel graft_boot_magic], edi
    mov [rel graft_boot_info], esi      ; in .bss: below 4 GiB
.call_main:
    call graft_kernel_main

    mov dx, DEBUG_EXIT_PORT
    out dx, eax
.halt64:
    cli
    hlt
    jmp .halt64

; ---------------------------------------------------------------------------
section .rodata progbits alloc noexec nowrite align=16
align 16
gdt64:
    dq 0                                ; null
GDT64_CODE equ $ - gdt64
    dq 0x00AF9A000000FFFF               ; 64-bit code, ring 0
GDT64_DATA equ $ - gdt64
    dq 0x00CF92000000FFFF               ; data, ring 0
gdt64_end:

align 8
    dw 0                                ; puts the base on a 4-byte boundary
gdt64_pointer:
    dw gdt64_end - gdt64 - 1
    dd gdt64

msg_no_long_mode:
    db "graft: this CPU has no 64-bit long mode; cannot start the kernel", 13, 10, 0

; ---------------------------------------------------------------------------
section .bss nobits alloc noexec write align=4096
alignb 4096
boot_pml4:  resb 4096
boot_pdpt:  resb 4096
boot_pd:    resb 4 * 4096
; The boot stack starts on a page boundary, right above the boot page
; directories: once the runtime's own page tables are in use
; (sdk/runtime/memory/paging.c), their last page becomes its guard page.
alignb 4096
graft_boot_stack:
boot_stack: resb STACK_SIZE
boot_stack_top:

alignb 4
graft_boot_magic: resd 1
graft_boot_info:  resd 1
