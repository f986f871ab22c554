/* The C library functions and compiler data ILC's code references.
 *
 * Exports:
 *   memset, memcpy, memmove     rep stosb / rep movsb (never compiled into calls to themselves)
 *   __security_cookie           data: the stack-protector cookie ILC's code checks
 *   g_cpuFeatures               data, 0: CoreLib takes its baseline (non-AVX) paths
 *   ceil                        libc_ceil.asm (SSE2 only)
 */
#include "graft_runtime.h"

void *memset(void *dst, int value, size_t size) {
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(size) : "a"(value) : "memory");
    return dst;
}

void *memcpy(void *dst, const void *src, size_t size) {
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(size) : : "memory");
    return dst;
}

void *memmove(void *dst, const void *src, size_t size) {
    if ((uintptr_t)dst - (uintptr_t)src >= size)
        return memcpy(dst, src, size); /* no overlap, or dst below src */
    /* dst overlaps the end of src: copy backwards */
    char *d = (char *)dst + size - 1;
    const char *s = (const char *)src + size - 1;
    __asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(size) : : "memory");
    return dst;
}

uint64_t __security_cookie = 0x2B992DDFA23249D6ull;

int32_t g_cpuFeatures = 0;
