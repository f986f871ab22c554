/* Device and software interrupts: the interrupt controllers, vectors 32-255
 * and their handlers.
 *
 * At boot (graft_interrupts_init, before managed code runs) the legacy 8259
 * PICs are remapped to vectors 32-47 and masked; the local APIC and the I/O
 * APIC come from the ACPI MADT (acpi/acpi.c), mapped uncached; every I/O
 * APIC input starts masked. Without a MADT (no RSDP found) device IRQs go
 * through the PICs instead, and the boot says so. Then interrupts are
 * enabled (sti): the local APIC timer ticks (timer.c).
 *
 * Vectors:  32-47  ISA IRQ 0-15 (the MADT's source overrides applied)
 *           48-55  I/O APIC inputs 16-23 (PCI: level, active low), "IRQ 16-23"
 *           64-239 free for graft_interrupt_install (software, MSI)
 *           240    the local APIC timer;  255  the local APIC's spurious vector
 *
 * Every vector runs on the interrupt stack (IST 3, 16 KiB, a guard page
 * under it) with IF clear (no nesting); the handler is called with its
 * vector and end-of-interrupt is sent after it returns. A handler must not
 * allocate managed objects (it may have interrupted an allocation; a
 * collection off the managed stack stops the kernel). Spurious interrupts
 * (the APIC's vector 255, the PICs' IRQ 7 and 15 without their ISR bit) are
 * counted and get no EOI. A fault in a handler is reported with its vector
 * (idt.c asks graft_interrupt_current_vector).
 *
 * Exports:
 *   graft_interrupts_init(boot_info)     the controllers, the timer, sti (core/startup.c)
 *   graft_interrupt(vector)              called by irq_stubs.asm
 *   graft_irq_install(irq, handler)      an IRQ line 0-23: unmasks it; returns its vector, or -1
 *   graft_irq_remove(irq)                masks it again
 *   graft_interrupt_install(vector, handler), graft_interrupt_remove(vector)   64-239
 *   graft_interrupt_raise(vector)        a self-IPI through the local APIC
 *   graft_interrupt_count(vector)        how many times it was taken
 *   graft_interrupt_current_vector()     the vector being handled, -1 outside handlers
 *   graft_interrupt_vector_name(vector)  " (IRQ n)", " (the timer)", ... for reports
 *   graft_interrupt_figures(figures)     counts for Graft.Kernel.Interrupts
 *   graft_lapic_read, graft_lapic_write  the local APIC's registers (timer.c)
 */
#include "graft_runtime.h"
#include "acpi/acpi.h"
#include "interrupts/irq.h"

extern const uint64_t graft_interrupt_stubs[224];

static AcpiMadt madt;
static volatile uint32_t *lapic;   /* 0: no local APIC */
static volatile uint32_t *io_apic; /* 0: the PICs route device IRQs */
static uint32_t io_apic_inputs, lapic_id;

static InterruptHandler handlers[256];
static volatile uint64_t counts[256];
static volatile uint64_t spurious;
static volatile int32_t current_vector = -1;

#define INTERRUPT_STACK_SIZE 16384
static uint8_t interrupt_stack[4096 + INTERRUPT_STACK_SIZE] __attribute__((aligned(4096)));

/* ---- the local APIC ---- */

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define IA32_APIC_BASE 0x1B

uint32_t graft_lapic_read(uint32_t reg) { return lapic[reg / 4]; }
void graft_lapic_write(uint32_t reg, uint32_t value) { lapic[reg / 4] = value; }

static uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t value) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

static int cpu_has_apic(void) {
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
    return (d >> 9) & 1;
}

static void lapic_init(uint64_t physical) {
    wrmsr(IA32_APIC_BASE, rdmsr(IA32_APIC_BASE) | (1u << 11)); /* globally enabled */
    lapic = graft_vm_map_physical(physical, 4096, GRAFT_VM_WRITE);
    if (!lapic)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory mapping the local APIC");
    lapic_id = graft_lapic_read(LAPIC_ID) >> 24;
    graft_lapic_write(LAPIC_TPR, 0);
    graft_lapic_write(LAPIC_SVR, 0x100 | GRAFT_VECTOR_SPURIOUS); /* software enable */
}

/* ---- the 8259 PICs ---- */

#define PIC1 0x20
#define PIC2 0xA0
static uint16_t pic_mask = 0xFFFF; /* bit n: IRQ n masked */

static void pic_apply_mask(void) {
    graft_outb(PIC1 + 1, (uint8_t)pic_mask);
    graft_outb(PIC2 + 1, (uint8_t)(pic_mask >> 8));
}

