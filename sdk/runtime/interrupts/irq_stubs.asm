; Entry points of the hardware and software interrupts, vectors 32-255
; (irq.c puts them in the IDT on the interrupt stack, IST 3). Each pushes its
; vector; the common part saves what the System V ABI lets a callee clobber
; (the general scratch registers and, with fxsave, the x87/SSE state:
; compiled C and managed handlers use XMM registers), calls
; graft_interrupt(vector) (irq.c), restores and returns to the interrupted
; code with iretq. Interrupt gates: IF is clear while a handler runs, so
; handlers never nest on the one interrupt stack.
;
; Exports:
;   graft_interrupt_stubs    table of the 224 entry points (vector 32 first)
;   graft_interrupt_return   the common return (threads/switch.asm's preemption comes back to it)

bits 64
default rel

global graft_interrupt_stubs, graft_interrupt_return
extern graft_interrupt, graft_thread_preempt, graft_thread_preempt_pending

%macro STUB 1
section .text
%%entry:
    push %1
    jmp interrupt_common
section .rodata
    dq %%entry
%endmacro

section .rodata
align 8
graft_interrupt_stubs:

%assign v 32
%rep 224
    STUB v
  %assign v v + 1
%endrep

section .text

interrupt_common:
    cld
    push rax
    push rcx
    push rdx
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    push rbx
    mov rbx, rsp                ; callee-saved: the frame, across the call
    sub rsp, 512
    and rsp, -16
    fxsave64 [rsp]
    mov rdi, [rbx + 10 * 8]     ; the vector the stub pushed
    call graft_interrupt
    fxrstor64 [rsp]
    mov rsp, rbx
    ; A tick found another thread ready: threads/switch.asm may run it first
    ; (from the interrupted thread's own stack), then comes back below.
    cmp byte [graft_thread_preempt_pending], 0
    jne graft_thread_preempt
graft_interrupt_return:
    pop rbx
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rax
    add rsp, 8                  ; the vector
    iretq
