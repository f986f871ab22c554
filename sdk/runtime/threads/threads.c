/* Kernel threads on one CPU: records, a run queue, waits, preemption.
 *
 * Every thread has a record (Thread below): its saved stack pointer while it
 * is not running, its stack (graft_vm_alloc: an unmapped guard page below
 * it), its thread statics' root and the queue it waits on. The boot thread's
 * record is static; its stack is core/startup.c's managed stack.
 *
 * Scheduling is round robin over one run queue. Every switch happens with
 * interrupts off (switch.asm saves the callee-saved registers and RFLAGS on
 * the stack, so each thread gets its own interrupt state back). A thread
 * with nothing to run after it halts the CPU on its own stack (graft_timer_idle:
 * the timer armed for the nearest deadline only, no ticks) until the
 * deadline or an interrupt makes one ready: there is no idle thread.
 *
 * Preemption: each timer interrupt (graft_threads_tick, from
 * interrupts/timer.c: a scheduling tick, 100 Hz while a thread runs, or a
 * timed wait's deadline) wakes timed waits that are due and sets
 * graft_thread_preempt_pending if it woke one, or at a tick if any thread
 * is ready, so a sleeper runs at its deadline; the interrupt's return path
 * (irq_stubs.asm -> switch.asm) then switches, but only if the interrupted
 * code is managed code. Runtime C and assembly are never preempted, so the
 * one allocation context, the native allocator and the collector need no
 * locks; a pending switch waits for the next interrupt in managed code.
 *
 * The collector (gc/gc_collect.c) scans, besides the running thread's own
 * stack, every other live thread's stack from its saved SP (the registers
 * are there) and every live thread's statics (graft_threads_mark_roots).
 *
 * Exports:
 *   RhGetThreadStaticStorage    the running thread's root of thread statics (ILC --noinlinetls)
 *   RhGetProcessCpuCount        1
 *   RhCurrentOSThreadId         the running thread's number (the boot thread is 1)
 *   RhSpinWait                  pause loop
 *   RhYield                     runs the next ready thread, if any (Thread.Yield, Sleep(0))
 *   RhSetThreadExitCallback     CoreLib's OnThreadExit: called as each started thread ends
 *   RhpSetThreadDoNotTriggerGC  flag kept
 *   RhGetCurrentThreadStackBounds  the running thread's stack (EnsureSufficientExecutionStack)
 *   RhGetDefaultStackSize       a started thread's stack without maxStackSize (512 KiB)
 *   RhGetThreadEntryPointAddress   CoreLib's ThreadEntryPoint (what CreateThread starts)
 *   RhSetCurrentThreadName      keeps a copy of Thread.Name for reports
 *   SystemNative_CreateThread   a new thread, ready to run start(parameter)
 *   SystemNative_GetCpuUtilization   100%: the one CPU runs the kernel
 *   SystemNative_LowLevelMonitor_Create, _Destroy, _Acquire, _Release, _Wait, _TimedWait, _Signal_Release
 *                               a lock and a condition over wait queues (CoreLib's WaitSubsystem,
 *                               Monitor, Sleep, Join, the thread pool build on these)
 *   graft_threads_tick          timer.c, each timer interrupt: returns the nearest deadline
 *   graft_thread_main, graft_thread_preempted, graft_thread_preempt_pending (data)   switch.asm
 *   graft_threads_mark_roots, graft_thread_stack_top   gc/gc_collect.c
 *   graft_thread_exception_state, graft_threads_each_exception_state   exceptions/ (each thread's dispatch state)
 *   graft_write_current_thread  reports: "thread <number> "<Name>"" (exceptions/, interrupts/idt.c)
 */
#include "graft_runtime.h"

#define DEFAULT_STACK_SIZE (512u * 1024u)

enum { READY, RUNNING, WAITING, DONE };

typedef struct WaitQueue WaitQueue;
typedef struct Thread {
    uint64_t saved_sp;                /* while not running */
    void *static_storage;             /* CoreLib's thread statics' root */
    uint64_t stack_low, stack_high;   /* 0 for the boot thread: found on demand */
    uint64_t id;
    int state;
    struct Thread *next;              /* in the run queue or the wait queue */
    struct Thread *all_next;          /* every thread ever started, until reaped */
    WaitQueue *waiting_on;
    uint64_t wake_ns;                 /* a timed wait's deadline, 0 none */
    int32_t timed_out;
    void *(*start)(void *);
    void *parameter;
    void *exception_state;            /* the dispatcher's (exceptions/), from the first throw */
    char name[64];                    /* Thread.Name as RhSetCurrentThreadName gave it (UTF-8), for reports */
} Thread;

