/* The heap and object allocation. There is NO garbage collector yet: objects
 * are bump-allocated from 4 MiB chunks of zeroed memory taken from
 * graft_vm_alloc (memory/paging.c; a larger object gets a range of its own)
 * and are never freed. When the page frames are used up the kernel stops
 * with "graft: out of memory" (exit code GRAFT_EXIT_RUNTIME_ERROR).
 *
 * Exports:
 *   graft_heap_alloc, graft_heap_used, graft_heap_size
 *   RhpNewFast, RhpNewFinalizable         new object (finalizers never run)
 *   RhpNewArrayFast, RhpNewPtrArrayFast   new array
 *   RhNewString                           new string
 *   RhAllocateNewObject, RhAllocateNewArray   CoreLib's allocation with flags
 *   RhBulkMoveWithWriteBarrier            memmove (no GC: no card marking)
 *   RhpGcSafeZeroMemory                   memset 0
 */
#include "graft_runtime.h"

#define CHUNK_SIZE (4ull << 20)

static uint64_t heap_next, heap_end, heap_used, heap_size;

static uint64_t align_up(uint64_t value, uint64_t align) {
    return (value + align - 1) & ~(align - 1);
}

static __attribute__((noreturn)) void out_of_memory(uint64_t size) {
    serial_write("\ngraft: out of memory (no garbage collector yet): ");
    serial_write_dec(size);
    serial_write(" bytes wanted; the heap holds ");
    serial_write_dec(heap_size);
    serial_write(", ");
    serial_write_dec(graft_frames_free_count() * GRAFT_PAGE_SIZE);
    serial_write(" bytes of RAM are free\n");
    debug_exit(GRAFT_EXIT_RUNTIME_ERROR);
}

void *graft_heap_alloc(uint64_t size, uint64_t align) {
    uint64_t start = align_up(heap_next, align);
    if (!heap_next || start < heap_next || size > heap_end - start) {
        /* A large block gets a range of its own; the current chunk stays. */
        uint64_t bytes = align_up(size + align, GRAFT_PAGE_SIZE);
        int own_range = bytes > CHUNK_SIZE / 4;
        if (!own_range)
            bytes = CHUNK_SIZE;
        uint64_t range = (uint64_t)(uintptr_t)graft_vm_alloc(bytes, GRAFT_VM_WRITE);
        if (!range)
            out_of_memory(size);
        heap_size += bytes;
        if (own_range) {
            heap_used += size;
            return (void *)(uintptr_t)align_up(range, align);
        }
        heap_next = range;
        heap_end = range + bytes;
        start = align_up(heap_next, align);
    }
    heap_used += start + size - heap_next;
    heap_next = start + size;
    /* graft_vm_alloc's memory is zeroed, and nothing here is reused. */
    return (void *)(uintptr_t)start;
}

uint64_t graft_heap_used(void) { return heap_used; }
uint64_t graft_heap_size(void) { return heap_size; }

/* ---- objects ---- */

static Object *new_object(MethodTable *mt) {
    Object *obj = graft_heap_alloc(align_up(mt->base_size, GRAFT_OBJECT_ALIGN), GRAFT_OBJECT_ALIGN);
    obj->method_table = mt;
    return obj;
}

#define MAX_ARRAY_LENGTH 0x7FFFFFC7 /* .NET's Array.MaxLength */

static Object *new_array(MethodTable *mt, uint64_t length) {
    if (length > MAX_ARRAY_LENGTH) /* CoreLib's RhAllocateNewArray checks first */
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "array or string length out of range");
    uint64_t size = align_up(mt->base_size + length * mt->component_size, GRAFT_OBJECT_ALIGN);
    Object *obj = graft_heap_alloc(size, GRAFT_OBJECT_ALIGN);
    obj->method_table = mt;
    *(uint32_t *)(obj + 1) = (uint32_t)length;
    return obj;
}

Object *RhpNewFast(MethodTable *mt) { return new_object(mt); }

/* Finalizers never run: there is no collector to find dead objects. */
Object *RhpNewFinalizable(MethodTable *mt) { return new_object(mt); }

/* CoreLib's RhExceptionHandling_FailedAllocation(MethodTable*, bool isOverflow)
 * throws OverflowException (a negative length) or OutOfMemoryException (too
 * long), as .NET does. It is tail-called (musttail: same signature), so the
 * throw starts in managed code called straight from the allocating method:
 * exception dispatch does not cross C frames. */
extern Object *RhExceptionHandling_FailedAllocation(MethodTable *mt, int32_t is_overflow);

Object *RhpNewArrayFast(MethodTable *mt, int32_t length) {
    if (length < 0)
        __attribute__((musttail)) return RhExceptionHandling_FailedAllocation(mt, 1);
    if (length > MAX_ARRAY_LENGTH)
        __attribute__((musttail)) return RhExceptionHandling_FailedAllocation(mt, 0);
    return new_array(mt, (uint64_t)length);
}

Object *RhpNewPtrArrayFast(MethodTable *mt, int32_t length) {
    __attribute__((musttail)) return RhpNewArrayFast(mt, length);
}

Object *RhNewString(MethodTable *mt, int32_t length) {
    __attribute__((musttail)) return RhpNewArrayFast(mt, length);
}

/* CoreLib's RhAllocateNewObject(MethodTable*, uint flags, void* pResult):
 * flags (pinned, ...) mean nothing to a heap that never moves objects. */
void RhAllocateNewObject(MethodTable *mt, uint32_t flags, Object **result) {
    (void)flags;
    *result = new_object(mt);
}

void RhAllocateNewArray(MethodTable *mt, uint32_t length, uint32_t flags, Object **result) {
    (void)flags;
    *result = new_array(mt, length);
}

void RhBulkMoveWithWriteBarrier(void *dst, const void *src, size_t size) {
    memmove(dst, src, size);
}

void *RhpGcSafeZeroMemory(void *dst, size_t size) {
    return memset(dst, 0, size);
}
