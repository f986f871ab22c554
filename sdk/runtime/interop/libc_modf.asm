; double modf(double x, double *integral): SSE2 only, as libc_ceil.asm (no
; SSE4.1 roundsd on QEMU's qemu64 CPU). CoreLib's Math.Truncate(double) calls
; it, which number and date formatting reach.
;
; Exports:
;   modf

bits 64
default rel
global modf

section .text

modf:
    movq rax, xmm0
    mov rcx, rax
    btr rcx, 63                  ; |x| as bits
    mov rdx, 0x4330000000000000  ; 2^52: from here on every double is whole
    cmp rcx, rdx
    jae .whole                   ; also infinities and NaNs
    mov r8, 0x8000000000000000
    and r8, rax                  ; x's sign, which both parts keep
    cvttsd2si rdx, xmm0          ; truncate toward zero
    cvtsi2sd xmm1, rdx
    movq rdx, xmm1
    or rdx, r8                   ; modf(-0.5) gives -0.0 as its integral part
    movq xmm1, rdx
    movsd [rdi], xmm1
    subsd xmm0, xmm1             ; the fraction, exact
    movq rdx, xmm0
    btr rdx, 63
    or rdx, r8                   ; modf(-2.0) gives -0.0 as its fraction
    movq xmm0, rdx
    ret
.whole:
    movsd [rdi], xmm0            ; the integral part is x itself
    mov rdx, 0x7FF0000000000000
    cmp rcx, rdx
    ja .done                     ; NaN: the fraction is NaN too
    mov rdx, 0x8000000000000000
    and rax, rdx                 ; otherwise 0 with x's sign
    movq xmm0, rax
.done:
    ret
