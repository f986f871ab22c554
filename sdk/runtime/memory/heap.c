/* The heap and object allocation. There is NO garbage collector yet: objects
 * are bump-allocated from the largest usable RAM region of the Multiboot2
 * memory map (below 4 GiB, above the kernel and the boot information) and are
 * never freed (nor are the kernel image, the boot information and boot
 * modules ever handed out). When the region is used up the kernel stops with
 * "graft: out of memory" (exit code GRAFT_EXIT_RUNTIME_ERROR).
 *
 * Exports:
 *   graft_heap_init, graft_heap_alloc, graft_heap_used, graft_heap_size
 *   RhpNewFast, RhpNewFinalizable         new object (finalizers never run)
 *   RhpNewArrayFast, RhpNewPtrArrayFast   new array
 *   RhNewString                           new string
 *   RhAllocateNewObject, RhAllocateNewArray   CoreLib's allocation with flags
 *   RhBulkMoveWithWriteBarrier            memmove (no GC: no card marking)
 *   RhpGcSafeZeroMemory                   memset 0
 */
#include "graft_runtime.h"

#define MB2_TAG_MODULE 3
#define MB2_TAG_MEMORY_MAP 6
#define MB2_MEMORY_AVAILABLE 1
#define FOUR_GIB 0x100000000ull

extern char __kernel_end[];

static uint64_t heap_start, heap_next, heap_end;

static uint64_t align_up(uint64_t value, uint64_t align) {
    return (value + align - 1) & ~(align - 1);
}

static void heap_consider(uint64_t base, uint64_t end, uint64_t floor) {
    if (end > FOUR_GIB)
        end = FOUR_GIB; /* the boot entry identity-maps the first 4 GiB */
    if (base < floor)
        base = floor;
    base = align_up(base, 4096);
    end &= ~4095ull;
    if (end > base && end - base > heap_end - heap_start) {
        heap_start = heap_next = base;
        heap_end = end;
    }
}

void graft_heap_init(uint64_t info) {
    /* Never hand out the kernel image or the boot information GRUB placed
     * after it. */
    uint64_t floor = (uint64_t)(uintptr_t)__kernel_end;
    uint32_t info_size = *(const uint32_t *)(uintptr_t)info;
    if (info + info_size > floor)
        floor = info + info_size;
    /* ... nor boot modules (tag 3: {type, size, mod_start, mod_end, name}). */
    for (const uint8_t *tag = (const uint8_t *)(uintptr_t)info + 8;
         tag + 8 <= (const uint8_t *)(uintptr_t)info + info_size;) {
        uint32_t tag_type = ((const uint32_t *)tag)[0], tag_size = ((const uint32_t *)tag)[1];
        if (tag_type == 0 || tag_size < 8)
            break;
        if (tag_type == MB2_TAG_MODULE && ((const uint32_t *)tag)[3] > floor)
            floor = ((const uint32_t *)tag)[3];
        tag += (tag_size + 7) & ~7u;
    }

    const uint8_t *tag = graft_mb2_find_tag(info, MB2_TAG_MEMORY_MAP);
    if (!tag)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "the boot loader gave no memory map (Multiboot2 tag 6)");
    uint32_t size = ((const uint32_t *)tag)[1];
    uint32_t entry_size = ((const uint32_t *)tag)[2];
    for (const uint8_t *entry = tag + 16; entry + 24 <= tag + size; entry += entry_size) {
        uint64_t base = *(const uint64_t *)entry;
        uint64_t length = *(const uint64_t *)(entry + 8);
        uint32_t type = *(const uint32_t *)(entry + 16);
        if (type == MB2_MEMORY_AVAILABLE)
            heap_consider(base, base + length, floor);
    }
    if (heap_end - heap_start < (1u << 20))
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "less than 1 MiB of usable RAM above the kernel");
}

void *graft_heap_alloc(uint64_t size, uint64_t align) {
    uint64_t start = align_up(heap_next, align);
    if (size > heap_end - start || start < heap_next) {
        serial_write("\ngraft: out of memory (no garbage collector yet): ");
        serial_write_dec(size);
        serial_write(" bytes wanted, ");
        serial_write_dec(heap_end - heap_next);
        serial_write(" left of ");
        serial_write_dec(heap_end - heap_start);
        serial_write("\n");
        debug_exit(GRAFT_EXIT_RUNTIME_ERROR);
    }
    heap_next = start + size;
    /* RAM handed over by the boot loader is not guaranteed to be zero. */
    memset((void *)(uintptr_t)start, 0, size);
    return (void *)(uintptr_t)start;
}

uint64_t graft_heap_used(void) { return heap_next - heap_start; }
uint64_t graft_heap_size(void) { return heap_end - heap_start; }

/* ---- objects ---- */

static Object *new_object(MethodTable *mt) {
    Object *obj = graft_heap_alloc(align_up(mt->base_size, GRAFT_OBJECT_ALIGN), GRAFT_OBJECT_ALIGN);
    obj->method_table = mt;
    return obj;
}

static Object *new_array(MethodTable *mt, uint64_t length) {
    if (length > 0x7FFFFFC7u)
        graft_panic(GRAFT_EXIT_FAILFAST, "array or string length out of range (OverflowException: exceptions are not implemented)");
    uint64_t size = align_up(mt->base_size + length * mt->component_size, GRAFT_OBJECT_ALIGN);
    Object *obj = graft_heap_alloc(size, GRAFT_OBJECT_ALIGN);
    obj->method_table = mt;
    *(uint32_t *)(obj + 1) = (uint32_t)length;
    return obj;
}

Object *RhpNewFast(MethodTable *mt) { return new_object(mt); }

/* Finalizers never run: there is no collector to find dead objects. */
Object *RhpNewFinalizable(MethodTable *mt) { return new_object(mt); }

Object *RhpNewArrayFast(MethodTable *mt, int32_t length) {
    if (length < 0)
        graft_panic(GRAFT_EXIT_FAILFAST, "negative array length (OverflowException: exceptions are not implemented)");
    return new_array(mt, (uint64_t)length);
}

Object *RhpNewPtrArrayFast(MethodTable *mt, int32_t length) {
    return RhpNewArrayFast(mt, length);
}

Object *RhNewString(MethodTable *mt, int32_t length) {
    return RhpNewArrayFast(mt, length);
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
