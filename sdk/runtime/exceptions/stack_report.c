/* Crash reports a host can symbolise: the code addresses of a fault's stack
 * and of a managed stack trace, printed in the one form `graft run` and
 * `graft symbolize` look for (rust/graft-stages/src/symbolize.rs; README.md,
 * "Crash reports"):
 *
 *   [0x<hex>]   the instruction a frame is executing: the faulting
 *               instruction for the frame that faulted, the call (return
 *               address - 1) for every caller, so the host looks it up as is.
 *
 * Two line forms carry it:
 *   "  at [0x1054f3]"                            a frame of the fault report (interrupts/idt.c)
 *   "   at Program.Depth(Int32) + 0x13 [0x1054f2]" a managed trace line: CoreLib's text,
 *                                                 the address added here
 *
 * CoreLib formats the managed stack trace itself (`<method> + 0x<offset>`,
 * the offset from RhFindMethodStartAddress) and prints an unhandled
 * exception through SystemNative_LogError. The runtime remembers the frames
 * it gave CoreLib (exception_dispatch.c: each AppendExceptionStackFrame, each
 * RhpGetCurrentThreadStackTrace) and, when CoreLib's text is written, finds
 * for each "at ... + 0x<offset>" line the remembered frame with that offset,
 * in order, and writes its address after it. A line with no such frame stays
 * as CoreLib wrote it.
 *
 * Exports (graft_runtime.h):
 *   graft_write_code_address   "[0x<hex>]": the one place the form is printed
 *   graft_print_stack          the fault report's frames from the faulting registers, one "  at [0x...]" a line
 *                              (through the runtime's own frames, which have no .eh_frame, by the
 *                              first return address into managed code above them)
 *   graft_write_trace_text     CoreLib's text, trace lines with their addresses (interop/system_native.c)
 * and, for exception_dispatch.c (unwind.h):
 *   graft_report_native_caller an exception reaching native code that managed code called: the
 *                              escape and the managed frames beyond it (a C# callback called from C)
 *   graft_trace_note           a frame given to AppendExceptionStackFrame
 *   graft_trace_capture        the frames RhpGetCurrentThreadStackTrace returned
 *   graft_trace_report         the exception the next trace text is about
 */
#include "unwind.h"

void *RhFindMethodStartAddress(void *address);
extern char graft_funclet_return[];

void graft_write_code_address(uint64_t pc) {
    serial_write("[");
    serial_write_hex(pc);
    serial_write("]");
}

/* ---- the fault report ---- */

#define MAX_FAULT_FRAMES 32
#define MANAGED_CALLER_SEARCH 256 /* stack words */

extern char __managedcode_start[], __managedcode_end[];

static int is_managed(uint64_t pc) {
    return pc >= (uint64_t)(uintptr_t)__managedcode_start && pc < (uint64_t)(uintptr_t)__managedcode_end;
}

/* The runtime's C and assembly have no .eh_frame: from a frame of theirs
 * the walk goes on at the first return address into managed code above it
 * on the stack, the managed caller of the runtime function (rbp is still
 * its own: the runtime's C keeps no frame pointer). The search stays below
 * `limit` (0: no limit but the mapping). */
static int resume_at_managed_caller(Frame *f, const Frame *native, uint64_t limit) {
    const uint64_t *sp = (const uint64_t *)(uintptr_t)native->reg[7];
    for (int i = 0; i < MANAGED_CALLER_SEARCH; i++) {
        uint64_t slot = (uint64_t)(uintptr_t)&sp[i];
        if (limit && slot + 8 > limit)
            return 0;
        if ((i == 0 || slot % GRAFT_PAGE_SIZE == 0) && !graft_vm_is_mapped(slot))
            return 0;
        if (is_managed(sp[i] - 1)) {
            *f = *native;
            f->rip = sp[i];
            f->fault = 0;
            f->reg[7] = slot + 8;
            return 1;
        }
    }
    return 0;
}

void graft_print_stack(uint64_t rip, const uint64_t reg[16]) {
    Frame frame, *f = &frame;
    memset(f, 0, sizeof frame);
    for (int r = 0; r < 16; r++)
        f->reg[r] = reg[r];
    f->rip = rip;
    f->fault = 1;
    serial_write("graft: stack, innermost first (graft run names these; later: graft symbolize Kernel.elf < serial.log)\n");
    for (int n = 0;; n++) {
        if (n == MAX_FAULT_FRAMES) {
            serial_write("  ... (more frames)\n");
            return;
        }
        serial_write("  at ");
        graft_write_code_address(graft_frame_pc(f));
        serial_write("\n");
        uint64_t rsp = f->reg[7];
        Frame here = *f;
        /* A funclet's caller is the dispatcher, whose frames stop the walk. */
        if (f->rip == (uint64_t)(uintptr_t)graft_funclet_return)
            return;
        /* Callers sit higher on the stack: anything else is a broken stack. */
        if ((!graft_unwind_quiet(f) || !f->rip || f->reg[7] <= rsp) &&
            (is_managed(graft_frame_pc(&here)) || !resume_at_managed_caller(f, &here, 0)))
            return;
    }
}

/* An exception's walk reached `native`, a native frame called by managed
 * code (exception_dispatch.c). Reports, as a fault report's frames, the
 * managed frames beyond the native code (those the exception cannot reach);
 * returns 0, printing nothing, when no managed code called it below the top
 * of the managed stack (`stack_top`): the native caller of Main. */
