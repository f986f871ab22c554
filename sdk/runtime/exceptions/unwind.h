/* The .eh_frame unwinder (unwind.c), as exception dispatch and stack traces
 * use it: find the FDE of a code address, step a frame to its caller. */
#ifndef GRAFT_UNWIND_H
#define GRAFT_UNWIND_H

#include "graft_runtime.h"

/* A frame's registers in DWARF numbering: 0 rax 1 rdx 2 rcx 3 rbx 4 rsi
 * 5 rdi 6 rbp 7 rsp 8-15 r8-r15 (16 is the return address column). */
typedef struct Frame {
    uint64_t rip;      /* return address (or, if fault, the faulting instruction) */
    uint64_t fault;
    uint64_t reg[17];
} Frame;

/* What one FDE and its CIE say about a function. */
typedef struct Fde {
    uint64_t start, end;
    const uint8_t *lsda;  /* ILC's per-method data (flags, EH clauses), or NULL */
    const uint8_t *cie_program, *cie_program_end;
    const uint8_t *program, *program_end;
    int64_t data_align;
    uint64_t code_align;
} Fde;

/* The FDE covering `pc`; 0 when no unwind information covers it. */
int graft_find_fde(uint64_t pc, Fde *out);

/* One frame up (its caller's registers). Returns 0 where there is no unwind
 * information (native code, the bottom of the stack). */
int graft_unwind(Frame *f);

/* As graft_unwind, for the fault report: call frame information the
 * unwinder does not understand ends the walk (returns 0) instead of stopping
 * the kernel. */
int graft_unwind_quiet(Frame *f);

/* For crash reports (stack_report.c): the frames given to CoreLib, so that
 * its stack trace text gets their addresses. `ip` is what CoreLib got (a
 * return address, or the faulting instruction when `fault`); `first_frame`
 * starts the exception's trace anew (a throw, not a rethrow). */
void graft_trace_note(const Object *exception, uint64_t ip, int fault, int first_frame);
void graft_trace_capture(const uint64_t *ips, uint32_t count);
/* The exception CoreLib is about to report as unhandled. */
void graft_trace_report(const Object *exception);
/* An exception reached `native`, a native frame: when managed code below
 * `stack_top` called that native code, prints that the exception escaped
 * into it and the managed frames beyond it, and returns 1; else 0. */
int graft_report_native_caller(const Frame *native, uint64_t stack_top);

/* The address to look a frame up by: a return address points after the
 * call, which may already be the next function; a fault points at the
 * faulting instruction itself. */
static inline uint64_t graft_code_pc(uint64_t ip, int fault) { return fault ? ip : ip - 1; }
static inline uint64_t graft_frame_pc(const Frame *f) { return graft_code_pc(f->rip, f->fault); }

#endif
