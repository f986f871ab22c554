; CPU exception entry points for the IDT (vectors 0-31). Each pushes a dummy
; error code where the CPU pushes none, then its vector, saves the general
; registers and calls graft_fault(frame) (idt.c), which prints the fault and
; stops the machine: a crash is never a silent reset.
;
; Exports:
;   graft_exception_stubs    table of the 32 entry points (idt.c fills the IDT from it)

bits 64
default rel

global graft_exception_stubs
extern graft_fault

; One entry point per vector, each followed in .rodata by its table slot.
; Vectors whose exceptions push an error code: 8, 10-14, 17, 21, 29, 30.
%macro STUB 1
section .text
%%entry:
  %if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
  %else
    push 0
  %endif
    push %1
    jmp exception_common
section .rodata
    dq %%entry
%endmacro

section .rodata
align 8
graft_exception_stubs:

%assign v 0
%rep 32
    STUB v
  %assign v v + 1
%endrep

section .text

exception_common:
    cld
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                ; struct graft_fault_frame *
    and rsp, -16
    call graft_fault
.halt:
    cli
    hlt
    jmp .halt
