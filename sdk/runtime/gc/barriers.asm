; Write barriers, GC polls, transitions and the stack probe: helpers that ILC
; calls with their own register conventions, so they are written in assembly.
; There is no collector yet: a write barrier is just the store (no card
; table), a transition or a poll does nothing (one core, never suspended).
;
; Exports:
;   RhpAssignRef, RhpCheckedAssignRef     [rdi] = rsi
;   RhpByRefAssignRef                     [rdi] = [rsi]; rdi += 8; rsi += 8 (rcx trashed)
;   RhpCheckedLockCmpXchg                 lock cmpxchg [rdi], rsi with comparand rdx; old value in rax
;   RhpCheckedXchg                        xchg [rdi], rsi; old value in rax
;   RhpPInvoke, RhpPInvokeReturn          GC transitions around P/Invokes: nothing to do
;   RhpReversePInvoke, RhpReversePInvokeReturn   the same around UnmanagedCallersOnly
;   RhpGcPoll                             never asked: RhpTrapThreads stays 0
;   RhpStackProbe                         touches each page from rsp down to r11 (the new
;                                         frame's lowest address, kept: the caller then does
;                                         mov rsp, r11; rax trashed) so that a big frame hits
;                                         the stack's guard page
;   RhpTrapThreads                        data (ILC reads it RIP-relative), 0

bits 64
default rel

global RhpAssignRef, RhpCheckedAssignRef, RhpByRefAssignRef
global RhpCheckedLockCmpXchg, RhpCheckedXchg
global RhpPInvoke, RhpPInvokeReturn, RhpReversePInvoke, RhpReversePInvokeReturn
global RhpGcPoll, RhpStackProbe, RhpTrapThreads

section .text

RhpAssignRef:
RhpCheckedAssignRef:
    mov [rdi], rsi
    ret

RhpByRefAssignRef:
    mov rcx, [rsi]
    mov [rdi], rcx
    add rdi, 8
    add rsi, 8
    ret

RhpCheckedLockCmpXchg:
    mov rax, rdx
    lock cmpxchg [rdi], rsi
    ret

RhpCheckedXchg:
    mov rax, rsi
    xchg [rdi], rax
    ret

RhpPInvoke:
RhpPInvokeReturn:
RhpReversePInvoke:
RhpReversePInvokeReturn:
RhpGcPoll:
    ret

RhpStackProbe:
    mov rax, rsp
    and rax, -4096
.probe:
    sub rax, 4096
    test [rax], eax
    cmp rax, r11
    jg .probe
    ret

section .data
align 8
RhpTrapThreads: dd 0, 0