static void pic_init(void) {
    graft_outb(PIC1, 0x11); graft_outb(PIC2, 0x11); /* ICW1: init, ICW4 follows */
    graft_outb(PIC1 + 1, GRAFT_VECTOR_IRQ0); graft_outb(PIC2 + 1, GRAFT_VECTOR_IRQ0 + 8);
    graft_outb(PIC1 + 1, 4); graft_outb(PIC2 + 1, 2); /* the slave on IRQ 2 */
    graft_outb(PIC1 + 1, 1); graft_outb(PIC2 + 1, 1); /* 8086 mode */
    pic_apply_mask();
}

static uint8_t pic_in_service(uint16_t pic) {
    graft_outb(pic, 0x0B); /* OCW3: read the ISR */
    return graft_inb(pic);
}

/* ---- the I/O APIC ---- */

static uint32_t io_apic_read(uint32_t reg) { io_apic[0] = reg; return io_apic[4]; }
static void io_apic_write(uint32_t reg, uint32_t value) { io_apic[0] = reg; io_apic[4] = value; }

static void io_apic_route(uint32_t input, uint32_t vector, int active_low, int level, int masked) {
    uint32_t low = vector | (uint32_t)active_low << 13 | (uint32_t)level << 15 | (uint32_t)masked << 16;
    io_apic_write(0x10 + 2 * input + 1, lapic_id << 24);
    io_apic_write(0x10 + 2 * input, low);
}

static void io_apic_init(uint64_t physical) {
    io_apic = graft_vm_map_physical(physical, 4096, GRAFT_VM_WRITE);
    if (!io_apic)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory mapping the I/O APIC");
    io_apic_inputs = ((io_apic_read(1) >> 16) & 0xFF) + 1;
    for (uint32_t i = 0; i < io_apic_inputs; i++)
        io_apic_route(i, GRAFT_VECTOR_SPURIOUS, 0, 0, 1);
}

/* An IRQ line's I/O APIC input and its polarity and trigger; 0 when it has none. */
static int irq_route(int32_t irq, uint32_t *input, int *active_low, int *level) {
    uint32_t gsi = irq < 16 ? madt.isa[irq].gsi : (uint32_t)irq;
    *active_low = irq < 16 ? madt.isa[irq].active_low : 1;
    *level = irq < 16 ? madt.isa[irq].level : 1;
    if (gsi < madt.io_apic_gsi_base || gsi - madt.io_apic_gsi_base >= io_apic_inputs)
        return 0;
    *input = gsi - madt.io_apic_gsi_base;
    return 1;
}

static void irq_set_masked(int32_t irq, int masked) {
    if (io_apic) {
        uint32_t input;
        int active_low, level;
        if (irq_route(irq, &input, &active_low, &level))
            io_apic_route(input, (uint32_t)(GRAFT_VECTOR_IRQ0 + irq), active_low, level, masked);
    } else if (irq < 16) {
        pic_mask = masked ? (uint16_t)(pic_mask | 1u << irq) : (uint16_t)(pic_mask & ~(1u << irq));
        if (!masked && irq >= 8)
            pic_mask &= (uint16_t)~(1u << 2); /* the cascade */
        pic_apply_mask();
    }
}

/* ---- handlers ---- */

int32_t graft_irq_install(int32_t irq, InterruptHandler handler) {
    if (irq < 0 || irq > 23 || !handler || (!io_apic && irq > 15))
        return -1;
    int32_t vector = GRAFT_VECTOR_IRQ0 + irq;
    handlers[vector] = handler;
    irq_set_masked(irq, 0);
    return vector;
}

void graft_irq_remove(int32_t irq) {
    if (irq < 0 || irq > 23)
        return;
    irq_set_masked(irq, 1);
    handlers[GRAFT_VECTOR_IRQ0 + irq] = 0;
}

int32_t graft_interrupt_install(int32_t vector, InterruptHandler handler) {
    if (vector < GRAFT_VECTOR_FREE_FIRST || vector > GRAFT_VECTOR_FREE_LAST || !handler)
        return -1;
    handlers[vector] = handler;
    return vector;
}

void graft_interrupt_remove(int32_t vector) {
    if (vector >= GRAFT_VECTOR_FREE_FIRST && vector <= GRAFT_VECTOR_FREE_LAST)
        handlers[vector] = 0;
}