int graft_report_native_caller(const Frame *native, uint64_t stack_top) {
    Frame frame, *f = &frame;
    if (!resume_at_managed_caller(f, native, stack_top))
        return 0;
    serial_write("graft: an exception escaped from managed code into native code at ");
    graft_write_code_address(graft_frame_pc(native));
    serial_write(" (the native caller of an [UnmanagedCallersOnly] method): it cannot cross native frames; as on .NET, that is a fail-fast\n");
    serial_write("graft: the managed frames beyond the native code, innermost first:\n");
    for (int n = 0; n < MAX_FAULT_FRAMES; n++) {
        serial_write("  at ");
        graft_write_code_address(graft_frame_pc(f));
        serial_write("\n");
        uint64_t rsp = f->reg[7];
        if (!graft_unwind_quiet(f) || f->reg[7] <= rsp || !is_managed(graft_frame_pc(f)))
            break;
    }
    return 1;
}

/* ---- managed trace lines ---- */

#define TRACE_FRAMES 64
#define TRACES 4 /* exceptions remembered at once (more are in flight only in nested funclets) */

typedef struct Trace {
    const void *exception; /* NULL: the last stack trace capture */
    uint32_t count, age;
    uint64_t ip[TRACE_FRAMES]; /* what CoreLib was given */
    uint8_t fault[TRACE_FRAMES];
} Trace;

static Trace traces[TRACES + 1]; /* the last one holds the last capture */
static uint32_t clock;
static const Trace *reported;

void graft_trace_note(const Object *exception, uint64_t ip, int fault, int first_frame) {
    Trace *t = 0, *oldest = &traces[0];
    for (int i = 0; i < TRACES && !t; i++) {
        if (traces[i].exception == exception && traces[i].count)
            t = &traces[i];
        else if (traces[i].age < oldest->age)
            oldest = &traces[i];
    }
    if (!t || first_frame) {
        t = t ? t : oldest;
        t->exception = exception;
        t->count = 0;
    }
    t->age = ++clock;
    if (t->count < TRACE_FRAMES) {
        t->ip[t->count] = ip;
        t->fault[t->count++] = (uint8_t)(fault != 0);
    }
}

void graft_trace_capture(const uint64_t *ips, uint32_t count) {
    Trace *t = &traces[TRACES];
    t->count = count < TRACE_FRAMES ? count : TRACE_FRAMES;
    for (uint32_t i = 0; i < t->count; i++) {
        t->ip[i] = ips[i];
        t->fault[i] = 0;
    }
}

void graft_trace_report(const Object *exception) {
    reported = 0;
    for (int i = 0; i < TRACES; i++)
        if (traces[i].exception == exception && traces[i].count)
            reported = &traces[i];
}

/* The offset of an "... at <method> + 0x<hex>" line (a '\r' before the end
 * is allowed); 0 when the line is no such frame. */
static int trace_line_offset(const char *line, const char *end, uint64_t *offset) {
    if (end > line && end[-1] == '\r')
        end--;
    const char *p = end;
    while (p > line && ((p[-1] >= '0' && p[-1] <= '9') || (p[-1] >= 'a' && p[-1] <= 'f')))
        p--;
    if (p == end || p - line < 5 || p[-5] != ' ' || p[-4] != '+' || p[-3] != ' ' || p[-2] != '0' || p[-1] != 'x')
        return 0;
    int has_at = 0;
    for (const char *q = line; q + 3 <= p && !has_at; q++)
        has_at = q[0] == 'a' && q[1] == 't' && q[2] == ' ';
    if (!has_at)
        return 0;
    uint64_t v = 0;
    for (const char *q = p; q < end; q++)
        v = v * 16 + (uint64_t)(*q <= '9' ? *q - '0' : *q - 'a' + 10);
    *offset = v;
    return 1;
}

static int offset_matches(uint64_t ip, uint64_t offset) {
    uint64_t start = (uint64_t)(uintptr_t)RhFindMethodStartAddress((void *)(uintptr_t)ip);
    return start && ip - start == offset;
}

void graft_write_trace_text(const char *text) {
    /* Search order: the reported exception's frames, the last capture, the rest. */
    const Trace *order[TRACES + 1];
    int n = 0;
    if (reported)
        order[n++] = reported;
    order[n++] = &traces[TRACES];
    for (int i = 0; i < TRACES; i++)
        if (&traces[i] != reported)
            order[n++] = &traces[i];
    int at_trace = 0;
    uint32_t at_frame = 0; /* the frame after the last match: lines come innermost first */

    for (const char *line = text; *line;) {
        const char *end = line;
        while (*end && *end != '\n')
            end++;
        for (const char *c = line; c < end; c++)
            serial_putc(*c);
        uint64_t offset;
        if (trace_line_offset(line, end, &offset)) {
            int found = 0;
            for (int pass = 0; pass < 2 && !found; pass++) {
                for (int t = pass ? 0 : at_trace; t < n && !found; t++) {
                    for (uint32_t i = (!pass && t == at_trace) ? at_frame : 0; i < order[t]->count && !found; i++) {
                        if (offset_matches(order[t]->ip[i], offset)) {
                            serial_write(" ");
                            graft_write_code_address(graft_code_pc(order[t]->ip[i], order[t]->fault[i]));
                            at_trace = t;
                            at_frame = i + 1;
                            found = 1;
                        }
                    }
                }
            }
        }
        if (*end == '\n') {
            serial_write("\n");
            end++;
        }
        line = end;
    }
}
