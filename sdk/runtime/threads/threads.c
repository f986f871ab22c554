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
 *   RhGetCurrentThreadStackBounds  the managed stack's range (EnsureSufficientExecutionStack)
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


/* The one thread's stack is the managed stack core/startup.c allocates: a
 * virtual range right above its guard page (graft_stack_guard). Its top is
 * the first unmapped page above that: every virtual range has an unmapped
 * guard page below it, so the next range cannot continue this one. Found once. */
void RhGetCurrentThreadStackBounds(uint64_t *low, uint64_t *high) {
    static uint64_t stack_low, stack_high;
    if (!stack_high) {
        if (!graft_stack_guard)
            graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "RhGetCurrentThreadStackBounds before the managed stack exists");
        uint64_t top = graft_stack_guard + GRAFT_PAGE_SIZE;
        while (graft_vm_is_mapped(top))
            top += GRAFT_PAGE_SIZE;
        stack_low = graft_stack_guard + GRAFT_PAGE_SIZE;
        stack_high = top;
    }
    *low = stack_low;
    *high = stack_high;
}
