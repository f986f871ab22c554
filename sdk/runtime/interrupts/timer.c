/* The timer and the idle CPU.
 *
 * The local APIC timer (divided by 16) is calibrated against the TSC, which
 * time/tsc.c calibrated against the PIT: its counts over 10 ms, each end
 * read together with the TSC. It then runs one-shot on vector 240, armed for
 * the nearer of two times:
 *   - the next scheduling tick, on a 100 Hz grid from boot (preemption in
 *     threads/threads.c, the tick count Graft.Kernel's TimerTicks reports);
 *   - the nearest timed wait's deadline (threads.c says which: when a thread
 *     starts one, graft_timer_wake_at; after each timer interrupt, what
 *     graft_threads_tick returns), so a wait ends at its deadline, not on a tick.
 * When no thread is ready, graft_timer_idle halts with only the deadline
 * armed (tickless idle: an idle Sleep(1000) takes one or two interrupts, not
 * a hundred); the ticks the grid passed meanwhile are counted as it wakes, so
 * the count keeps its rate. TSC-deadline mode is not used: QEMU's TCG does
 * not offer it ("TCG doesn't support requested feature: tsc-deadline").
 * Without a local APIC, PIT channel 0 ticks periodically on IRQ 0 instead;
 * the idle CPU then halts tick by tick and spins the last tick to a deadline.
 *
 * Idle: graft_idle halts the CPU (`hlt`) until the next interrupt (at the
 * latest the next tick), counting the halts and the TSC cycles spent halted.
 * With interrupts off (inside a handler) it cannot halt and spins instead.
 *
 * Exports:
 *   graft_timer_init, graft_timer_tick, graft_timer_figures   irq.c (irq.h)
 *   graft_timer_wake_at(deadline)   threads.c: a timed wait began; the timer fires by then
 *   graft_timer_idle(deadline, ready)   threads.c: nothing ready; halts tickless until the deadline or an interrupt
 *   graft_idle                      Graft.Kernel (Interrupts.Idle)
 *   graft_idle_unless(ready)        halts unless ready() (checked with interrupts off): console input
 *   graft_timer_latency(samples, out)   min, median, max TSC cycles from a tick to its handler (256 samples at most)
 */
#include "graft_runtime.h"
#include "interrupts/irq.h"

#define GRAFT_TIMER_HZ 100 /* QEMU under a loaded host drops ticks of shorter periods */
#define TICK_NS (1000000000u / GRAFT_TIMER_HZ)
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0
#define LVT_MASKED (1u << 16)
#define LVT_ONE_SHOT 0 /* timer mode bits 17-18 */
#define PIT_HZ 1193182u

/* A timer interrupt this close before the grid's tick is that tick (the
 * timer's calibrated rate is a little off the TSC's). */
#define TICK_SLACK_NS (TICK_NS / 16)
/* Farther times are armed 1/64 early, then again for the rest: the
 * calibration is good to about 0.4% (20 us at each end of 10 ms), which over
 * a long wait would end it late. */
#define ARM_EXACT_NS (2ull * TICK_NS)
#define ARM_MAX_NS 4000000000ull /* keeps the count's product in 64 bits */

static volatile uint64_t ticks, tick_entry_tsc, halts, idle_tsc;
static uint64_t counts_per_second;
static int32_t source;
static uint64_t grid_start_ns, next_tick_ns;
static uint64_t next_deadline_ns; /* the nearest timed wait's, 0 none */
static int tickless;              /* halted with nothing ready: the grid is not armed */

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

/* The grid's first tick after now. */
static uint64_t tick_after(uint64_t now) {
    return grid_start_ns + ((now - grid_start_ns) / TICK_NS + 1) * TICK_NS;
}

/* Interrupts off. The one-shot fires at at_ns (graft_time_ns time) or, for
 * a far time, a little before it; 0 stops it. */
