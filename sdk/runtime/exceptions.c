/* Exceptions and fail-fast. Exception DISPATCH is not implemented yet: a
 * throw prints the exception's MethodTable and the throwing address (find
 * both with `nm`/`addr2line -e Kernel.elf`) and stops the kernel with
 * GRAFT_EXIT_FAILFAST (0x7B). Fail-fast prints its reason and stops the same way.
 *
 * Exports:
 *   RhpThrowEx, RhpRethrow              stop with the exception's type and address
 *   RhpFallbackFailFast                 stop
 *   RhCreateCrashDumpIfEnabled          no crash dumps: returns
 *   RhGetCrashInfoBuffer                a buffer FailFast writes its crash report into (kept, unused)
 *   RhpGetThreadAbortException          not implemented (stub)
 *   RhpCallCatchFunclet, RhpCallFilterFunclet, RhpCallFinallyFunclet,
 *   RhpEHEnumInitFromStackFrameIterator, RhpEHEnumNext,
 *   RhpSfiInit, RhpSfiNext              not implemented (stubs)
 */
#include "graft_runtime.h"

static __attribute__((noreturn)) void thrown(const char *what, Object *exception, void *from) {
    serial_write("\ngraft: ");
    serial_write(what);
    serial_write(" (exception dispatch is not implemented yet): exception MethodTable ");
    serial_write_hex(exception ? (uint64_t)(uintptr_t)exception->method_table : 0);
    serial_write(", thrown from ");
    serial_write_hex((uint64_t)(uintptr_t)from);
    serial_write("\ngraft: find the type with: nm Kernel.elf | grep ");
    uint64_t mt = exception ? (uint64_t)(uintptr_t)exception->method_table : 0;
    static const char digits[] = "0123456789abcdef";
    char hex[17];
    for (int i = 0; i < 16; i++)
        hex[i] = digits[(mt >> (60 - 4 * i)) & 0xF];
    hex[16] = 0;
    serial_write(hex);
    serial_write(" ; the code with: addr2line -f -e Kernel.elf ");
    serial_write_hex((uint64_t)(uintptr_t)from);
    serial_write("\n");
    debug_exit(GRAFT_EXIT_FAILFAST);
}

void RhpThrowEx(Object *exception) {
    thrown("a managed exception was thrown", exception, __builtin_return_address(0));
}

void RhpRethrow(void) {
    thrown("a managed exception was rethrown", 0, __builtin_return_address(0));
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
void RhpCallCatchFunclet(void) { graft_not_implemented("RhpCallCatchFunclet (exception dispatch)"); }
void RhpCallFilterFunclet(void) { graft_not_implemented("RhpCallFilterFunclet (exception dispatch)"); }
void RhpCallFinallyFunclet(void) { graft_not_implemented("RhpCallFinallyFunclet (exception dispatch)"); }
void RhpEHEnumInitFromStackFrameIterator(void) { graft_not_implemented("RhpEHEnumInitFromStackFrameIterator (exception dispatch)"); }
void RhpEHEnumNext(void) { graft_not_implemented("RhpEHEnumNext (exception dispatch)"); }
void RhpSfiInit(void) { graft_not_implemented("RhpSfiInit (stack walking)"); }
void RhpSfiNext(void) { graft_not_implemented("RhpSfiNext (stack walking)"); }
