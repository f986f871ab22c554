/* Graft's kernel runtime: what the files of sdk/runtime share.
 *
 * The runtime is the native surface that NativeAOT's System.Private.CoreLib
 * expects from its native runtime (libRuntime on Linux), written for one core,
 * ring 0, identity-mapped memory and no garbage collector yet. It was written
 * for the NativeAOT ILCompiler 10.0 (see README.md): MethodTable, TypeManager,
 * ReadyToRun header and dispatch-cell layouts are CoreLib internals.
 *
 * Each subsystem has a folder (README.md maps every exported symbol to its
 * file); this header declares what the files call across folders.
 */
#ifndef GRAFT_RUNTIME_H
#define GRAFT_RUNTIME_H

#include "graft_boot.h"

/* Exit codes written to the isa-debug-exit port when the kernel stops on its
 * own (QEMU then exits with (code << 1) | 1; `graft run` exits with the code).
 * QEMU's status is 8 bits, so a code is 7 bits; `graft run` itself uses 124
 * (time limit) and 125 (reset without a code), so these avoid both. Main's
 * return value is the other way out; keep these out of the range a Main
 * normally returns. */
#define GRAFT_EXIT_FAULT          0x7F /* 127, QEMU 255: CPU exception (IDT) */
#define GRAFT_EXIT_UNIMPLEMENTED  0x7E /* 126, QEMU 253: a runtime service is not implemented */
#define GRAFT_EXIT_FAILFAST       0x7B /* 123, QEMU 247: FailFast, abort, managed exception thrown */
#define GRAFT_EXIT_RUNTIME_ERROR  0x7A /* 122, QEMU 245: out of memory, bad module, table full */

/* ---- stopping (core/panic.c) ---- */
/* Prints "graft: <message>" then stops the machine with `code`. */
__attribute__((noreturn)) void graft_panic(uint32_t code, const char *message);
/* Prints "graft: <symbol> is not implemented" and stops with
 * GRAFT_EXIT_UNIMPLEMENTED. */
__attribute__((noreturn)) void graft_not_implemented(const char *symbol);

/* ---- start-up (core/startup.c) ---- */
/* CoreLib's functions by ClassLibFunctionId, as passed to InitializeModules. */
extern void *graft_classlib_functions[];
extern const int graft_classlib_function_count;

/* ---- memory (memory/frames.c, paging.c, native.c): page frames, page
 * tables and virtual ranges, native blocks ---- */
#include "memory/memory.h"

/* ---- the runtime's blocks (memory/heap.c) ---- */
/* Zeroed memory that is never freed, `align` a power of two; never fails
 * (stops the kernel when memory runs out). Objects: gc/. */
void *graft_heap_alloc(uint64_t size, uint64_t align);
uint64_t graft_heap_used(void);
uint64_t graft_heap_size(void);

/* ---- the managed heap and the collector (gc/) ---- */
struct Object; /* CoreLib's object layout, below */
/* On the managed stack before any managed code runs (core/startup.c): the
 * collector scans the stack from the current SP up to this call's frame. */
void graft_gc_init(void);
/* An unhandled exception (exceptions/): an OutOfMemoryException prints the
 * heap figures. */
void graft_gc_note_unhandled(struct Object *exception);
/* Prints "graft: heap: size ..., live ..., collections ..." (Graft.Kernel's Heap.Print). */
void graft_heap_print_figures(void);

/* ---- threads (threads/threads.c) ---- */
/* Each timer interrupt (tick: 1 at a scheduling tick, 0 at a deadline only):
 * wakes due timed waits, asks for a switch to a woken thread, or at a tick to
 * any ready one; returns the nearest deadline still ahead (0 none). */
uint64_t graft_threads_tick(int32_t tick);
/* The collector: every live thread's statics; every stopped thread's stack
 * from its saved SP. graft_thread_stack_top: the running thread's stack top,
 * 0 on the boot thread (gc_collect.c knows that one). */
void graft_threads_mark_roots(void (*stack_range)(uint64_t low, uint64_t high), void (*object)(struct Object *));
uint64_t graft_thread_stack_top(void);
/* The running thread's slot for the exception dispatcher's state (NULL until
 * its first throw; freed with the thread), and every live thread's state. */
void **graft_thread_exception_state(void);
void graft_threads_each_exception_state(void (*visit)(void *state, void (*report)(struct Object *)),
                                        void (*report)(struct Object *));
/* For reports: "thread <number> "<Thread.Name>"" of the running thread. */
void graft_write_current_thread(void);

