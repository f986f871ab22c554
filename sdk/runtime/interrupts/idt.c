/* The interrupt descriptor table: CPU exceptions 0-31 print the fault on COM1
 * (vector and name, error code, RIP, CR2, RSP and the registers) and stop the
 * machine with exit code GRAFT_EXIT_FAULT (0x7F: QEMU exits with 255), so a
 * crash is never a silent triple-fault reset. In managed code the faults
 * .NET turns into exceptions become them instead (exceptions/
 * exception_dispatch.c, run on the faulting code's stack): a #PF below
 * 4 KiB NullReferenceException, #DE DivideByZeroException (OverflowException
 * for MinValue / -1, told apart by the idiv's divisor), #OF
 * OverflowException and #BR IndexOutOfRangeException (ILC's code raises
 * neither of the last two: checks are compares and calls). Everything else
 * in managed code (#GP, #UD, a #PF elsewhere) is a crash, as on .NET: the
 * report names the method and line through the stack walk.
 *
 * A page fault and a double fault run on stacks of their own (IST 2 and 1),
 * so a fault on a guard page still reports. A page fault says what it was
 * (memory/paging.c's rights): a write to read-only memory, an instruction
 * fetch from memory that is not executable, a guard page, an unmapped
 * address. A stack overflow prints, as .NET does, "Stack overflow.", the
 * repeated frames once with their count, then the frames below them.
 *
 * After the registers comes the stack of the faulting code, one frame a
 * line (`  at [0x...]`, exceptions/stack_report.c), managed and native
 * frames alike, unwound through .eh_frame: `graft run` prints each with its
 * function and source line, `graft symbolize Kernel.elf < serial.log` does
 * it afterwards. Where the faulting address has no unwind information (a
 * call into data, code written at run time), the walk starts at the return
 * address on top of the stack.
 *
 * Exports:
 *   graft_idt_init    loads the IDT (and a TSS for the double-fault stack)
 *   graft_idt_guard_stacks   unmaps the guard pages under the fault stacks (after paging)
 *   graft_idt_set_gate       fills one of the 256 entries (interrupts/irq.c: vectors 32-255)
 *   graft_idt_set_stack      sets an IST stack of the TSS (irq.c: the interrupt stack, IST 3)
 *   graft_fault       called by idt_stubs.asm
 */
#include "graft_runtime.h"
#include "exceptions/unwind.h"

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

static IdtEntry idt[256] __attribute__((aligned(16)));
static Tss tss __attribute__((aligned(16)));
/* The fault stacks (IST 1, 2), each with a guard page below it, unmapped
 * once the kernel's page tables are in use (graft_idt_guard_stacks). */
#define FAULT_STACK_SIZE 16384
static uint8_t double_fault_stack[4096 + FAULT_STACK_SIZE] __attribute__((aligned(4096)));
static uint8_t page_fault_stack[4096 + FAULT_STACK_SIZE] __attribute__((aligned(4096)));
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

void graft_idt_guard_stacks(void) {
    graft_unmap_page((uint64_t)(uintptr_t)double_fault_stack);
    graft_unmap_page((uint64_t)(uintptr_t)page_fault_stack);
}

void graft_idt_set_gate(int vector, uint64_t handler, int ist) {
    IdtEntry *e = &idt[vector & 255];
    e->offset_low = (uint16_t)handler;
    e->selector = 0x08;
    e->ist = (uint8_t)ist;
    e->type_attributes = 0x8E; /* present, ring 0, 64-bit interrupt gate (IF cleared) */
    e->offset_middle = (uint16_t)(handler >> 16);
    e->offset_high = (uint32_t)(handler >> 32);
    e->reserved = 0;
}

void graft_idt_set_stack(int ist, uint64_t top) { tss.ist[ist - 1] = top; }

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
    tss.ist[1] = (uint64_t)(uintptr_t)(page_fault_stack + sizeof page_fault_stack);
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

    for (int v = 0; v < 32; v++)
        graft_idt_set_gate(v, graft_exception_stubs[v], v == 8 ? 1 : v == 14 ? 2 : 0);
    DescriptorPointer idtr = {sizeof idt - 1, (uint64_t)(uintptr_t)idt};
    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static void reg(const char *name, uint64_t value) {
    serial_write(name);
    serial_write_hex(value);
}


/* CoreLib's ExceptionIDs */
#define EXCEPTION_ID_DIVIDE_BY_ZERO 4
#define EXCEPTION_ID_INDEX_OUT_OF_RANGE 5
#define EXCEPTION_ID_OVERFLOW 7
#define EXCEPTION_ID_NULL_REFERENCE 8

#define PF_PRESENT 1u  /* page-fault error code: a protection violation, not an absent page */
#define PF_WRITE 2u
#define PF_RESERVED 8u
#define PF_FETCH 16u