struct WaitQueue { Thread *head, *tail; };

static Thread boot_thread = {.id = 1, .state = RUNNING};
static Thread *current = &boot_thread;
static Thread *all_threads = &boot_thread;
static WaitQueue run_queue;
static uint64_t next_id = 2;
volatile uint8_t graft_thread_preempt_pending;

extern void graft_thread_switch(uint64_t *save_sp, uint64_t next_sp);
extern char graft_thread_first_run[];

static uint64_t interrupts_off(void) {
    uint64_t flags;
    __asm__ volatile("pushfq\n\tpop %0\n\tcli" : "=r"(flags) : : "memory");
    return flags;
}

static void interrupts_restore(uint64_t flags) {
    if (flags & 0x200)
        __asm__ volatile("sti" : : : "memory");
}

static void enqueue(WaitQueue *q, Thread *t) {
    t->next = 0;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
}

static Thread *dequeue(WaitQueue *q) {
    Thread *t = q->head;
    if (t) {
        q->head = t->next;
        if (!q->head)
            q->tail = 0;
        t->next = 0;
    }
    return t;
}

static void unlink(WaitQueue *q, Thread *t) {
    Thread *prev = 0;
    for (Thread *p = q->head; p; prev = p, p = p->next) {
        if (p != t)
            continue;
        if (prev)
            prev->next = p->next;
        else
            q->head = p->next;
        if (q->tail == p)
            q->tail = prev;
        p->next = 0;
        return;
    }
}

static void make_ready(Thread *t) {
    if (t->waiting_on)
        unlink(t->waiting_on, t);
    t->waiting_on = 0;
    t->wake_ns = 0;
    t->state = READY;
    enqueue(&run_queue, t);
}

/* Timed waits that are due become ready, marked timed out (*woke set if
 * any did). Returns the nearest deadline still ahead, 0 if none. */
static uint64_t wake_due(int32_t *woke) {
    uint64_t now = graft_time_ns(), nearest = 0;
    for (Thread *t = all_threads; t; t = t->all_next) {
        if (t->state != WAITING || !t->wake_ns)
            continue;
        if (t->wake_ns <= now) {
            t->timed_out = 1;
            make_ready(t);
            *woke = 1;
        } else if (!nearest || t->wake_ns < nearest) {
            nearest = t->wake_ns;
        }
    }
    return nearest;
}

static int32_t anything_ready(void) { return run_queue.head != 0; }

/* Interrupts off, nothing ready. Halts until an interrupt with the timer
 * armed for the nearest deadline alone (interrupts/timer.c: tickless, the
 * halt counted as the kernel's), so a Sleep ends at its deadline and an idle
 * CPU takes no ticks. */
static void idle(void) {
    int32_t woke = 0;
    graft_timer_idle(wake_due(&woke), anything_ready);
    wake_due(&woke);
}

/* Interrupts off. Runs the next ready thread; returns when this one runs
 * again (at once if it is still RUNNING and nobody else is ready). */
static void schedule(void) {
    for (;;) {
        Thread *next = dequeue(&run_queue);
        if (next) {
            Thread *previous = current;
            if (previous->state == RUNNING) {
                previous->state = READY;
                enqueue(&run_queue, previous);
            }
            next->state = RUNNING;
            graft_thread_preempt_pending = 0;
            if (next != previous) {
                current = next;
                graft_thread_switch(&previous->saved_sp, next->saved_sp);
            }
            return;
        }
        if (current->state == RUNNING)
            return;
        idle();
    }
}

/* Interrupts off. The running thread waits on q (deadline_ns 0: no limit);
 * returns 0 if woken, 1 if the deadline passed. */
static int32_t block_on(WaitQueue *q, uint64_t deadline_ns) {
    current->state = WAITING;
    current->waiting_on = q;
    current->wake_ns = deadline_ns;
    current->timed_out = 0;
    if (q)
        enqueue(q, current);
    if (deadline_ns)
        graft_timer_wake_at(deadline_ns);
    schedule();
    return current->timed_out;
}

