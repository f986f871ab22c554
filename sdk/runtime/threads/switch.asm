; The context switch between kernel threads (threads.c) and preemption on
; the timer interrupt's return path (interrupts/irq_stubs.asm jumps here).
;
; A switched-out thread's stack holds, from its saved RSP up: r15, r14, r13,
; r12, rbx, rbp, RFLAGS and the return address; everything else is the
; caller's to save (System V). A preempted thread's stack also holds, above
; that, the interrupt's frame (its scratch registers, the iret frame) and
; its x87/SSE state: so the collector, scanning a stopped thread's stack
; from its saved RSP, sees every register it had.
;
; Exports:
;   graft_thread_switch(save_sp, next_sp)   saves this thread's SP at *save_sp, runs next_sp's
;   graft_thread_first_run                  a new thread's first return address (r12: its record)
;   graft_thread_preempt                    irq_stubs.asm's return path when a switch is pending

bits 64
default rel

global graft_thread_switch, graft_thread_first_run, graft_thread_preempt
extern graft_thread_main, graft_thread_preempted, graft_interrupt_return
extern graft_thread_preempt_pending
extern __managedcode_start, __managedcode_end

section .text

graft_thread_switch:
    pushfq
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    popfq
    ret

graft_thread_first_run:
    mov rdi, r12
    and rsp, -16
    call graft_thread_main      ; never returns
    ud2

; Entered with RSP at the interrupt's frame on the interrupt stack: rbx,
; r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax, the vector, then RIP, CS,
; RFLAGS, RSP, SS; the x87/SSE state already restored. Only managed code is
; preempted: the runtime's C and assembly (the allocation context, the
; native allocator, the scheduler itself) assume nobody runs in between.
FRAME_WORDS equ 16
graft_thread_preempt:
    mov rax, [rsp + 11 * 8]             ; the interrupted RIP
    lea rcx, [__managedcode_start]
    cmp rax, rcx
    jb .not_now
    lea rcx, [__managedcode_end]
    cmp rax, rcx
    jae .not_now
    mov byte [graft_thread_preempt_pending], 0
    ; The frame moves onto the interrupted thread's stack, below its red zone.
    mov rdi, [rsp + 14 * 8]
    sub rdi, 128 + FRAME_WORDS * 8
    and rdi, -16
    mov rdx, rdi
    mov rsi, rsp
    mov ecx, FRAME_WORDS
    rep movsq
    mov rsp, rdx
    sub rsp, 512
    fxsave64 [rsp]
    call graft_thread_preempted         ; runs another thread; returns when this one is picked again
    fxrstor64 [rsp]
    add rsp, 512
.not_now:
    jmp graft_interrupt_return
