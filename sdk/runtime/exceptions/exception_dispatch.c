/* Exception dispatch, done natively: two passes over the managed frames
 * (stepped by the .eh_frame unwinder, unwind.c) and ILC's EH clauses (the
 * LSDA each FDE points at), calling the catch, filter and finally funclets
 * ILC compiled (through exceptions.asm).
 *
 * First pass: from the throw site up, the first typed clause whose type the
 * exception is an instance of (walking base types), or filter that accepts
 * it. Second pass: the finally (fault) clauses between the throw site and
 * that clause run, innermost first; then the catch funclet runs and execution
 * resumes where it says, with the catching frame's registers and stack.
 * An exception escaping a catch or finally funclet continues in the
 * funclet's parent frame after the clause that ran it; one escaping a filter
 * makes the filter false (as on .NET): the finally clauses inside the filter
 * run and the filter's call returns 0, so the search goes on with the next
 * clause. No handler: CoreLib's RuntimeFailFast prints
 * "Unhandled exception. <type>: <message>" and stops (exit 0x7B).
 *
 * Each managed frame the first pass visits goes to CoreLib's
 * AppendExceptionStackFrame, so Exception.StackTrace and the unhandled
 * report name the methods (ILC's --stacktracedata); stack_report.c
 * remembers them too, to print each trace line's address for the host.
 *
 * An exception reaching a native frame that managed code called (a C#
 * [UnmanagedCallersOnly] callback called from C, throwing into its caller)
 * cannot cross it: as on .NET, a fail-fast, the report first saying that it
 * escaped into native code and naming the managed frames beyond it.
 *
 * Not done: first-chance notifications, a stack overflow as an exception.
 *
 * Exports:
 *   graft_throw                          called by RhpThrowEx/RhpRethrow (exceptions.asm)
 *   graft_fault_to_exception             called by the IDT (interrupts/idt.c) for #PF near 0 and #DE
 *   graft_stack_trace                    RhpGetCurrentThreadStackTrace's walk (exceptions.asm)
 *   RhFindMethodStartAddress             the method (not funclet) start of a code address
 *   RhpFallbackFailFast                  stop
 *   RhCreateCrashDumpIfEnabled           no crash dumps: returns
 *   RhGetCrashInfoBuffer                 a buffer FailFast writes its crash report into
 *   RhpCallCatchFunclet, RhpCallFilterFunclet, RhpCallFinallyFunclet,
 *   RhpEHEnumInitFromStackFrameIterator, RhpEHEnumNext, RhpSfiInit, RhpSfiNext,
 *   RhpGetThreadAbortException           stubs: CoreLib's managed dispatcher (RhThrowEx)
 *                                        is not used
 */
#include "unwind.h"

/* ---- ILC's EH clauses (the LSDA) ---- */

#define UBF_FUNC_KIND_MASK 0x03
#define UBF_FUNC_KIND_ROOT 0x00
#define UBF_FUNC_HAS_EHINFO 0x04
#define UBF_FUNC_HAS_ASSOCIATED_DATA 0x10

enum { CLAUSE_TYPED = 0, CLAUSE_FAULT = 1, CLAUSE_FILTER = 2 };

typedef struct Clause {
    uint32_t kind, try_start, try_end;
    uint64_t handler, filter;
    MethodTable *type;
} Clause;

typedef struct Method {
    uint64_t start;         /* the main method's start (funclets included) */
    const uint8_t *eh_info; /* NULL: no clauses */
    uint32_t clause_count;
} Method;

/* NativeFormat unsigned: the low bits of the first byte give the length. */
static uint32_t read_unsigned(const uint8_t **pp) {
    const uint8_t *p = *pp;
    uint32_t v;
    if (!(p[0] & 1)) { v = p[0] >> 1; *pp += 1; }
    else if (!(p[0] & 2)) { v = ((uint32_t)p[0] | (uint32_t)p[1] << 8) >> 2; *pp += 2; }
    else if (!(p[0] & 4)) { v = ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16) >> 3; *pp += 3; }
    else if (!(p[0] & 8)) { v = *(const uint32_t *)p >> 4; *pp += 4; }
    else { v = *(const uint32_t *)(p + 1); *pp += 5; }
    return v;
}