/* ---- CPU exceptions (interrupts/idt.c) ---- */
void graft_idt_init(void);
/* After graft_paging_init: the fault stacks' guard pages become not present. */
void graft_idt_guard_stacks(void);
/* One IDT entry (a 64-bit interrupt gate; ist 0: the current stack). */
void graft_idt_set_gate(int vector, uint64_t handler, int ist);
/* The top of IST stack `ist` (1-7) in the TSS. */
void graft_idt_set_stack(int ist, uint64_t top);

/* ---- interrupts (interrupts/irq.c, timer.c; interrupts/irq.h: handlers) ---- */
/* After the native allocator: PIC, APICs (ACPI MADT), the timer, then sti. */
void graft_interrupts_init(uint64_t boot_info);
/* The vector whose handler runs, -1 outside handlers; its name for reports
 * (" (IRQ 1)", "" when it has none). */
int32_t graft_interrupt_current_vector(void);
const char *graft_interrupt_vector_name(int32_t vector);
/* Halts the CPU until the next interrupt (spins when interrupts are off). */
void graft_idle(void);
/* graft_idle unless ready() is true, checked with interrupts off so that an
 * interrupt between the check and the hlt cannot be missed. */
void graft_idle_unless(int32_t (*ready)(void));
/* Interrupts off (threads/threads.c): a timed wait began, the timer fires by
 * deadline_ns; graft_timer_idle: nothing is ready, so halt (unless ready())
 * with only the nearest deadline armed (0: none), no ticks. */
void graft_timer_wake_at(uint64_t deadline_ns);
void graft_timer_idle(uint64_t deadline_ns, int32_t (*ready)(void));

/* ---- console input (interop/console.c) ---- */
/* After graft_interrupts_init: COM1's receive interrupt (IRQ 4) wakes a waiting reader. */
void graft_console_input_init(void);

/* ---- the PS/2 keyboard (drivers/ps2_keyboard.c) ---- */
void graft_keyboard_init(void);
int32_t graft_keyboard_available(void);
/* The next byte the keyboard queued (terminal bytes), -1 if none. */
int32_t graft_keyboard_read(void);

/* ---- managed exceptions (exceptions/exception_dispatch.c) ---- */
/* A CPU fault in managed code becomes the managed exception CoreLib makes for
 * `exception_id` (its ExceptionIDs) and is dispatched from rip; `saved` holds
 * rbx, rbp, r12-r15. Returns 0 when rip is not managed code. */
int graft_fault_to_exception(int32_t exception_id, uint64_t rip, uint64_t rsp, const uint64_t saved[6]);

/* The exceptions that running catch funclets hold (for `throw;`): roots
 * for the collector, given to `report` one by one. */
void graft_exception_roots(void (*report)(struct Object *exception));

/* ---- crash reports (exceptions/stack_report.c) ---- */
/* Prints "[0x<hex>]", the form graft run and graft symbolize name (the
 * address of the instruction a frame executes; README.md, "Crash reports"). */
void graft_write_code_address(uint64_t pc);
/* The fault report's stack walk: one "  at [0x...]" line per frame, from
 * the faulting rip and the registers in DWARF order (rax rdx rcx rbx rsi rdi
 * rbp rsp r8-r15). */
void graft_print_stack(uint64_t rip, const uint64_t reg[16]);
/* Writes CoreLib's text (an unhandled exception, a fail-fast), each stack
 * trace line followed by its frame's address. */
void graft_write_trace_text(const char *text);

/* ---- time (time/tsc.c, time/cmos.c) ---- */
static inline uint64_t graft_rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
/* Calibrates the TSC against the PIT once (10 ms); the others call it. */
void graft_time_init(void);
/* Nanoseconds since calibration (monotonic). */
uint64_t graft_time_ns(void);
uint64_t graft_tsc_hz(void);
/* The CMOS clock as seconds since 1970 (0 when it reads as nonsense). */
uint64_t graft_rtc_unix_seconds(void);
/* The wall clock: 100 ns ticks since 1970 (the RTC once, then the TSC). */
uint64_t graft_time_unix_ticks(void);

/* ---- libc (interop/libc.c) ---- */
void *memset(void *dst, int value, size_t size);
void *memcpy(void *dst, const void *src, size_t size);
void *memmove(void *dst, const void *src, size_t size);

/* ---- CoreLib's layouts (NativeAOT 10.0) ---- */

/* The start of every MethodTable: flags (component size in the low 16 bits
 * for arrays and strings), base size, ... */
typedef struct MethodTable {
    uint16_t component_size;
    uint16_t flags;
    uint32_t base_size;
} MethodTable;

/* An object: its MethodTable pointer, then fields; arrays and strings have a
 * 32-bit length right after it. */
typedef struct Object {
    MethodTable *method_table;
} Object;

#define GRAFT_OBJECT_ALIGN 8u

#endif