static void arm(uint64_t at_ns) {
    if (!at_ns) {
        graft_lapic_write(LAPIC_TIMER_INITIAL, 0);
        return;
    }
    uint64_t now = graft_time_ns();
    uint64_t delta = at_ns > now ? at_ns - now : 0;
    if (delta > ARM_MAX_NS)
        delta = ARM_MAX_NS;
    if (delta > ARM_EXACT_NS)
        delta -= delta / 64;
    uint64_t count = (delta * counts_per_second + 999999999u) / 1000000000u;
    graft_lapic_write(LAPIC_TIMER_INITIAL, count == 0 ? 1 : count > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)count);
}

/* The nearer of the grid's next tick (not while idle) and the nearest deadline. */
static void arm_next(void) {
    if (!source)
        return; /* the PIT ticks by itself */
    uint64_t at = next_deadline_ns;
    if (!tickless && (!at || next_tick_ns < at))
        at = next_tick_ns;
    arm(at);
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
    graft_lapic_write(LAPIC_TIMER_INITIAL, 0);
    graft_lapic_write(LAPIC_LVT_TIMER, LVT_ONE_SHOT | GRAFT_VECTOR_TIMER);
    grid_start_ns = graft_time_ns();
    next_tick_ns = grid_start_ns + TICK_NS;
    arm_next();
}

/* Each timer interrupt. With the one-shot it is the grid's tick or a
 * deadline's (or both); threads.c wakes what is due either way. */
void graft_timer_tick(uint64_t entry_tsc) {
    int32_t tick = 1;
    if (source) {
        uint64_t now = graft_time_ns();
        tick = !tickless && now + TICK_SLACK_NS >= next_tick_ns;
        if (tick) {
            uint64_t after = tick_after(now);
            next_tick_ns = after > next_tick_ns ? after : next_tick_ns + TICK_NS;
        }
    }
    if (tick) {
        tick_entry_tsc = entry_tsc;
        ticks++;
    }
    next_deadline_ns = graft_threads_tick(tick); /* threads/threads.c: due waits, preemption */
    arm_next();
}

void graft_timer_wake_at(uint64_t deadline_ns) {
    if (next_deadline_ns && next_deadline_ns <= deadline_ns)
        return;
    next_deadline_ns = deadline_ns;
    arm_next();
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

/* Interrupts off, and off again on return: halts unless ready(). With
 * interrupts off from the check to the hlt (sti takes effect after the next
 * instruction), an interrupt making `ready` true cannot slip in between and
 * leave the CPU halted until the next one. */
static void halt_unless(int32_t (*ready)(void)) {
    if (ready && ready())
        return;
    uint64_t t0 = graft_rdtsc();
    __asm__ volatile("sti\n\thlt\n\tcli" : : : "memory");
    idle_tsc += graft_rdtsc() - t0;
    halts++;
}

void graft_idle_unless(int32_t (*ready)(void)) {
    if (!interrupts_enabled()) {
        __asm__ volatile("pause");
        return;
    }
    __asm__ volatile("cli" : : : "memory");
    halt_unless(ready);
    __asm__ volatile("sti" : : : "memory");
}

void graft_idle(void) { graft_idle_unless(0); }

void graft_timer_idle(uint64_t deadline_ns, int32_t (*ready)(void)) {
    next_deadline_ns = deadline_ns;
    if (!source) {
        if (deadline_ns && deadline_ns <= graft_time_ns() + TICK_NS) {
            while (graft_time_ns() < deadline_ns)
                __asm__ volatile("pause");
            return;
        }
        halt_unless(ready);
        return;
    }
    tickless = 1;
    arm_next();
    halt_unless(ready);
    tickless = 0;
    uint64_t now = graft_time_ns();
    if (now >= next_tick_ns) {
        ticks += (now - next_tick_ns) / TICK_NS + 1;
        next_tick_ns = tick_after(now);
    }
    arm_next();
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