static int method_of(uint64_t pc, Method *m) {
    Fde fde;
    if (!graft_find_fde(pc, &fde) || !fde.lsda)
        return 0;
    const uint8_t *p = fde.lsda;
    uint8_t flags = *p++;
    const uint8_t *main_lsda = fde.lsda;
    m->start = fde.start;
    if ((flags & UBF_FUNC_KIND_MASK) != UBF_FUNC_KIND_ROOT) {
        main_lsda = p + *(const int32_t *)p;
        p += 4;
        m->start = fde.start - (uint64_t)(int64_t)*(const int32_t *)p;
    }
    p = main_lsda;
    flags = *p++;
    if (flags & UBF_FUNC_HAS_ASSOCIATED_DATA)
        p += 4;
    m->eh_info = 0;
    m->clause_count = 0;
    if (flags & UBF_FUNC_HAS_EHINFO) {
        m->eh_info = p + *(const int32_t *)p;
        m->clause_count = read_unsigned(&m->eh_info);
    }
    return 1;
}

static void next_clause(const uint8_t **p, uint64_t method_start, Clause *c) {
    c->try_start = read_unsigned(p);
    uint32_t length_and_kind = read_unsigned(p);
    c->kind = length_and_kind & 3;
    c->try_end = c->try_start + (length_and_kind >> 2);
    c->handler = c->filter = 0;
    c->type = 0;
    switch (c->kind) {
    case CLAUSE_TYPED:
        c->handler = method_start + read_unsigned(p);
        c->type = (MethodTable *)(*p + *(const int32_t *)*p);
        *p += 4;
        break;
    case CLAUSE_FAULT:
        c->handler = method_start + read_unsigned(p);
        break;
    case CLAUSE_FILTER:
        c->handler = method_start + read_unsigned(p);
        c->filter = method_start + read_unsigned(p);
        break;
    default:
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "exception dispatch: unknown EH clause kind");
    }
}

/* ---- dispatch ---- */

extern uint64_t graft_call_funclet(uint64_t funclet, uint64_t *regs, Object *arg);
extern char graft_funclet_return[];
extern __attribute__((noreturn)) void graft_resume(uint64_t *regs, uint64_t rsp, uint64_t rip);

typedef struct ThrowContext {
    uint64_t rip, rsp, rbx, rbp, r12, r13, r14, r15;
} ThrowContext;

/* A funclet the dispatcher is running: the frame that owns it and the
 * clause, so that an exception leaving the funclet continues in that frame
 * after the clause; for catch funclets, the exception (for `throw;`). */
typedef struct Active {
    Frame frame;
    uint32_t clause;
    int filter;         /* a filter funclet: an exception leaving it makes it false */
    Object *exception;
    uint64_t dispatcher_rsp;
} Active;

/* Each thread's running funclets (threads are preempted inside funclets,
 * which are managed code, so every thread keeps its own): allocated at the
 * thread's first dispatch, kept in its record (graft_thread_exception_state),
 * freed with the record. */
#define MAX_ACTIVE 64
typedef struct DispatchState {
    int active_count;
    Active active[MAX_ACTIVE];
} DispatchState;

static DispatchState *this_thread(void) {
    void **slot = graft_thread_exception_state();
    if (!*slot && !(*slot = graft_native_alloc_zeroed(sizeof(DispatchState))))
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "exception dispatch: out of memory for a thread's dispatch state");
    return *slot;
}

static void report_roots_of(void *state, void (*report)(Object *exception)) {
    DispatchState *d = state;
    for (int i = 0; i < d->active_count; i++)
        report(d->active[i].exception);
}

void graft_exception_roots(void (*report)(Object *exception)) {
    graft_threads_each_exception_state(report_roots_of, report);
}

static void regs_from_frame(const Frame *f, uint64_t regs[6]) {
    regs[0] = f->reg[3]; regs[1] = f->reg[6]; regs[2] = f->reg[12];
    regs[3] = f->reg[13]; regs[4] = f->reg[14]; regs[5] = f->reg[15];
}

static void regs_to_frame(Frame *f, const uint64_t regs[6]) {
    f->reg[3] = regs[0]; f->reg[6] = regs[1]; f->reg[12] = regs[2];
    f->reg[13] = regs[3]; f->reg[14] = regs[4]; f->reg[15] = regs[5];
}

/* Runs the funclet of `frame`'s clause number `clause` with the frame's
 * callee-saved registers (regs receives them as the funclet left them),
 * recorded as active so that an exception leaving it continues in `frame`
 * after that clause. `caught` is the exception a catch funclet handles (for
 * `throw;`), `dispatcher_rsp` the dispatcher's frame (a catch that resumes
 * abandons the records of dispatchers below its frame). The caller removes
 * the record when the funclet returns, except for a catch: graft_resume
 * then leaves the dispatcher for good. */
