/* The kernel's monotonic clock: the CPU's time-stamp counter, calibrated
 * once against the PIT (a fixed 1.193182 MHz, the one rate a PC is sure to
 * have). Stopwatch, Environment.TickCount64 and timed waits read it through
 * interop/system_native.c; the wall clock (cmos.c) counts from it.
 *
 * Exports:
 *   graft_time_init()   calibrates (the least of three 10 ms measures on PIT channel 2); later calls return at once
 *   graft_time_ns()     nanoseconds since calibration
 *   graft_tsc_hz()      TSC ticks per second (1e9 when the PIT never answered)
 *
 * The PIT's channel 2 is gated through port 0x61 and counts down without an
 * interrupt, so calibration needs no IDT entry; an interrupt-driven timer can
 * reuse graft_tsc_hz. Under QEMU's TCG the TSC follows the host's clock. */
#include "graft_runtime.h"

static uint64_t tsc_hz, tsc_start;

/* TSC ticks across 10 ms of PIT channel 2; 0 when the PIT never answers. */
static uint64_t measure_10ms(uint64_t *start) {
    const uint16_t count = 11932; /* 10 ms at 1.193182 MHz */
    graft_outb(0x61, (uint8_t)((graft_inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
    graft_outb(0x43, 0xB0);                                        /* channel 2, lo/hi byte, mode 0 */
    graft_outb(0x42, (uint8_t)count);
    uint64_t t0 = graft_rdtsc();
    graft_outb(0x42, (uint8_t)(count >> 8));                       /* counting starts */
    uint32_t spins = 0;
    while (!(graft_inb(0x61) & 0x20) && ++spins < 50000000u)      /* OUT2 goes high at 0 */
        ;
    uint64_t t1 = graft_rdtsc();
    *start = t0;
    return (spins < 50000000u && t1 > t0) ? (t1 - t0) * 100 : 0;
}

/* Three measures, the lowest kept: QEMU descheduled by a loaded host between
 * the TSC reads and the PIT's start or end can only lengthen one (measured:
 * 3399 instead of 2615 MHz once). */
void graft_time_init(void) {
    if (tsc_hz)
        return;
    uint64_t best = 0, start = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t hz = measure_10ms(&start);
        if (hz && (!best || hz < best))
            best = hz;
    }
    tsc_hz = best ? best : 1000000000ull;
    tsc_start = start;
}

uint64_t graft_tsc_hz(void) {
    graft_time_init();
    return tsc_hz;
}

uint64_t graft_time_ns(void) {
    graft_time_init();
    uint64_t ticks = graft_rdtsc() - tsc_start;
    return (ticks / tsc_hz) * 1000000000ull + ((ticks % tsc_hz) * 1000000000ull) / tsc_hz;
}
