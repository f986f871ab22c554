; graft-test: expect-serial "hello from asm"
; graft-test: expect-exit 35
; graft-test: boot bios-cd uefi-cd bios-disk
;
; A kernel in NASM alone, with its own Multiboot2 header and entry (not
; Graft's shared one): it stays in 32-bit protected mode, writes a line to
; COM1 and writes 0x11 to the isa-debug-exit port, so QEMU exits with
; (0x11 << 1) | 1 = 35.

COM1            equ 0x3F8
DEBUG_EXIT_PORT equ 0xF4
MB2_MAGIC       equ 0xE85250D6

global _start

section .multiboot2 progbits alloc noexec nowrite align=8
header:
    dd MB2_MAGIC
    dd 0                                    ; i386 protected mode
    dd header_end - header
    dd 0x100000000 - (MB2_MAGIC + 0 + (header_end - header))
    dw 0, 0                                 ; end tag
    dd 8
header_end:

section .text
bits 32
_start:
    cli
    cmp eax, 0x36D76289                     ; loaded by a Multiboot2 loader?
    mov esi, message
    je .print
    mov esi, wrong_magic
.print:
    mov dx, COM1 + 5                        ; line status: wait for THR empty
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    lodsb
    test al, al
    jz .done
    mov dx, COM1
    out dx, al
    jmp .print
.done:
    mov dx, DEBUG_EXIT_PORT
    mov eax, 0x11
    out dx, eax
.halt:
    hlt
    jmp .halt

section .rodata
message:     db "hello from asm", 13, 10, 0
wrong_magic: db "hello_asm: not started by a Multiboot2 loader", 13, 10, 0