static uint64_t run_funclet(DispatchState *d, const Frame *frame, uint32_t clause, uint64_t funclet, Object *arg,
                            Object *caught, uint64_t dispatcher_rsp, uint64_t regs[6], int filter) {
    if (d->active_count == MAX_ACTIVE)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "exception dispatch: funclets nested too deeply");
    Active *a = &d->active[d->active_count++];
    a->frame = *frame;
    a->clause = clause;
    a->filter = filter;
    a->exception = caught;
    a->dispatcher_rsp = dispatcher_rsp;
    regs_from_frame(frame, regs);
    return graft_call_funclet(funclet, regs, arg);
}

/* A frame from what the throw helpers capture (exceptions.asm) or from a
 * fault's saved registers: rip, rsp and the callee-saved registers (rbx,
 * rbp, r12-r15), nothing else known. */
static Frame frame_at(uint64_t rip, uint64_t rsp, const uint64_t saved[6]) {
    Frame f;
    memset(&f, 0, sizeof f);
    f.rip = rip;
    f.reg[7] = rsp;
    regs_to_frame(&f, saved);
    return f;
}

static Frame frame_at_throw(const ThrowContext *ctx) {
    const uint64_t saved[6] = {ctx->rbx, ctx->rbp, ctx->r12, ctx->r13, ctx->r14, ctx->r15};
    return frame_at(ctx->rip, ctx->rsp, saved);
}

/* The type test of a typed clause: the exception's type or a base type. */
static int is_instance(Object *ex, MethodTable *type) {
    for (MethodTable *t = ex->method_table; t; t = *(MethodTable **)((char *)t + 8))
        if (t == type)
            return 1;
    return 0;
}

/* Steps to the next frame to search: the caller, or, for a funclet the
 * dispatcher called, the funclet's parent frame (then *skip_through is the
 * clause that ran it). Returns 0 at the end of managed frames, and
 * FILTER_BOUNDARY when the frame is a filter funclet's return into the
 * dispatcher that called it (*active_index: that filter's record; *f: the
 * registers at that return). */
#define FILTER_BOUNDARY 2
static int step(const DispatchState *d, Frame *f, int64_t *skip_through, int *active_index) {
    if (!graft_unwind(f))
        return 0;
    *skip_through = -1;
    if (f->rip == (uint64_t)(uintptr_t)graft_funclet_return) {
        if (*active_index <= 0)
            return 0;
        const Active *a = &d->active[--*active_index];
        if (a->filter)
            return FILTER_BOUNDARY;
        *f = a->frame;
        *skip_through = a->clause;
    }
    return 1;
}

extern char RuntimeFailFast[], AppendExceptionStackFrame[];
typedef void (*AppendFn)(Object *exception, uint64_t ip, int32_t flags);
#define RH_EH_FIRST_FRAME 1
#define RH_EH_FIRST_RETHROW_FRAME 2

typedef void (*RuntimeFailFastFn)(int32_t reason, Object *exception, void *address, void *context);

extern uint64_t gc_stack_top; /* the top of the managed stack (gc/gc_collect.c) */

/* `native`: the frame the walk ended in, when it is native code (NULL: the
 * end of the unwind information). An exception reaching native code that
 * managed code called (a C# callback called from C) stops there too: the
 * native frames cannot be unwound and no handler beyond them may run; on
 * .NET that is the same fail-fast as an unhandled exception, and the report
 * says so first. */
static __attribute__((noreturn)) void unhandled(Object *ex, uint64_t rip, const Frame *native) {
    uint64_t stack_top = graft_thread_stack_top(); /* 0 on the boot thread */
    if (native)
        graft_report_native_caller(native, stack_top ? stack_top : gc_stack_top);
    /* .NET ends the process whichever thread it was; the kernel says which. */
    if (stack_top) {
        serial_write("graft: an unhandled exception on ");
        graft_write_current_thread();
        serial_write(" ends the kernel:\n");
    }
    /* CoreLib prints "Unhandled exception. <type>: <message>" and the stack
     * trace (each frame with its address: stack_report.c), and aborts. */
    graft_trace_report(ex);
    graft_gc_note_unhandled(ex);
    ((RuntimeFailFastFn)(void *)RuntimeFailFast)(2 /* RhFailFastReason.UnhandledException */, ex, (void *)(uintptr_t)rip, 0);
    graft_panic(GRAFT_EXIT_FAILFAST, "unhandled managed exception");
}