extern char __managedcode_start[], __managedcode_end[];
extern char __kernel_start[], __rodata_start[], __data_start[], __kernel_end[];
/* core/call_on_stack.asm */
extern uint32_t graft_call_on_stack(uint32_t (*fn)(void), void *stack_top);

/* A fault while reporting one (say, unwinding through a broken stack). */
static int reporting;

static int in_managed_code(uint64_t rip) {
    return rip >= (uint64_t)(uintptr_t)__managedcode_start && rip < (uint64_t)(uintptr_t)__managedcode_end;
}

/* General register n in the instruction encoding's numbering. */
static uint64_t gpr(const FaultFrame *f, int n) {
    const uint64_t r[16] = {f->rax, f->rcx, f->rdx, f->rbx, f->rsp, f->rbp, f->rsi, f->rdi,
                            f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15};
    return r[n & 15];
}

/* A #DE is a zero divisor or a quotient that does not fit: for a signed
 * division (idiv, F7 /7: what C# `/` and `%` compile to) with a divisor
 * that is not zero, MinValue / -1, which .NET throws as OverflowException.
 * Decodes the operand (register or memory) of the faulting idiv. */
static int is_division_overflow(const FaultFrame *f) {
    const uint8_t *p = (const uint8_t *)(uintptr_t)f->rip;
    uint8_t rex = (*p & 0xF0) == 0x40 ? *p++ : 0;
    if (p[0] != 0xF7 || ((p[1] >> 3) & 7) != 7)
        return 0;
    int mod = p[1] >> 6, rm = p[1] & 7;
    const uint8_t *q = p + 2;
    int64_t divisor;
    if (mod == 3) {
        divisor = (int64_t)gpr(f, rm | (rex & 1) << 3);
    } else {
        uint64_t address;
        if (rm == 4) {
            uint8_t sib = *q++;
            int index = ((sib >> 3) & 7) | (rex & 2) << 2, base = (sib & 7) | (rex & 1) << 3;
            address = index == 4 ? 0 : gpr(f, index) << (sib >> 6);
            if ((base & 7) == 5 && mod == 0) {
                address += (uint64_t)(int64_t)*(const int32_t *)q;
                q += 4;
            } else {
                address += gpr(f, base);
            }
        } else if (rm == 5 && mod == 0) {
            /* rip-relative: from the end of the instruction (idiv has no immediate) */
            address = (uint64_t)(uintptr_t)(q + 4) + (uint64_t)(int64_t)*(const int32_t *)q;
        } else {
            address = gpr(f, rm | (rex & 1) << 3);
        }
        if (mod == 1)
            address += (uint64_t)(int64_t)*(const int8_t *)q;
        else if (mod == 2)
            address += (uint64_t)(int64_t)*(const int32_t *)q;
        divisor = (rex & 8) ? *(const int64_t *)(uintptr_t)address : *(const int32_t *)(uintptr_t)address;
    }
    if (!(rex & 8))
        divisor = (int32_t)divisor;
    return divisor != 0;
}

/* The exception .NET throws for this fault in managed code, or 0. */
static int32_t exception_for(const FaultFrame *f, uint64_t cr2) {
    switch (f->vector) {
    case 0: return is_division_overflow(f) ? EXCEPTION_ID_OVERFLOW : EXCEPTION_ID_DIVIDE_BY_ZERO;
    case 4: return EXCEPTION_ID_OVERFLOW;
    case 5: return EXCEPTION_ID_INDEX_OUT_OF_RANGE;
    case 14: return cr2 < 4096 ? EXCEPTION_ID_NULL_REFERENCE : 0;
    default: return 0;
    }
}

/* A page fault's handler runs on its own stack (IST 2); the dispatcher runs
 * funclets, which may fault again and would reuse that stack, so it runs
 * on the faulting code's stack, below the faulting frame (and the 128-byte
 * red zone). */
typedef struct PendingFault {
    int32_t id;
    uint64_t rip, rsp, rflags, saved[6];
} PendingFault;
static PendingFault pending_fault;

/* The exception runs with the faulting code's interrupt flag (the gate
 * cleared it): a thread that catches a NullReferenceException is still
 * preempted, the tick still counts. With interrupts on, a fault in an
 * interrupt handler may reuse pending_fault: it is copied first. */
static uint32_t dispatch_pending_fault(void) {
    PendingFault fault = pending_fault;
    if (fault.rflags & 0x200)
        __asm__ volatile("sti" : : : "memory");
    graft_fault_to_exception(fault.id, fault.rip, fault.rsp, fault.saved);
    return 0;
}

