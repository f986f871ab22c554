/* The periodic timer and the idle CPU.
 *
 * The local APIC timer (divided by 16) is calibrated against the TSC, which
 * time/tsc.c calibrated against the PIT: its counts over 10 ms, each end
 * read together with the TSC. It then runs periodic at GRAFT_TIMER_HZ on vector 240.
 * Without a local APIC, PIT channel 0 ticks on IRQ 0 instead. Each tick is
 * counted; the clocks themselves stay the TSC's (time/).
 *
 * Idle: graft_idle halts the CPU (`hlt`) until the next interrupt, counting
 * the halts and the TSC cycles spent halted; graft_idle_until(deadline)
 * halts tick by tick while the deadline is more than a tick away, then
 * spins the rest, so that a wait ends on time rather than on the next tick
 * (Thread.Sleep and timed waits through interop/system_native.c). With
 * interrupts off (inside a handler) it cannot halt and spins instead.
 *
 * Exports:
 *   graft_timer_init, graft_timer_tick, graft_timer_figures   irq.c (irq.h)
 *   graft_idle, graft_idle_until                             interop/ (Sleep)
 *   graft_idle_unless(ready)    halts unless ready() (checked with interrupts off): console input
 *   graft_timer_latency(samples, out)   min, median, max TSC cycles from a tick to its handler (256 samples at most)
 */
#include "graft_runtime.h"
#include "interrupts/irq.h"

#define GRAFT_TIMER_HZ 100 /* QEMU under a loaded host drops ticks of shorter periods */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define PIT_HZ 1193182u

static volatile uint64_t ticks, tick_entry_tsc, halts, idle_tsc;
static uint64_t counts_per_second;
static int32_t source;

static void pit_tick(int32_t vector) {
    (void)vector;
    graft_timer_tick(graft_rdtsc());
}

/* The local APIC timer's count and the TSC at one moment: read again until
 * the TSC reads around the count are within 20 us (QEMU on a loaded host
 * can be descheduled between any two instructions, which would skew the
 * calibration). */
static void lapic_sample(uint32_t *count, uint64_t *tsc) {
    uint64_t close = graft_tsc_hz() / 50000;
    for (int tries = 0; tries < 1000; tries++) {
        uint64_t before = graft_rdtsc();
        *count = graft_lapic_read(LAPIC_TIMER_CURRENT);
        uint64_t after = graft_rdtsc();
        *tsc = before + (after - before) / 2;
        if (after - before < close)
            return;
    }
}

void graft_timer_init(int has_lapic) {
    if (!has_lapic) {
        uint16_t divisor = (uint16_t)(PIT_HZ / GRAFT_TIMER_HZ);
        graft_outb(0x43, 0x34); /* channel 0, lo/hi byte, mode 2 (rate generator) */
        graft_outb(0x40, (uint8_t)divisor);
        graft_outb(0x40, (uint8_t)(divisor >> 8));
        graft_irq_install(0, pit_tick);
        return;
    }
    graft_lapic_write(LAPIC_TIMER_DIVIDE, 0x3); /* divide by 16 */
    graft_lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | GRAFT_VECTOR_TIMER);
    graft_lapic_write(LAPIC_TIMER_INITIAL, 0xFFFFFFFFu);
    uint32_t count0, count1;
    uint64_t tsc0, tsc1;
    lapic_sample(&count0, &tsc0);
    uint64_t t0 = graft_time_ns();
    while (graft_time_ns() - t0 < 10000000u)
        __asm__ volatile("pause");
    lapic_sample(&count1, &tsc1);
    counts_per_second = (uint64_t)(count0 - count1) * graft_tsc_hz() / (tsc1 - tsc0);
    if (counts_per_second < GRAFT_TIMER_HZ)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "the local APIC timer does not count");
    source = 1;
    graft_lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | GRAFT_VECTOR_TIMER);
    graft_lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)(counts_per_second / GRAFT_TIMER_HZ));
}

void graft_timer_tick(uint64_t entry_tsc) {
    tick_entry_tsc = entry_tsc;
    ticks++;
    graft_threads_tick(); /* threads/threads.c: due waits, preemption */
}

void graft_timer_figures(InterruptFigures *f) {
    f->timer_ticks = ticks;
    f->timer_hz = GRAFT_TIMER_HZ;
    f->timer_source = source;
    f->timer_counts_per_second = counts_per_second;
    f->halts = halts;
    f->idle_tsc = idle_tsc;
    f->tsc_hz = graft_tsc_hz();
}

static int interrupts_enabled(void) {
    uint64_t flags;
    __asm__ volatile("pushfq\n\tpopq %0" : "=r"(flags));
    return (flags & 0x200) != 0;
}

void graft_idle_unless(int32_t (*ready)(void)) {
    if (!interrupts_enabled()) {
        __asm__ volatile("pause");
        return;
    }
    /* With interrupts off from the check to the hlt (sti takes effect after
     * the next instruction), an interrupt making `ready` true cannot slip
     * in between and leave the CPU halted until the next tick. */
    __asm__ volatile("cli");
    if (ready && ready()) {
        __asm__ volatile("sti");
        return;
    }
    uint64_t t0 = graft_rdtsc();
    __asm__ volatile("sti\n\thlt");
    idle_tsc += graft_rdtsc() - t0;
    halts++;
}

void graft_idle(void) { graft_idle_unless(0); }

void graft_idle_until(uint64_t deadline_ns) {
    const uint64_t tick_ns = 1000000000u / GRAFT_TIMER_HZ;
    uint64_t now;
    while ((now = graft_time_ns()) < deadline_ns) {
        if (deadline_ns - now > tick_ns)
            graft_idle();
        else
            __asm__ volatile("pause");
    }
}

/* The loop keeps the TSC in memory until a tick interrupts it: the tick's
 * entry (graft_interrupt's first instruction) minus the last value stored
 * before it is the time from the interrupted instruction to the handler.
 * Two values are kept because the loop may store once more after the
 * handler returns (QEMU's TCG takes interrupts at the loop's head only). */
#define LATENCY_SAMPLES_MAX 256

void graft_timer_latency(int32_t samples, uint64_t out[3]) {
    static volatile uint64_t older, newer;
    static uint64_t cycles[LATENCY_SAMPLES_MAX];
    if (samples > LATENCY_SAMPLES_MAX)
        samples = LATENCY_SAMPLES_MAX;
    int32_t taken = 0;
    while (taken < samples && interrupts_enabled()) {
        uint64_t before = ticks;
        newer = graft_rdtsc();
        do {
            older = newer;
            newer = graft_rdtsc();
        } while (ticks == before);
        uint64_t entry = tick_entry_tsc, last = newer < entry ? newer : older;
        if (last < entry) /* else not a clean sample */
            cycles[taken++] = entry - last;
    }
    for (int32_t i = 1; i < taken; i++) /* insertion sort: a few hundred values */
        for (int32_t j = i; j > 0 && cycles[j - 1] > cycles[j]; j--) {
            uint64_t t = cycles[j];
            cycles[j] = cycles[j - 1];
            cycles[j - 1] = t;
        }
    out[0] = taken ? cycles[0] : 0;
    out[1] = taken ? cycles[taken / 2] : 0;
    out[2] = taken ? cycles[taken - 1] : 0;
}