void graft_interrupt_raise(int32_t vector) {
    if (vector < GRAFT_VECTOR_FREE_FIRST || vector > GRAFT_VECTOR_FREE_LAST)
        return;
    if (lapic) {
        graft_lapic_write(LAPIC_ICR_HIGH, 0);
        graft_lapic_write(LAPIC_ICR_LOW, (uint32_t)vector | 1u << 18); /* fixed, to self */
        while (graft_lapic_read(LAPIC_ICR_LOW) & (1u << 12)) /* delivery pending */
            __asm__ volatile("pause");
        return;
    }
    graft_not_implemented("graft_interrupt_raise without a local APIC");
}

int32_t graft_interrupt_current_vector(void) { return current_vector; }

const char *graft_interrupt_vector_name(int32_t vector) {
    static const char *const irq_names[24] = {
        " (IRQ 0)", " (IRQ 1)", " (IRQ 2)", " (IRQ 3)", " (IRQ 4)", " (IRQ 5)", " (IRQ 6)", " (IRQ 7)",
        " (IRQ 8)", " (IRQ 9)", " (IRQ 10)", " (IRQ 11)", " (IRQ 12)", " (IRQ 13)", " (IRQ 14)",
        " (IRQ 15)", " (IRQ 16)", " (IRQ 17)", " (IRQ 18)", " (IRQ 19)", " (IRQ 20)", " (IRQ 21)",
        " (IRQ 22)", " (IRQ 23)",
    };
    if (vector >= GRAFT_VECTOR_IRQ0 && vector < GRAFT_VECTOR_IRQ0 + 24)
        return irq_names[vector - GRAFT_VECTOR_IRQ0];
    if (vector == GRAFT_VECTOR_TIMER)
        return " (the local APIC timer)";
    return "";
}

static void end_of_interrupt(uint64_t vector) {
    if (vector >= GRAFT_VECTOR_IRQ0 && vector < GRAFT_VECTOR_IRQ0 + 16 && !io_apic) {
        if (vector >= GRAFT_VECTOR_IRQ0 + 8)
            graft_outb(PIC2, 0x20);
        graft_outb(PIC1, 0x20);
    } else if (lapic) {
        graft_lapic_write(LAPIC_EOI, 0);
    }
}

static int is_spurious(uint64_t vector) {
    if (vector == GRAFT_VECTOR_SPURIOUS)
        return 1;
    if (io_apic)
        return 0;
    if (vector == GRAFT_VECTOR_IRQ0 + 7)
        return !(pic_in_service(PIC1) & 0x80);
    if (vector == GRAFT_VECTOR_IRQ0 + 15 && !(pic_in_service(PIC2) & 0x80)) {
        graft_outb(PIC1, 0x20); /* the master did see the cascade */
        return 1;
    }
    return 0;
}

void graft_interrupt(uint64_t vector) {
    uint64_t entry = graft_rdtsc();
    if (is_spurious(vector)) {
        spurious++;
        return;
    }
    counts[vector]++;
    int32_t outer = current_vector;
    current_vector = (int32_t)vector;
    if (vector == GRAFT_VECTOR_TIMER)
        graft_timer_tick(entry);
    if (handlers[vector])
        handlers[vector]((int32_t)vector);
    current_vector = outer;
    end_of_interrupt(vector);
}

void graft_interrupt_figures(InterruptFigures *f) {
    f->controller = io_apic ? 1 : 0;
    f->spurious = spurious;
    f->cpu_count = madt.cpu_count;
    graft_timer_figures(f);
}

uint64_t graft_interrupt_count(int32_t vector) { return counts[vector & 255]; }

/* ---- boot ---- */

void graft_interrupts_init(uint64_t boot_info) {
    graft_unmap_page((uint64_t)(uintptr_t)interrupt_stack); /* its guard page */
    graft_idt_set_stack(3, (uint64_t)(uintptr_t)(interrupt_stack + sizeof interrupt_stack));
    for (int v = 32; v < 256; v++)
        graft_idt_set_gate(v, graft_interrupt_stubs[v - 32], 3);

    pic_init(); /* remapped off the CPU exceptions' vectors, all masked */
    graft_acpi_init(boot_info, &madt);
    if (madt.found && madt.local_apic && madt.io_apic) {
        lapic_init(madt.local_apic);
        io_apic_init(madt.io_apic);
    } else {
        serial_write("graft: interrupts: no ACPI MADT (");
        serial_write(madt.rsdp_source ? "the RSDP has none" : "no RSDP found");
        serial_write("): device IRQs through the legacy PIC\n");
        if (cpu_has_apic())
            lapic_init(rdmsr(IA32_APIC_BASE) & ~0xFFFull & 0xFFFFFFFFFFull);
    }
    graft_timer_init(lapic != 0);
    __asm__ volatile("sti");
}