static void wake_one(WaitQueue *q) {
    Thread *t = q->head;
    if (t)
        make_ready(t);
}

uint64_t graft_threads_tick(int32_t tick) {
    int32_t woke = 0;
    uint64_t nearest = wake_due(&woke);
    if ((tick || woke) && run_queue.head)
        graft_thread_preempt_pending = 1;
    return nearest;
}

void graft_thread_preempted(void) {
    if (current->state == RUNNING && run_queue.head)
        schedule();
}

/* ---- thread records and starting ---- */

/* Stacks of ended threads go back here (never the running one's). */
static void reap_done(void) {
    Thread **link = &all_threads->all_next; /* the boot thread stays first */
    while (*link) {
        Thread *t = *link;
        if (t->state == DONE && t != current) {
            *link = t->all_next;
            graft_vm_free((void *)(uintptr_t)t->stack_low, t->stack_high - t->stack_low);
            if (t->exception_state)
                graft_native_free(t->exception_state);
            graft_native_free(t);
        } else {
            link = &t->all_next;
        }
    }
}

static void *thread_exit_callback;
void RhSetThreadExitCallback(void *callback) { thread_exit_callback = callback; }

/* A new thread's first code (switch.asm's graft_thread_first_run), entered
 * with interrupts off like every switch. */
__attribute__((noreturn)) void graft_thread_main(Thread *self) {
    __asm__ volatile("sti");
    self->start(self->parameter);
    if (thread_exit_callback)
        ((void (*)(void))thread_exit_callback)();
    interrupts_off();
    self->state = DONE;
    self->static_storage = 0;
    schedule();
    graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "an ended thread was run again");
}

uint64_t RhGetDefaultStackSize(void) { return DEFAULT_STACK_SIZE; }

/* CoreLib's [UnmanagedCallersOnly] Thread.ThreadEntryPoint, which it passes
 * to SystemNative_CreateThread. Weak: a kernel that starts no thread has none. */
extern char ThreadEntryPoint[] __attribute__((weak));
void *RhGetThreadEntryPointAddress(void) { return ThreadEntryPoint; }

int32_t SystemNative_CreateThread(uintptr_t stack_size, void *(*start)(void *), void *parameter) {
    uint64_t flags = interrupts_off();
    reap_done();
    interrupts_restore(flags);
    uint64_t size = stack_size ? (stack_size + GRAFT_PAGE_SIZE - 1) & ~(uint64_t)(GRAFT_PAGE_SIZE - 1) : DEFAULT_STACK_SIZE;
    Thread *t = graft_native_alloc_zeroed(sizeof(Thread));
    char *stack = t ? graft_vm_alloc(size, GRAFT_VM_WRITE) : 0;
    if (!stack) {
        if (t)
            graft_native_free(t);
        return 0; /* CoreLib throws OutOfMemoryException */
    }
    t->stack_low = (uint64_t)(uintptr_t)stack;
    t->stack_high = t->stack_low + size;
    t->start = start;
    t->parameter = parameter;
    /* What graft_thread_switch pops: r15, r14, r13, r12 (the record), rbx,
     * rbp, RFLAGS (interrupts off), then the return address. */
    uint64_t *sp = (uint64_t *)(uintptr_t)t->stack_high;
    *--sp = 0; /* keeps the first frame's alignment */
    *--sp = (uint64_t)(uintptr_t)graft_thread_first_run;
    *--sp = 0x2;
    *--sp = 0;
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)t;
    *--sp = 0;
    *--sp = 0;
    *--sp = 0;
    t->saved_sp = (uint64_t)(uintptr_t)sp;
    flags = interrupts_off();
    t->id = next_id++;
    t->all_next = all_threads->all_next;
    all_threads->all_next = t;
    make_ready(t);
    interrupts_restore(flags);
    return 1;
}

/* CoreLib keeps Thread.Name itself and tells the OS (on Linux: UTF-8, as
 * for prctl); the kernel keeps a copy for the reports that name a thread
 * (an unhandled exception, a stack overflow), where no managed code can run. */
void RhSetCurrentThreadName(const char *name) {
    size_t n = 0;
    if (name)
        for (; name[n] && n < sizeof current->name - 1; n++)
            current->name[n] = name[n];
    current->name[n] = 0;
}

