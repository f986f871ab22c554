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
 *   RhGetDefaultStackSize       the managed stack's size (1 MiB)
 *   RhSetCurrentThreadName      nothing to tell: the name stays CoreLib's (Thread.Name)
 *   SystemNative_GetCpuUtilization  100%: the one CPU runs the kernel
 *   RhGetThreadEntryPointAddress, SystemNative_CreateThread   stubs: no second thread
 *
 * Task, async and the thread pool reference the last five; a kernel that
 * only awaits completed work links and runs, one that starts a thread
 * (Thread.Start, Task.Run, a thread pool worker) stops at the stub.
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

/* What a thread gets when CoreLib asks for no particular size: the managed
 * stack's (core/startup.c). */
uintptr_t RhGetDefaultStackSize(void) { return 1024 * 1024; }

/* Linux passes the name to the OS (prctl) for debuggers; a kernel has no one
 * to tell: Thread.Name is kept by CoreLib itself. */
void RhSetCurrentThreadName(const uint16_t *name) { (void)name; }

void *RhGetThreadEntryPointAddress(void) {
    graft_not_implemented("RhGetThreadEntryPointAddress (starting a thread: the kernel has one)");
}

int32_t SystemNative_CreateThread(uintptr_t stack_size, void *start, void *parameter) {
    (void)stack_size; (void)start; (void)parameter;
    graft_not_implemented("SystemNative_CreateThread (the kernel has one thread)");
}

/* The thread pool's starvation and hill-climbing input: the share of CPU time
 * the process used since the last call. The one CPU runs nothing but this
 * kernel, so everything since then was ours. */
typedef struct ProcessCpuInformation {
    uint64_t last_current_time, last_user_time, last_kernel_time;
} ProcessCpuInformation;

int32_t SystemNative_GetCpuUtilization(ProcessCpuInformation *previous) {
    uint64_t now = graft_time_ns();
    int32_t utilization = previous->last_current_time ? 100 : 0;   /* nothing to compare the first time */
    previous->last_user_time += now - previous->last_current_time;
    previous->last_current_time = now;
    return utilization;
}
