/* The System.Native functions CoreLib calls (ILC binds them directly with
 * --directpinvoke:libSystem.Native) on bare metal; the threading ones
 * (CreateThread, LowLevelMonitor_*) are threads/threads.c's.
 *
 * Exports (21):
 *   SystemNative_Malloc, SystemNative_Calloc, SystemNative_Realloc, SystemNative_Free,
 *   SystemNative_AlignedAlloc, SystemNative_AlignedRealloc, SystemNative_AlignedFree
 *                                             memory/native.c's allocator, which frees
 *   SystemNative_MMap, SystemNative_MUnmap, SystemNative_MProtect
 *                                             zeroed virtual ranges (memory/paging.c), rights enforced
 *   SystemNative_GetEnv                       no environment: NULL
 *   SystemNative_GetErrNo, SystemNative_SetErrNo
 *   SystemNative_GetTimestamp                 nanoseconds (time/tsc.c: the TSC calibrated against the PIT)
 *   SystemNative_GetLowResolutionTimestamp    milliseconds (Environment.TickCount64)
 *   SystemNative_GetSystemTimeAsTicks         DateTime.UtcNow: time/cmos.c's wall clock
 *   SystemNative_GetHostName                  Environment.MachineName: "graft"
 *   SystemNative_GetNonCryptographicallySecureRandomBytes   xorshift seeded from the TSC
 *   SystemNative_SchedGetCpu                  0
 *   SystemNative_LogError                     prints on COM1: CoreLib's pieces of one report
 *                                             (prefix, message, stack trace, newline) as it
 *                                             joins them, "graft: " before a report's first line
 *   SystemNative_Abort                        stops with GRAFT_EXIT_FAILFAST
 */
#include "graft_runtime.h"

/* ---- memory ---- */

/* NativeMemory and Marshal.AllocHGlobal: memory/native.c, which frees.
 * Failures return NULL, which CoreLib turns into OutOfMemoryException. */
void *SystemNative_Malloc(size_t size) { return graft_native_alloc(size); }

void *SystemNative_Calloc(size_t count, size_t size) {
    if (size && count > (size_t)-1 / size)
        return 0;
    return graft_native_alloc_zeroed(count * size);
}

void *SystemNative_Realloc(void *pointer, size_t size) {
    /* realloc(p, 0) frees; NativeMemory.Realloc never passes 0 (it asks for 1). */
    return graft_native_realloc(pointer, size);
}

void SystemNative_Free(void *pointer) { graft_native_free(pointer); }

void *SystemNative_AlignedAlloc(size_t alignment, size_t size) { return graft_native_alloc_aligned(size, alignment); }

void SystemNative_AlignedFree(void *pointer) { graft_native_free(pointer); }

void *SystemNative_AlignedRealloc(void *pointer, size_t alignment, size_t size) {
    void *moved = graft_native_alloc_aligned(size, alignment);
    if (moved && pointer) {
        uint64_t old = graft_native_block_size(pointer);
        memcpy(moved, pointer, old < size ? old : size);
        graft_native_free(pointer);
    }
    return moved;
}

/* System.Native's PAL_PROT_* */
#define PAL_PROT_WRITE 2
#define PAL_PROT_EXEC 4

static uint32_t vm_flags(int32_t protection) {
    return ((protection & PAL_PROT_WRITE) ? GRAFT_VM_WRITE : 0) | ((protection & PAL_PROT_EXEC) ? GRAFT_VM_EXEC : 0);
}

/* Anonymous memory only: a fresh zeroed virtual range (the address hint, the
 * flags and files are ignored); PROT_NONE maps it read-only. */
void *SystemNative_MMap(void *address, uint64_t length, int32_t protection, int32_t flags, intptr_t fd, int64_t offset) {
    (void)address; (void)flags; (void)fd; (void)offset;
    return graft_vm_alloc(length, vm_flags(protection));
}

int32_t SystemNative_MUnmap(void *address, uint64_t length) {
    graft_vm_free(address, length);
    return 0;
}

/* Enforced by the page tables (read, write, execute; PROT_NONE: read-only). */
int32_t SystemNative_MProtect(void *address, uint64_t length, int32_t protection) {
    return graft_vm_protect(address, length, vm_flags(protection)) ? 0 : -1;
}

/* ---- process ---- */

char *SystemNative_GetEnv(const char *name) {
    (void)name;
    return 0;
}

static int32_t errno_value;
int32_t SystemNative_GetErrNo(void) { return errno_value; }
void SystemNative_SetErrNo(int32_t value) { errno_value = value; }

int32_t SystemNative_SchedGetCpu(void) { return 0; }

/* CoreLib's fail-fast report comes in pieces ("Unhandled exception. ", the
 * exception's text, "\n"; or "Process terminated. ", the message, "\n", the
 * stack trace), which a Linux process writes to stderr as they are: printed
 * the same way, they make its lines, with "graft: " where a report starts
 * (not before an indented stack trace line) and no line of its own. */
static int log_line_open; /* the last piece did not end its line */

void SystemNative_LogError(const char *message) {
    if (!message || !*message)
        return;
    if (!log_line_open && message[0] != ' ')
        serial_write("graft: ");
    graft_write_trace_text(message); /* stack trace lines get their addresses */
    const char *end = message;
    while (*end)
        end++;
    log_line_open = end[-1] != '\n';
}

void SystemNative_Abort(void) {
    if (log_line_open)
        serial_write("\n");
    serial_write("graft: abort (SystemNative_Abort)\n");
    debug_exit(GRAFT_EXIT_FAILFAST);
}

/* ---- time ---- */

/* CoreLib on Unix: Stopwatch.Frequency is 1e9, timestamps in nanoseconds. */
int64_t SystemNative_GetTimestamp(void) { return (int64_t)graft_time_ns(); }

int64_t SystemNative_GetLowResolutionTimestamp(void) { return (int64_t)(graft_time_ns() / 1000000u); }

/* DateTime.UtcNow: 100 ns ticks since 1970 (CoreLib adds the epoch), from
 * the CMOS clock and the TSC (time/cmos.c). */
int64_t SystemNative_GetSystemTimeAsTicks(void) { return (int64_t)graft_time_unix_ticks(); }

/* Environment.MachineName (CoreLib cuts it at the first '.'). */
int32_t SystemNative_GetHostName(char *name, int32_t length) {
    static const char host[] = "graft";
    if (length < (int32_t)sizeof host)
        return -1;
    memcpy(name, host, sizeof host);
    return 0;
}

/* ---- randomness (NOT cryptographic) ---- */

static uint64_t random_state;

void SystemNative_GetNonCryptographicallySecureRandomBytes(uint8_t *buffer, int32_t length) {
    if (!random_state)
        random_state = graft_rdtsc() | 1;
    for (int32_t i = 0; i < length; i++) {
        random_state ^= random_state << 13;
        random_state ^= random_state >> 7;
        random_state ^= random_state << 17;
        buffer[i] = (uint8_t)(random_state >> 24);
    }
}

