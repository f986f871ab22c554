; Switching stacks: start-up (startup.c) runs the managed code on a stack of
; its own, with an unmapped guard page below it.
;
; Exports:
;   uint32_t graft_call_on_stack(uint32_t (*fn)(void), void *stack_top)
;     calls fn with rsp = stack_top (16-byte aligned) and returns its result
;     back on the caller's stack.

bits 64
default rel
global graft_call_on_stack

section .text

graft_call_on_stack:
    push rbp
    push rbx
    mov rbx, rsp            ; callee-saved: survives the call
    mov rsp, rsi
    xor ebp, ebp            ; frame-pointer walks end here
    call rdi
    mov rsp, rbx
    pop rbx
    pop rbp
    ret
