/* What interrupts/irq.c and timer.c share, and what the runtime's drivers
 * (drivers/) call. */
#ifndef GRAFT_IRQ_H
#define GRAFT_IRQ_H

#include <stdint.h>

#define GRAFT_VECTOR_IRQ0 32        /* ISA IRQ n: 32 + n; I/O APIC inputs 16-23: 48-55 */
#define GRAFT_VECTOR_FREE_FIRST 64  /* graft_interrupt_install's range */
#define GRAFT_VECTOR_FREE_LAST 239
#define GRAFT_VECTOR_TIMER 240
#define GRAFT_VECTOR_SPURIOUS 255

/* Called on the interrupt stack with IF clear; EOI follows its return. */
typedef void (*InterruptHandler)(int32_t vector);

/* Graft.Kernel.Interrupts.Figures reads this layout. */
typedef struct InterruptFigures {
    int32_t controller;     /* 1: local APIC + I/O APIC (MADT), 0: the legacy PIC */
    uint32_t cpu_count;     /* processors the MADT lists (0 without one) */
    uint64_t spurious;      /* spurious interrupts counted and ignored */
    uint64_t timer_ticks;   /* scheduling ticks since boot: interrupts while a thread runs, plus those a tickless idle skipped */
    uint32_t timer_hz;      /* their rate */
    int32_t timer_source;   /* 1: local APIC timer, 0: PIT channel 0 (IRQ 0) */
    uint64_t timer_counts_per_second; /* the local APIC timer's calibrated rate (divided by 16) */
    uint64_t halts;         /* hlt instructions the idle loop ran (each ends with an interrupt) */
    uint64_t idle_tsc;      /* TSC cycles spent halted */
    uint64_t tsc_hz;        /* the TSC's calibrated rate (time/tsc.c) */
} InterruptFigures;

int32_t graft_irq_install(int32_t irq, InterruptHandler handler);
void graft_irq_remove(int32_t irq);
uint32_t graft_lapic_read(uint32_t reg);
void graft_lapic_write(uint32_t reg, uint32_t value);

/* timer.c */
void graft_timer_init(int has_lapic);
void graft_timer_tick(uint64_t entry_tsc);
void graft_timer_figures(InterruptFigures *figures);

#endif