static __attribute__((noreturn)) void dispatch(Object *ex, Frame start, int32_t first_frame_flags);

extern char __managedcode_start[], __managedcode_end[];
static int is_managed_code(uint64_t pc) {
    return pc >= (uint64_t)(uintptr_t)__managedcode_start && pc < (uint64_t)(uintptr_t)__managedcode_end;
}

__attribute__((noreturn)) void graft_throw(Object *ex, const ThrowContext *ctx) {
    int32_t first_frame_flags = ex ? RH_EH_FIRST_FRAME : RH_EH_FIRST_RETHROW_FRAME;
    if (!ex) { /* throw; : the exception of the innermost running catch */
        const DispatchState *d = this_thread();
        for (int i = d->active_count - 1; i >= 0 && !ex; i--)
            ex = d->active[i].exception;
        if (!ex)
            graft_panic(GRAFT_EXIT_FAILFAST, "rethrow outside a catch");
    }
    dispatch(ex, frame_at_throw(ctx), first_frame_flags);
}

/* CPU faults in managed code as exceptions (interrupts/idt.c): CoreLib makes the
 * exception object (classlib GetRuntimeException), dispatch starts at the
 * faulting instruction. Returns 0 (and the fault is reported as a fault)
 * when rip is not managed code. */
extern char GetRuntimeException[];
typedef Object *(*GetRuntimeExceptionFn)(int32_t id);

int graft_fault_to_exception(int32_t exception_id, uint64_t rip, uint64_t rsp, const uint64_t saved[6]) {
    if (!is_managed_code(rip))
        return 0;
    Frame start = frame_at(rip, rsp, saved);
    start.fault = 1;
    Object *ex = ((GetRuntimeExceptionFn)(void *)GetRuntimeException)(exception_id);
    dispatch(ex, start, RH_EH_FIRST_FRAME);
}

static __attribute__((noreturn)) void dispatch(Object *ex, Frame start, int32_t first_frame_flags) {
    uint64_t dispatcher_rsp = (uint64_t)(uintptr_t)__builtin_frame_address(0);
    uint64_t regs[6];
    DispatchState *d = this_thread();

    /* First pass: find the handler. */
    Frame f = start, target = {0};
    int64_t skip = -1;
    int search_active = d->active_count;
    uint32_t target_clause = 0;
    Clause clause, catch_clause;
    int found = 0;
    int32_t append_flags = first_frame_flags;
    for (;;) {
        Method m;
        int managed = method_of(graft_frame_pc(&f), &m);
        if (managed) {
            graft_trace_note(ex, f.rip, (int)f.fault, append_flags & RH_EH_FIRST_FRAME);
            ((AppendFn)(void *)AppendExceptionStackFrame)(ex, f.rip, append_flags);
            append_flags = 0;
        }
        if (managed && m.eh_info) {
            uint32_t offset = (uint32_t)(graft_frame_pc(&f) - m.start);
            const uint8_t *p = m.eh_info;
            for (uint32_t i = 0; i < m.clause_count && !found; i++) {
                next_clause(&p, m.start, &clause);
                if ((int64_t)i <= skip || offset < clause.try_start || offset >= clause.try_end)
                    continue;
                if (clause.kind == CLAUSE_TYPED && is_instance(ex, clause.type))
                    found = 1;
                else if (clause.kind == CLAUSE_FILTER) {
                    /* An exception leaving the filter returns 0 here (the
                     * FILTER_BOUNDARY case below, in that exception's dispatch). */
                    found = (uint32_t)run_funclet(d, &f, i, clause.filter, ex, 0, dispatcher_rsp, regs, 1) != 0;
                    d->active_count--;
                }
                if (found) {
                    target = f;
                    target_clause = i;
                    catch_clause = clause;
                }
            }
            if (found)
                break;
        }
        int stepped = step(d, &f, &skip, &search_active);
        if (stepped == FILTER_BOUNDARY)
            break; /* no handler inside the filter: the filter is false */
        if (!stepped)
            unhandled(ex, start.rip, 0);
        if (!is_managed_code(graft_frame_pc(&f)))
            unhandled(ex, start.rip, &f); /* a native caller: the exception cannot cross it */
    }
    int filter_false = !found;

    /* Second pass: run the finally clauses up to the handler. */
    f = start;
    skip = -1;
    int walk_active = d->active_count;
    for (;;) {
        int is_target = f.reg[7] == target.reg[7] && f.rip == target.rip;
        Method m;
        if (method_of(graft_frame_pc(&f), &m) && m.eh_info) {
            uint32_t offset = (uint32_t)(graft_frame_pc(&f) - m.start);
            const uint8_t *p = m.eh_info;
            for (uint32_t i = 0; i < m.clause_count; i++) {
                next_clause(&p, m.start, &clause);
                if (is_target && i >= target_clause)
                    break;
                if ((int64_t)i <= skip || clause.kind != CLAUSE_FAULT ||
                    offset < clause.try_start || offset >= clause.try_end)
                    continue;
                run_funclet(d, &f, i, clause.handler, 0, 0, dispatcher_rsp, regs, 0);
                d->active_count--;
                regs_to_frame(&f, regs);
            }
        }
        if (is_target)
            break;
        int stepped = step(d, &f, &skip, &walk_active);
        if (stepped == FILTER_BOUNDARY && filter_false) {
            /* Return 0 from the filter's graft_call_funclet, with the
             * registers its funclet would have returned with; funclets
             * started inside the filter are abandoned. */
            d->active_count = walk_active + 1;
            regs_from_frame(&f, regs);
            graft_resume(regs, f.reg[7], (uint64_t)(uintptr_t)graft_funclet_return);
        }
        if (stepped != 1)
            graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "exception dispatch: lost the handler's frame in the second pass");
    }

    /* The catch: run it, then continue where it says in its frame. */
    uint64_t resume = run_funclet(d, &target, target_clause, catch_clause.handler, ex, ex, dispatcher_rsp, regs, 0);
    /* Funclets still running below the resumed frame are abandoned. */
    uint64_t resume_rsp = target.reg[7];
    while (d->active_count > 0 && d->active[d->active_count - 1].dispatcher_rsp < resume_rsp)
        d->active_count--;
    graft_resume(regs, resume_rsp, resume);
}

