/* The runtime's never-freed blocks (interface dispatch cells): bump-allocated
 * from 4 MiB chunks of zeroed memory taken from graft_vm_alloc
 * (memory/paging.c; a larger block gets a range of its own). Objects live in
 * the managed heap (gc/gc_heap.c). When the page frames are used up the
 * kernel stops with "graft: out of memory" (exit code GRAFT_EXIT_RUNTIME_ERROR).
 *
 * Exports:
 *   graft_heap_alloc, graft_heap_used, graft_heap_size
 */
#include "graft_runtime.h"

#define CHUNK_SIZE (4ull << 20)

static uint64_t heap_next, heap_end, heap_used, heap_size;

static uint64_t align_up(uint64_t value, uint64_t align) {
    return (value + align - 1) & ~(align - 1);
}

static __attribute__((noreturn)) void out_of_memory(uint64_t size) {
    serial_write("\ngraft: out of memory for the runtime's blocks: ");
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
