; Interface dispatch: the first (and, here, every) call through an interface
; dispatch cell lands in RhpInitialDynamicInterfaceDispatch with the cell's
; address in r11 and the call's arguments in place. It saves every argument
; register (integer and SSE), asks graft_resolve_interface_dispatch (interface_dispatch.c)
; for the target and tail-jumps to it with the arguments restored.
;
; A call on a null reference throws NullReferenceException from the call
; site (CoreLib's GetRuntimeException makes it, RhpThrowEx throws it).
;
; Exports:
;   RhpInitialDynamicInterfaceDispatch

bits 64
default rel

global RhpInitialDynamicInterfaceDispatch
extern graft_resolve_interface_dispatch
extern GetRuntimeException
extern RhpThrowEx

EXCEPTION_ID_NULL_REFERENCE equ 8   ; CoreLib's ExceptionIDs

section .text

RhpInitialDynamicInterfaceDispatch:
    test rdi, rdi
    jz .null_this
    push rbp
    mov rbp, rsp
    push rdi
    push rsi
    push rdx
    push rcx
    push r8
    push r9
    sub rsp, 8 * 16             ; xmm0-xmm7; rsp stays 16-byte aligned
    movdqu [rsp + 0 * 16], xmm0
    movdqu [rsp + 1 * 16], xmm1
    movdqu [rsp + 2 * 16], xmm2
    movdqu [rsp + 3 * 16], xmm3
    movdqu [rsp + 4 * 16], xmm4
    movdqu [rsp + 5 * 16], xmm5
    movdqu [rsp + 6 * 16], xmm6
    movdqu [rsp + 7 * 16], xmm7

    ; rdi = this (already there), rsi = cell, rdx = return address (for faults)
    mov rsi, r11
    mov rdx, [rbp + 8]
    call graft_resolve_interface_dispatch
    mov r11, rax

    movdqu xmm0, [rsp + 0 * 16]
    movdqu xmm1, [rsp + 1 * 16]
    movdqu xmm2, [rsp + 2 * 16]
    movdqu xmm3, [rsp + 3 * 16]
    movdqu xmm4, [rsp + 4 * 16]
    movdqu xmm5, [rsp + 5 * 16]
    movdqu xmm6, [rsp + 6 * 16]
    movdqu xmm7, [rsp + 7 * 16]
    add rsp, 8 * 16
    pop r9
    pop r8
    pop rcx
    pop rdx
    pop rsi
    pop rdi
    pop rbp
    jmp r11

.null_this:
    sub rsp, 8                  ; align for the call; callee-saved registers survive it
    mov edi, EXCEPTION_ID_NULL_REFERENCE
    call GetRuntimeException
    add rsp, 8
    mov rdi, rax
    jmp RhpThrowEx              ; [rsp] is still the call site's return address