/* "thread <number> "<name>"" (or "(unnamed)"); the boot thread is thread 1. */
void graft_write_current_thread(void) {
    serial_write("thread ");
    serial_write_dec(current->id);
    if (current->name[0]) {
        serial_write(" \"");
        serial_write(current->name);
        serial_write("\"");
    } else {
        serial_write(current == &boot_thread ? " (the boot thread)" : " (unnamed)");
    }
}

/* The thread pool's starvation and hill-climbing input: the share of CPU time
 * the process used since the last call. The one CPU runs nothing but this
 * kernel, so everything since then was ours. */
typedef struct ProcessCpuInformation {
    uint64_t last_current_time, last_user_time, last_kernel_time;
} ProcessCpuInformation;

int32_t SystemNative_GetCpuUtilization(ProcessCpuInformation *previous) {
    uint64_t now = graft_time_ns();
    int32_t utilization = previous->last_current_time ? 100 : 0; /* nothing to compare the first time */
    previous->last_user_time += now - previous->last_current_time;
    previous->last_current_time = now;
    return utilization;
}

/* ---- per-thread answers ---- */

void **RhGetThreadStaticStorage(void) { return &current->static_storage; }

int32_t RhGetProcessCpuCount(void) { return 1; }

uint64_t RhCurrentOSThreadId(void) { return current->id; }

void RhSpinWait(int32_t iterations) {
    for (int32_t i = 0; i < iterations; i++)
        __asm__ volatile("pause");
}

int32_t RhYield(void) {
    uint64_t flags = interrupts_off();
    int32_t others = run_queue.head != 0;
    if (others)
        schedule();
    interrupts_restore(flags);
    return others;
}

static int32_t do_not_trigger_gc;
int32_t RhpSetThreadDoNotTriggerGC(int32_t value) {
    int32_t old = do_not_trigger_gc;
    do_not_trigger_gc = value;
    return old;
}

/* The boot thread's stack is the managed stack core/startup.c allocates: a
 * virtual range right above its guard page (graft_stack_guard). Its top is
 * the first unmapped page above that: every virtual range has an unmapped
 * guard page below it, so the next range cannot continue this one. Found once. */
static void boot_stack_bounds(void) {
    if (boot_thread.stack_high)
        return;
    if (!graft_stack_guard)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "RhGetCurrentThreadStackBounds before the managed stack exists");
    uint64_t top = graft_stack_guard + GRAFT_PAGE_SIZE;
    while (graft_vm_is_mapped(top))
        top += GRAFT_PAGE_SIZE;
    boot_thread.stack_low = graft_stack_guard + GRAFT_PAGE_SIZE;
    boot_thread.stack_high = top;
}

void RhGetCurrentThreadStackBounds(uint64_t *low, uint64_t *high) {
    if (current == &boot_thread)
        boot_stack_bounds();
    *low = current->stack_low;
    *high = current->stack_high;
}

/* ---- the exception dispatcher's view ---- */

void **graft_thread_exception_state(void) { return &current->exception_state; }

void graft_threads_each_exception_state(void (*visit)(void *state, void (*report)(struct Object *)),
                                        void (*report)(struct Object *)) {
    for (Thread *t = all_threads; t; t = t->all_next)
        if (t->state != DONE && t->exception_state)
            visit(t->exception_state, report);
}

/* ---- the collector's view ---- */

/* 0 on the boot thread: the collector knows its stack's top itself. */
uint64_t graft_thread_stack_top(void) { return current == &boot_thread ? 0 : current->stack_high; }

void graft_threads_mark_roots(void (*stack_range)(uint64_t low, uint64_t high), void (*object)(struct Object *)) {
    for (Thread *t = all_threads; t; t = t->all_next) {
        if (t->state == DONE)
            continue;
        if (t->static_storage)
            object((Object *)t->static_storage);
        if (t == current)
            continue;
        uint64_t high = t->stack_high;
        if (t == &boot_thread) {
            boot_stack_bounds();
            high = boot_thread.stack_high;
        }
        stack_range(t->saved_sp, high);
    }
}

/* ---- low-level monitors: a lock and one condition ---- */

typedef struct LowLevelMonitor {
    Thread *owner;
    WaitQueue lockers;  /* waiting to acquire */
    WaitQueue waiters;  /* in Wait/TimedWait, until signalled */
} LowLevelMonitor;

