; double ceil(double): SSE2 only (no SSE4.1 roundsd on QEMU's qemu64 CPU).
;
; Exports:
;   ceil

bits 64
default rel
global ceil

section .text

ceil:
    movq rax, xmm0
    mov rcx, rax
    btr rcx, 63                  ; |x| as bits
    mov rdx, 0x4330000000000000  ; 2^52: from here on every double is whole
    cmp rcx, rdx
    jae .done                    ; also infinities and NaNs
    cvttsd2si rdx, xmm0          ; truncate toward zero
    cvtsi2sd xmm1, rdx
    ucomisd xmm1, xmm0
    jae .sign                    ; trunc(x) >= x: already the ceiling
    addsd xmm1, [one]
.sign:
    movq rdx, xmm1
    mov rcx, 0x8000000000000000
    and rax, rcx                 ; ceil(-0.5) is -0.0: keep x's sign
    or rdx, rax
    movq xmm0, rdx
.done:
    ret

section .rodata
align 8
one: dq 1.0