static int is_stack_overflow(const FaultFrame *f, uint64_t cr2) {
    /* A push or a stack probe into a guard page: the faulting address is
     * just under the stack pointer. A double fault: the CPU could not push
     * the frame of a fault at the guard page. */
    if (f->vector == 14)
        return graft_vm_is_guard(cr2) && cr2 < f->rsp + 4096 && f->rsp - cr2 < 64 * 1024;
    return f->vector == 8 && (graft_vm_is_guard(f->rsp - 8) || graft_vm_is_guard(cr2));
}

static const char *kernel_part(uint64_t address) {
    if (address >= (uint64_t)(uintptr_t)__kernel_start && address < (uint64_t)(uintptr_t)__rodata_start)
        return " (the kernel's code)";
    if (address >= (uint64_t)(uintptr_t)__rodata_start && address < (uint64_t)(uintptr_t)__data_start)
        return " (the kernel's read-only data)";
    if (address >= (uint64_t)(uintptr_t)__data_start && address < (uint64_t)(uintptr_t)__kernel_end)
        return " (the kernel's data)";
    if (address >= GRAFT_VM_BASE)
        return " (a virtual range: heap, stack or mapping)";
    return " (RAM: the managed heap, native blocks, page frames)";
}

static void explain_page_fault(const FaultFrame *f, uint64_t cr2) {
    serial_write("\ngraft: ");
    if (cr2 < 4096) {
        serial_write("a null reference was dereferenced outside managed code");
        return;
    }
    if (f->error_code & PF_RESERVED)
        serial_write("a page table entry has a reserved bit set, at ");
    else if ((f->error_code & PF_PRESENT) && (f->error_code & PF_FETCH))
        serial_write("an instruction fetch from memory that is not executable (a jump into data) at ");
    else if ((f->error_code & PF_PRESENT) && (f->error_code & PF_WRITE))
        serial_write("a write to read-only memory at ");
    else if (f->error_code & PF_PRESENT)
        serial_write("an access its page does not allow at ");
    else if (graft_vm_is_guard(cr2))
        serial_write("an access to the guard page under a virtual range (something ran below its start) at ");
    else
        serial_write("an access to unmapped memory at ");
    serial_write_hex(cr2);
    serial_write((f->error_code & PF_PRESENT) ? kernel_part(cr2) : "");
}

/* ---- the stack overflow report ---- */

#define OVERFLOW_WINDOW 64   /* frames searched for the repeated cycle */
#define OVERFLOW_MAX_CYCLE 16
#define OVERFLOW_OUTER_FRAMES 16

typedef struct Walk {
    Frame frame;
    int done;
} Walk;

static void walk_start(Walk *w, uint64_t rip, const uint64_t regs[16]) {
    memset(w, 0, sizeof *w);
    for (int r = 0; r < 16; r++)
        w->frame.reg[r] = regs[r];
    w->frame.rip = rip;
    w->frame.fault = 1;
}

/* The next frame's code address; 0 when the walk is over. */
static uint64_t walk_next(Walk *w) {
    if (w->done)
        return 0;
    uint64_t pc = graft_frame_pc(&w->frame), rsp = w->frame.reg[7];
    if (!graft_unwind_quiet(&w->frame) || !w->frame.rip || w->frame.reg[7] <= rsp)
        w->done = 1;
    return pc;
}

static void frame_line(uint64_t pc) {
    serial_write("   at ");
    graft_write_code_address(pc);
    serial_write("\n");
}

/* As .NET prints it: the frames before the cycle, "Repeat N times:" and the
 * cycle once between dashes, then the outer frames. */
static void report_stack_overflow(uint64_t rip, const uint64_t regs[16]) {
    uint64_t window[OVERFLOW_WINDOW];
    int count = 0;
    Walk w;
    walk_start(&w, rip, regs);
    while (count < OVERFLOW_WINDOW && (window[count] = walk_next(&w)))
        count++;
    /* The cycle: the first start and shortest period whose frames repeat at
     * least three times in the window. */
    int start = -1, period = 0;
    for (int s = 0; s < OVERFLOW_MAX_CYCLE && start < 0; s++)
        for (int p = 1; p <= OVERFLOW_MAX_CYCLE && s + 3 * p <= count; p++) {
            int i = 0;
            while (i < 2 * p && window[s + i] == window[s + i + p])
                i++;
            if (i == 2 * p) {
                start = s;
                period = p;
                break;
            }
        }
    serial_write("Stack overflow.\n");
    if (start < 0) {
        for (int i = 0; i < count && i < 32; i++)
            frame_line(window[i]);
        return;
    }
    walk_start(&w, rip, regs);
    for (int i = 0; i < start; i++)
        frame_line(walk_next(&w));
    uint64_t repeats = 0, pc = 0;
    for (;;) {
        int i = 0;
        while (i < period && (pc = walk_next(&w)) == window[start + i])
            i++;
        if (i < period)
            break;
        repeats++;
    }
    serial_write("Repeat ");
    serial_write_dec(repeats);
    serial_write(" times:\n--------------------------------\n");
    for (int i = 0; i < period; i++)
        frame_line(window[start + i]);
    serial_write("--------------------------------\n");
    /* pc: the first frame that broke the cycle (the walk may have ended). */
    for (int n = 0; pc && n < OVERFLOW_OUTER_FRAMES; n++, pc = walk_next(&w))
        frame_line(pc);
}