LowLevelMonitor *SystemNative_LowLevelMonitor_Create(void) {
    LowLevelMonitor *monitor = graft_native_alloc_zeroed(sizeof(LowLevelMonitor));
    if (!monitor)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory for a low-level monitor");
    return monitor;
}

void SystemNative_LowLevelMonitor_Destroy(LowLevelMonitor *monitor) { graft_native_free(monitor); }

static void acquire(LowLevelMonitor *monitor) {
    if (monitor->owner == current)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "deadlock: a thread acquired a low-level monitor it holds");
    while (monitor->owner)
        block_on(&monitor->lockers, 0);
    monitor->owner = current;
}

static void release(LowLevelMonitor *monitor) {
    monitor->owner = 0;
    wake_one(&monitor->lockers);
}

void SystemNative_LowLevelMonitor_Acquire(LowLevelMonitor *monitor) {
    uint64_t flags = interrupts_off();
    acquire(monitor);
    interrupts_restore(flags);
}

void SystemNative_LowLevelMonitor_Release(LowLevelMonitor *monitor) {
    uint64_t flags = interrupts_off();
    release(monitor);
    interrupts_restore(flags);
}

void SystemNative_LowLevelMonitor_Signal_Release(LowLevelMonitor *monitor) {
    uint64_t flags = interrupts_off();
    wake_one(&monitor->waiters);
    release(monitor);
    interrupts_restore(flags);
}

/* Releases, waits to be signalled (or the deadline), acquires again. */
static int32_t wait(LowLevelMonitor *monitor, uint64_t deadline_ns) {
    uint64_t flags = interrupts_off();
    if (!run_queue.head && !deadline_ns && !monitor->lockers.head && all_threads->all_next == 0)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "deadlock: the only thread waits on a monitor nobody can signal");
    release(monitor);
    int32_t timed_out = block_on(&monitor->waiters, deadline_ns);
    acquire(monitor);
    interrupts_restore(flags);
    return timed_out;
}

void SystemNative_LowLevelMonitor_Wait(LowLevelMonitor *monitor) { wait(monitor, 0); }

/* True if signalled, false if the timeout passed (Thread.Sleep's waits). */
int32_t SystemNative_LowLevelMonitor_TimedWait(LowLevelMonitor *monitor, int32_t timeout_ms) {
    uint64_t ms = timeout_ms < 0 ? 0 : (uint64_t)timeout_ms;
    return !wait(monitor, graft_time_ns() + ms * 1000000u + 1);
}

/* ---- a snapshot for Graft.Kernel's Threads.List (Threads.cs reads this layout) ---- */

typedef struct ThreadInfo {
    uint64_t id;
    int32_t state;          /* 0 ready, 1 running, 2 waiting */
    int32_t timed;          /* waiting with a deadline (Sleep, a timed wait) */
    uint64_t wake_in_ns;    /* a timed wait's time to its deadline, 0 if due or none */
    uint64_t stack_bytes;   /* the stack's size, its guard page not counted */
    uint64_t stack_used;    /* from its top down to the thread's stack pointer */
} ThreadInfo;

/* Export: copies up to `capacity` live threads (ended ones left out; the boot
 * thread first, the others newest first) and returns how many live threads
 * there are (more than `capacity`: the caller's buffer was short). */
int32_t graft_threads_snapshot(ThreadInfo *out, int32_t capacity) {
    uint64_t flags = interrupts_off();
    boot_stack_bounds();
    uint64_t sp, now = graft_time_ns();
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    int32_t count = 0;
    for (Thread *t = all_threads; t; t = t->all_next) {
        if (t->state == DONE)
            continue;
        if (count < capacity) {
            ThreadInfo *info = &out[count];
            info->id = t->id;
            info->state = t->state == READY ? 0 : t->state == RUNNING ? 1 : 2;
            info->timed = t->state == WAITING && t->wake_ns != 0;
            info->wake_in_ns = info->timed && t->wake_ns > now ? t->wake_ns - now : 0;
            info->stack_bytes = t->stack_high - t->stack_low;
            info->stack_used = t->stack_high - (t == current ? sp : t->saved_sp);
        }
        count++;
    }
    interrupts_restore(flags);
    return count;
}
