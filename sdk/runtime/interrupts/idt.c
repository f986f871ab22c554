/* The interrupt descriptor table: CPU exceptions 0-31 print the fault on COM1
 * (vector and name, error code, RIP, CR2, RSP and the registers) and stop the
 * machine with exit code GRAFT_EXIT_FAULT (0x7F: QEMU exits with 255), so a
 * crash is never a silent triple-fault reset. In managed code, a #PF below
 * 4 KiB and a #DE become NullReferenceException and DivideByZeroException
 * instead (exceptions/exception_dispatch.c). A double fault runs on its own
 * stack (IST 1) so that a stack overflow still prints.
 *
 * After the registers comes the stack of the faulting code, one frame a
 * line (`  at [0x...]`, exceptions/stack_report.c), managed and native
 * frames alike, unwound through .eh_frame: `graft run` prints each with its
 * function and source line, `graft symbolize Kernel.elf < serial.log` does
 * it afterwards.
 *
 * Exports:
 *   graft_idt_init    loads the IDT (and a TSS for the double-fault stack)
 *   graft_fault       called by idt_stubs.asm
 */
#include "graft_runtime.h"

typedef struct IdtEntry {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed)) IdtEntry;

typedef struct DescriptorPointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed)) DescriptorPointer;

typedef struct Tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed)) Tss;

/* What idt_stubs.asm leaves on the stack. */
typedef struct FaultFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
} FaultFrame;

extern const uint64_t graft_exception_stubs[32];

static IdtEntry idt[32] __attribute__((aligned(16)));
static Tss tss __attribute__((aligned(16)));
static uint8_t double_fault_stack[16384] __attribute__((aligned(16)));
/* null, code 0x08, data 0x10, TSS 0x18 (16 bytes) */
static uint64_t gdt[5] __attribute__((aligned(16)));

static const char *const names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack-segment fault", "#GP general protection",
    "#PF page fault", "reserved 15", "#MF x87 floating point", "#AC alignment check",
    "#MC machine check", "#XM SIMD floating point", "#VE virtualization",
    "#CP control protection", "reserved 22", "reserved 23", "reserved 24",
    "reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security", "reserved 31",
};

void graft_idt_init(void) {
    /* A GDT of our own with a TSS, for the double-fault stack. */
    gdt[0] = 0;
    gdt[1] = 0x00AF9A000000FFFFull; /* 64-bit code, ring 0: selector 0x08 */
    gdt[2] = 0x00CF92000000FFFFull; /* data: 0x10 */
    uint64_t base = (uint64_t)(uintptr_t)&tss;
    uint64_t limit = sizeof tss - 1;
    gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
             (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    gdt[4] = base >> 32;
    tss.ist[0] = (uint64_t)(uintptr_t)(double_fault_stack + sizeof double_fault_stack);
    tss.iomap_base = sizeof tss;

    DescriptorPointer gdtr = {sizeof gdt - 1, (uint64_t)(uintptr_t)gdt};
    __asm__ volatile(
        "lgdt %0\n\t"
        "pushq $0x08\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw $0x10, %%ax\n\t"
        "movw %%ax, %%ds\n\t"
        "movw %%ax, %%es\n\t"
        "movw %%ax, %%ss\n\t"
        "movw $0x18, %%ax\n\t"
        "ltr %%ax"
        : : "m"(gdtr) : "rax", "memory");

    for (int v = 0; v < 32; v++) {
        uint64_t handler = graft_exception_stubs[v];
        idt[v].offset_low = (uint16_t)handler;
        idt[v].selector = 0x08;
        idt[v].ist = v == 8 ? 1 : 0;
        idt[v].type_attributes = 0x8E; /* present, ring 0, 64-bit interrupt gate */
        idt[v].offset_middle = (uint16_t)(handler >> 16);
        idt[v].offset_high = (uint32_t)(handler >> 32);
        idt[v].reserved = 0;
    }
    DescriptorPointer idtr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static void reg(const char *name, uint64_t value) {
    serial_write(name);
    serial_write_hex(value);
}

#define EXCEPTION_ID_DIVIDE_BY_ZERO 4 /* CoreLib's ExceptionIDs */
#define EXCEPTION_ID_NULL_REFERENCE 8

/* A fault while reporting one (say, unwinding through a broken stack). */
static int reporting;

void graft_fault(FaultFrame *f) {
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    /* A null dereference or a division by zero in managed code becomes
     * NullReferenceException / DivideByZeroException. */
    int32_t id = (f->vector == 14 && cr2 < 4096) ? EXCEPTION_ID_NULL_REFERENCE
               : f->vector == 0 ? EXCEPTION_ID_DIVIDE_BY_ZERO : 0;
    if (reporting) {
        serial_write("\ngraft: CPU exception ");
        serial_write_dec(f->vector);
        reg(" at RIP ", f->rip);
        serial_write(" while walking the stack; the report ends here\n");
        debug_exit(GRAFT_EXIT_FAULT);
    }
    if (id) {
        uint64_t saved[6] = {f->rbx, f->rbp, f->r12, f->r13, f->r14, f->r15};
        graft_fault_to_exception(id, f->rip, f->rsp, saved);
    }
    serial_write("\ngraft: CPU exception ");
    serial_write_dec(f->vector);
    serial_write(" (");
    serial_write(f->vector < 32 ? names[f->vector] : "?");
    serial_write(")");
    reg(" error code ", f->error_code);
    reg(" at RIP ", f->rip);
    reg(" CR2 ", cr2);
    reg(" RSP ", f->rsp);
    serial_write("\n");
    reg("  rax ", f->rax); reg(" rbx ", f->rbx); reg(" rcx ", f->rcx); reg(" rdx ", f->rdx);
    reg(" rsi ", f->rsi); reg(" rdi ", f->rdi); reg(" rbp ", f->rbp);
    serial_write("\n");
    reg("  r8 ", f->r8); reg(" r9 ", f->r9); reg(" r10 ", f->r10); reg(" r11 ", f->r11);
    reg(" r12 ", f->r12); reg(" r13 ", f->r13); reg(" r14 ", f->r14); reg(" r15 ", f->r15);
    reg(" rflags ", f->rflags);
    if (f->vector == 14 && cr2 < 4096)
        serial_write("\ngraft: a null reference was dereferenced outside managed code");
    else if ((f->vector == 14 || f->vector == 8) && graft_stack_guard &&
             ((cr2 >= graft_stack_guard && cr2 < graft_stack_guard + 4096) ||
              (f->rsp >= graft_stack_guard - 4096 && f->rsp < graft_stack_guard + 4096 + 64)))
        serial_write("\ngraft: stack overflow (the managed stack is 1 MiB)");
    serial_write("\n");
    reporting = 1;
    /* DWARF register order, as the unwinder keeps them. */
    const uint64_t regs[16] = {f->rax, f->rdx, f->rcx, f->rbx, f->rsi, f->rdi, f->rbp, f->rsp,
                               f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15};
    graft_print_stack(f->rip, regs);
    debug_exit(GRAFT_EXIT_FAULT);
}