void graft_fault(FaultFrame *f) {
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    if (reporting) {
        serial_write("\ngraft: CPU exception ");
        serial_write_dec(f->vector);
        reg(" at RIP ", f->rip);
        serial_write(" while walking the stack; the report ends here\n");
        debug_exit(GRAFT_EXIT_FAULT);
    }
    int32_t id = exception_for(f, cr2);
    if (id && in_managed_code(f->rip)) {
        pending_fault.id = id;
        pending_fault.rip = f->rip;
        pending_fault.rsp = f->rsp;
        pending_fault.rflags = f->rflags;
        const uint64_t saved[6] = {f->rbx, f->rbp, f->r12, f->r13, f->r14, f->r15};
        memcpy(pending_fault.saved, saved, sizeof saved);
        if (f->vector == 14)
            graft_call_on_stack(dispatch_pending_fault, (void *)(uintptr_t)((f->rsp - 256) & ~15ull));
        else
            dispatch_pending_fault();
    }
    serial_write("\ngraft: CPU exception ");
    serial_write_dec(f->vector);
    serial_write(" (");
    serial_write(f->vector < 32 ? names[f->vector] : "?");
    serial_write(")");
    reg(" error code ", f->error_code);
    serial_write(" at ");
    graft_write_code_address(f->rip);
    reg(" CR2 ", cr2);
    reg(" RSP ", f->rsp);
    serial_write("\n");
    reg("  rax ", f->rax); reg(" rbx ", f->rbx); reg(" rcx ", f->rcx); reg(" rdx ", f->rdx);
    reg(" rsi ", f->rsi); reg(" rdi ", f->rdi); reg(" rbp ", f->rbp);
    serial_write("\n");
    reg("  r8 ", f->r8); reg(" r9 ", f->r9); reg(" r10 ", f->r10); reg(" r11 ", f->r11);
    reg(" r12 ", f->r12); reg(" r13 ", f->r13); reg(" r14 ", f->r14); reg(" r15 ", f->r15);
    reg(" rflags ", f->rflags);
    int overflow = is_stack_overflow(f, cr2);
    if (overflow) {
        serial_write("\ngraft: stack overflow: the guard page under the stack was touched at ");
        serial_write_hex(f->vector == 14 ? cr2 : f->rsp);
        serial_write(", on ");
        graft_write_current_thread();
    } else if (f->vector == 14) {
        explain_page_fault(f, cr2);
    } else if (in_managed_code(f->rip)) {
        serial_write("\ngraft: in managed code (.NET has no exception for it: the process would crash)");
    }
    if (!overflow && graft_thread_stack_top()) {
        serial_write("\ngraft: on ");
        graft_write_current_thread();
    }
    if (graft_interrupt_current_vector() >= 0) {
        serial_write("\ngraft: in the handler of interrupt vector ");
        serial_write_dec((uint64_t)graft_interrupt_current_vector());
        serial_write(graft_interrupt_vector_name(graft_interrupt_current_vector()));
    }
    serial_write("\n");
    reporting = 1;
    /* DWARF register order, as the unwinder keeps them. */
    const uint64_t regs[16] = {f->rax, f->rdx, f->rcx, f->rbx, f->rsi, f->rdi, f->rbp, f->rsp,
                               f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15};
    if (overflow) {
        report_stack_overflow(f->rip, regs);
    } else if (!graft_find_fde(f->rip, &(Fde){0}) && !graft_vm_is_guard(f->rsp) &&
               graft_find_fde(*(const uint64_t *)(uintptr_t)f->rsp - 1, &(Fde){0})) {
        /* Code the unwinder does not know (a call into data, code written
         * at run time) with a return address on top of the stack, as right
         * after a call: the walk starts at that call. */
        uint64_t caller[16];
        memcpy(caller, regs, sizeof caller);
        caller[7] = f->rsp + 8;
        serial_write("graft: no unwind information at RIP; called from the first frame below\n");
        graft_print_stack(*(const uint64_t *)(uintptr_t)f->rsp - 1, caller);
    } else {
        graft_print_stack(f->rip, regs);
    }
    debug_exit(GRAFT_EXIT_FAULT);
}
