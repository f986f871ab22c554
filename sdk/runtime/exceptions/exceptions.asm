; Exception dispatch entry points and funclet calls (exception_dispatch.c
; does the dispatch itself).
;
; Exports:
;   RhpThrowEx        rdi = exception: captures the throw site (return
;                     address, caller's rsp, rbx, rbp, r12-r15) and calls
;                     graft_throw(exception, context); never returns
;   RhpRethrow        `throw;` in a catch: the same with exception = null
;   graft_call_funclet(funclet, regs, arg)   runs a catch/filter/finally
;                     funclet with the frame's callee-saved registers
;                     regs[0..5] = rbx, rbp, r12, r13, r14, r15 and rdi = arg;
;                     stores the registers back into regs; returns rax
;   graft_funclet_return   the return address inside graft_call_funclet (the
;                     unwinder recognises funclets called by the dispatcher)
;   graft_resume(regs, rsp, rip)   continues after a catch (or returns 0
;                     from a filter an exception left): loads the callee-saved
;                     registers, rsp, rax = 0, and jumps to rip
;   RhpGetCurrentThreadStackTrace(buffer, length, address_in_frame)
;                     captures the caller's registers like RhpThrowEx and
;                     returns graft_stack_trace(context, buffer, length, address)

bits 64
default rel

global RhpThrowEx, RhpRethrow, graft_call_funclet, graft_funclet_return, graft_resume
global RhpGetCurrentThreadStackTrace
extern graft_throw, graft_stack_trace

section .text

; Pushes the caller's context (exception_dispatch.c ThrowContext: rip, rsp,
; rbx, rbp, r12, r13, r14, r15; 64 bytes) and leaves rsp pointing at it.
; Uses rax and the register given.
%macro PUSH_CALLER_CONTEXT 1
    lea rax, [rsp + 8]          ; the caller's rsp after the return
    mov %1, [rsp]               ; the return address: the call site
    push r15
    push r14
    push r13
    push r12
    push rbp
    push rbx
    push rax
    push %1
%endmacro

; Loads rbx, rbp, r12-r15 from regs[0..5] at the address in the register given.
%macro LOAD_CALLEE_SAVED 1
    mov rbx, [%1 + 0]
    mov rbp, [%1 + 8]
    mov r12, [%1 + 16]
    mov r13, [%1 + 24]
    mov r14, [%1 + 32]
    mov r15, [%1 + 40]
%endmacro

%macro CAPTURE_AND_THROW 0
    PUSH_CALLER_CONTEXT rsi
    mov rsi, rsp                ; ThrowContext *
    sub rsp, 8                  ; 16-byte alignment for the call
    xor ebp, ebp
    call graft_throw
    int3
%endmacro

RhpThrowEx:
    CAPTURE_AND_THROW

RhpRethrow:
    xor edi, edi
    CAPTURE_AND_THROW

graft_call_funclet:             ; rdi = funclet, rsi = regs, rdx = arg
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push rsi                    ; regs, for the write-back
    mov rax, rdi
    mov rdi, rdx
    LOAD_CALLEE_SAVED rsi
    call rax                    ; entry rsp: 7 pushes + return = 64 bytes: aligned
graft_funclet_return:
    pop rsi
    mov [rsi + 0], rbx
    mov [rsi + 8], rbp
    mov [rsi + 16], r12
    mov [rsi + 24], r13
    mov [rsi + 32], r14
    mov [rsi + 40], r15
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

graft_resume:                   ; rdi = regs, rsi = rsp, rdx = rip
    LOAD_CALLEE_SAVED rdi
    mov rsp, rsi
    xor eax, eax                ; a filter's result: false
    jmp rdx

RhpGetCurrentThreadStackTrace:  ; rdi = buffer, esi = length, rdx = address in the caller's frame
    PUSH_CALLER_CONTEXT rcx
    mov rcx, rdx                ; address
    mov edx, esi                ; length
    mov rsi, rdi                ; buffer
    mov rdi, rsp                ; ThrowContext *
    sub rsp, 8
    call graft_stack_trace
    add rsp, 8 + 8 * 8
    ret
