/* GNU assembler syntax, preprocessed (.S): assembled by clang. */
#define COM1 0x3F8
#define LSR_THR_EMPTY 0x20

    .text
    .globl gas_serial_write
    .type gas_serial_write, @function
/* void gas_serial_write(const char *s): s in %rdi. */
gas_serial_write:
1:  movb (%rdi), %cl
    testb %cl, %cl
    jz 4f
    movw $(COM1 + 5), %dx
2:  inb %dx, %al
    testb $LSR_THR_EMPTY, %al
    jz 2b
    movw $COM1, %dx
    movb %cl, %al
    outb %al, %dx
    incq %rdi
    jmp 1b
4:  ret
    .size gas_serial_write, . - gas_serial_write

    .globl gas_sum
    .type gas_sum, @function
/* uint64_t gas_sum(uint64_t a, uint64_t b) */
gas_sum:
    leaq (%rdi, %rsi), %rax
    ret
    .size gas_sum, . - gas_sum

    .section .note.GNU-stack, "", @progbits