/* The managed frames above the caller of RhpGetCurrentThreadStackTrace
 * (those whose stack pointer is above `address`): their return addresses,
 * or minus their count when the buffer is too small. */
int32_t graft_stack_trace(const ThrowContext *ctx, uint64_t *buffer, uint32_t length, uint64_t address) {
    Frame f = frame_at_throw(ctx);
    uint32_t count = 0;
    do {
        Method m;
        if (f.reg[7] > address && method_of(graft_frame_pc(&f), &m)) {
            if (count < length)
                buffer[count] = f.rip;
            count++;
        }
    } while (graft_unwind(&f));
    if (count <= length)
        graft_trace_capture(buffer, count);
    return count <= length ? (int32_t)count : -(int32_t)count;
}

void *RhFindMethodStartAddress(void *address) {
    Method m;
    uint64_t pc = (uint64_t)(uintptr_t)address;
    if (method_of(pc, &m) || method_of(pc - 1, &m))
        return (void *)(uintptr_t)m.start;
    return 0;
}

void RhpFallbackFailFast(void) {
    serial_write("\ngraft: fail-fast (RhpFallbackFailFast) called from ");
    serial_write_hex((uint64_t)(uintptr_t)__builtin_return_address(0));
    serial_write("\n");
    debug_exit(GRAFT_EXIT_FAILFAST);
}

void RhCreateCrashDumpIfEnabled(void) {}

static uint8_t crash_info[4096];

uint8_t *RhGetCrashInfoBuffer(int32_t *max_size) {
    *max_size = (int32_t)sizeof crash_info;
    return crash_info;
}

void RhpGetThreadAbortException(void) { graft_not_implemented("RhpGetThreadAbortException"); }
void RhpCallCatchFunclet(void) { graft_not_implemented("RhpCallCatchFunclet (CoreLib's managed exception dispatch)"); }
void RhpCallFilterFunclet(void) { graft_not_implemented("RhpCallFilterFunclet (CoreLib's managed exception dispatch)"); }
void RhpCallFinallyFunclet(void) { graft_not_implemented("RhpCallFinallyFunclet (CoreLib's managed exception dispatch)"); }
void RhpEHEnumInitFromStackFrameIterator(void) { graft_not_implemented("RhpEHEnumInitFromStackFrameIterator (CoreLib's managed exception dispatch)"); }
void RhpEHEnumNext(void) { graft_not_implemented("RhpEHEnumNext (CoreLib's managed exception dispatch)"); }
void RhpSfiInit(void) { graft_not_implemented("RhpSfiInit (CoreLib's stack frame iterator)"); }
void RhpSfiNext(void) { graft_not_implemented("RhpSfiNext (CoreLib's stack frame iterator)"); }
