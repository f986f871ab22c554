; Object allocation's fast paths: ILC's code calls these for every `new`.
; Each bumps the allocation context (graft_gc_alloc_ptr against
; graft_gc_alloc_limit, gc_heap.c; the memory there is zeroed) and stores the
; MethodTable (and an array's length); when the context is used up it calls
; the slow path, graft_gc_new(mt, length or -1, flags), which may collect. When
; that returns 0 (out of memory), or for a negative length, it jumps to
; CoreLib's RhExceptionHandling_FailedAllocation(mt, is_overflow), which
; throws OutOfMemoryException or OverflowException as if the caller had
; called it (the C frames are gone by then).
;
; Exports:
;   RhpNewFast(mt)                      a fixed-size object
;   RhpNewFinalizable(mt)               an object with a finalizer (always the slow path)
;   RhpNewArrayFast(mt, length), RhpNewPtrArrayFast, RhNewString   arrays and strings

bits 64
default rel

global RhpNewFast, RhpNewFinalizable, RhpNewArrayFast, RhpNewPtrArrayFast, RhNewString
extern graft_gc_alloc_ptr, graft_gc_alloc_limit, graft_gc_new
extern RhExceptionHandling_FailedAllocation

GC_ALLOC_FINALIZE equ 1

section .text

RhpNewFast:
    mov eax, [rdi + 4]                  ; base size (a multiple of 8)
    mov rdx, [graft_gc_alloc_ptr]
    add rax, rdx
    cmp rax, [graft_gc_alloc_limit]
    ja .slow
    mov [graft_gc_alloc_ptr], rax
    mov [rdx], rdi
    mov rax, rdx
    ret
.slow:
    xor edx, edx
    jmp new_object_slow

RhpNewFinalizable:
    mov edx, GC_ALLOC_FINALIZE
new_object_slow:
    push rdi
    mov rsi, -1
    call graft_gc_new
    pop rdi
    test rax, rax
    jz out_of_memory
    ret

RhpNewArrayFast:
RhpNewPtrArrayFast:
RhNewString:
    test esi, esi
    js .overflow
    movzx eax, word [rdi]               ; component size
    mov ecx, esi
    imul rax, rcx
    mov ecx, [rdi + 4]                  ; base size
    lea rax, [rax + rcx + 7]
    and rax, -8
    mov rdx, [graft_gc_alloc_ptr]
    add rax, rdx
    cmp rax, [graft_gc_alloc_limit]
    ja .slow
    mov [graft_gc_alloc_ptr], rax
    mov [rdx], rdi
    mov [rdx + 8], esi
    mov rax, rdx
    ret
.slow:
    push rdi
    mov esi, esi                        ; the length as a 64-bit value
    xor edx, edx
    call graft_gc_new
    pop rdi
    test rax, rax
    jz out_of_memory
    ret
.overflow:
    mov esi, 1
    jmp RhExceptionHandling_FailedAllocation

out_of_memory:
    xor esi, esi
    jmp RhExceptionHandling_FailedAllocation
