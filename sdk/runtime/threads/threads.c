/* Threads: there is one, the boot thread, on one core.
 *
 * Exports:
 *   RhGetThreadStaticStorage    the root of thread statics (ILC --noinlinetls)
 *   RhGetProcessCpuCount        1
 *   RhCurrentOSThreadId         1
 *   RhSpinWait                  pause loop
 *   RhYield                     false: nothing else to run
 *   RhSetThreadExitCallback     kept; the boot thread never exits
 *   RhpSetThreadDoNotTriggerGC  flag kept (no collector to trigger)
 */
#include "graft_runtime.h"

/* CoreLib keeps the thread's static bases in one object array rooted here. */
static void *thread_static_storage;

void **RhGetThreadStaticStorage(void) { return &thread_static_storage; }

int32_t RhGetProcessCpuCount(void) { return 1; }

uint64_t RhCurrentOSThreadId(void) { return 1; }

void RhSpinWait(int32_t iterations) {
    for (int32_t i = 0; i < iterations; i++)
        __asm__ volatile("pause");
}

int32_t RhYield(void) { return 0; }

static void *thread_exit_callback;
void RhSetThreadExitCallback(void *callback) { thread_exit_callback = callback; }

static int32_t do_not_trigger_gc;
int32_t RhpSetThreadDoNotTriggerGC(int32_t value) {
    int32_t old = do_not_trigger_gc;
    do_not_trigger_gc = value;
    return old;
}

