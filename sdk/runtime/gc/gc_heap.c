/* The managed heap: regions of cells, the allocation context, the
 * allocation slow path and large objects (README.md, "The managed heap and
 * the collector").
 *
 * Small objects (under GC_LARGE_OBJECT bytes) are bump-allocated from the
 * allocation context, a zeroed span [graft_gc_alloc_ptr, limit + 24) of a
 * 1 MiB region: gc_alloc.asm does that in a few instructions and calls
 * graft_gc_new when the span is used up. The slow path takes the next free
 * span the last sweep found (at most CONTEXT_CHUNK at a time), or a new
 * region, and collects when GC_MIN_BUDGET or the last live size (whichever is
 * larger) has been allocated since the last collection, or when memory runs
 * out. A large object gets a block of its own. Objects never move, so a
 * pinned allocation is an ordinary one.
 *
 * Exports:
 *   graft_gc_new                    the slow path (gc_alloc.asm; 0 when out of memory)
 *   RhAllocateNewObject, RhAllocateNewArray   CoreLib's allocation with flags
 *   RhBulkMoveWithWriteBarrier      memmove (a non-moving, non-generational heap needs no card marking)
 *   RhpGcSafeZeroMemory             memset 0
 *   graft_gc_free_cell (data), graft_gc_alloc_ptr (data), graft_gc_alloc_limit (data)
 */
#include "gc_internal.h"

/* Free cells look like byte arrays to the heap walk: size 24 + length. */
MethodTable graft_gc_free_cell = {
    .component_size = 1, .flags = MT_HAS_COMPONENT_SIZE, .base_size = GC_MIN_OBJECT,
};

uint64_t graft_gc_alloc_ptr, graft_gc_alloc_limit;
static uint64_t context_start, context_limit, context_end;

uint64_t gc_heap_low = ~0ull, gc_heap_high;
#define MAX_REGIONS 8192
static GcRegion *region_table[MAX_REGIONS];
GcRegion **gc_regions = region_table;
uint32_t gc_region_count;
static uint64_t region_bytes;

/* Spans of the free list are at least this big; smaller gaps stay free
 * cells until a sweep merges them with their neighbours. */
#define GC_MIN_SPAN 256u
/* The allocation context takes at most this much of a span at a time, so
 * that allocation is counted against the budget in small steps. */
#define CONTEXT_CHUNK (32u * 1024)

/* GC_ALLOC_FLAGS (CoreLib's RhAllocateNewObject/Array). */
#define GC_ALLOC_FINALIZE 1u

/* ---- memory under the heap ----
 * The ONE place the heap takes and gives back memory: regions and large
 * blocks (aligned to 4 KiB at least), and the collector's tables. */

/* Page frames (memory/frames.c): identity-mapped RAM, so a frame's address
 * is a pointer to it. NOT zeroed. The heap leaves NATIVE_HEADROOM of frames
 * to native memory: when objects have used up the rest, CoreLib still needs
 * some (its frozen heap for RuntimeType objects takes 4 MiB at a time) to
 * throw and catch the OutOfMemoryException. */
#define NATIVE_HEADROOM (6ull << 20)

static void *os_alloc(uint64_t bytes, uint64_t align) {
    uint64_t pages = bytes / GRAFT_PAGE_SIZE;
    if (graft_frames_free_count() * GRAFT_PAGE_SIZE < bytes + NATIVE_HEADROOM)
        return 0;
    return (void *)(align > GRAFT_PAGE_SIZE ? graft_frames_alloc_aligned(pages, align) : graft_frames_alloc(pages));
}

static void os_free(void *block, uint64_t bytes) {
    graft_frames_free((uint64_t)block, bytes / GRAFT_PAGE_SIZE);
}

void *gc_table_alloc(uint64_t bytes) {
    bytes = (bytes + 4095) & ~4095ull;
    void *block = os_alloc(bytes, 4096);
    return block ? memset(block, 0, bytes) : 0;
}
void gc_table_free(void *block, uint64_t bytes) { os_free(block, (bytes + 4095) & ~4095ull); }

/* ---- regions ---- */

static uint32_t region_index(uint64_t address) {
    /* the first region whose base is above `address` */
    uint32_t lo = 0, hi = gc_region_count;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (gc_regions[mid]->base <= address)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

GcRegion *gc_region_of(uint64_t address) {
    if (address < gc_heap_low || address >= gc_heap_high)
        return 0;
    uint32_t i = region_index(address);
    if (i == 0)
        return 0;
    GcRegion *r = gc_regions[i - 1];
    return address < r->end ? r : 0;
}

static int insert_region(GcRegion *r) {
    if (gc_region_count == MAX_REGIONS)
        return 0;
    uint32_t i = region_index(r->base);
    memmove(&gc_regions[i + 1], &gc_regions[i], (gc_region_count - i) * sizeof(GcRegion *));
    gc_regions[i] = r;
    gc_region_count++;
    if (r->base < gc_heap_low)
        gc_heap_low = r->base;
    if (r->end > gc_heap_high)
        gc_heap_high = r->end;
    region_bytes += r->end - r->base;
    return 1;
}

void gc_release_region(GcRegion *r) {
    uint32_t i = region_index(r->base) - 1;
    memmove(&gc_regions[i], &gc_regions[i + 1], (gc_region_count - i - 1) * sizeof(GcRegion *));
    gc_region_count--;
    region_bytes -= r->end - r->base;
    os_free((void *)r->base, r->end - r->base);
}

uint64_t gc_heap_bytes(void) { return region_bytes; }

uint64_t gc_memory_available(void) {
    uint64_t free = graft_frames_free_count() * GRAFT_PAGE_SIZE;
    return free > NATIVE_HEADROOM ? free - NATIVE_HEADROOM : 0;
}

uint64_t gc_context_used(void) { return graft_gc_alloc_ptr - context_start; }
uint64_t gc_context_unused(void) { return context_end - graft_gc_alloc_ptr; }

static uint64_t first_cell(uint64_t base) {
    /* after the region's header, with room for the first object's header */
    return gc_align8(base + sizeof(GcRegion)) + 8;
}

/* Cards whose first byte lies in [start, end) start their walk at `cell`. */
static void set_cards(GcRegion *r, uint64_t start, uint64_t end, uint64_t cell) {
    uint64_t first = (start - r->base + (1u << GC_CARD_SHIFT) - 1) >> GC_CARD_SHIFT;
    uint64_t last = (end - 1 - r->base) >> GC_CARD_SHIFT;
    for (uint64_t i = first; i <= last && i < GC_CARDS; i++)
        r->card_start[i] = (uint32_t)(cell - r->base);
}

void gc_make_free_cell(uint64_t start, uint64_t end) {
    Object *cell = (Object *)start;
    cell->method_table = &graft_gc_free_cell;
    *(uint32_t *)(start + 8) = (uint32_t)(end - start - GC_MIN_OBJECT);
}

/* The free list: spans linked through the word after a free cell's length. */
static uint64_t free_head, free_tail;
#define SPAN_NEXT(span) (*(uint64_t *)((span) + 16))

void gc_reset_free_spans(void) { free_head = free_tail = 0; }

uint64_t gc_free_spans_tail(void) { return free_tail; }

void gc_truncate_free_spans(uint64_t tail) {
    free_tail = tail;
    if (tail)
        SPAN_NEXT(tail) = 0;
    else
        free_head = 0;
}

void gc_add_free_span(uint64_t start, uint64_t end) {
    gc_make_free_cell(start, end);
    SPAN_NEXT(start) = 0;
    if (free_tail)
        SPAN_NEXT(free_tail) = start;
    else
        free_head = start;
    free_tail = start;
}

static GcRegion *init_small_region(uint64_t base) {
    GcRegion *r = (GcRegion *)base;
    r->base = base;
    r->end = base + GC_REGION_SIZE;
    r->first = first_cell(base);
    r->large = 0;
    r->live_bytes = 0;
    if (!insert_region(r)) {
        os_free((void *)base, GC_REGION_SIZE);
        return 0;
    }
    set_cards(r, r->base, r->end, r->first);
    gc_add_free_span(r->first, r->end);
    return r;
}

static GcRegion *new_small_region(void) {
    uint64_t base = (uint64_t)os_alloc(GC_REGION_SIZE, GC_REGION_SIZE);
    return base ? init_small_region(base) : 0;
}

/* A region kept back while memory lasts: when an allocation fails it joins
 * the heap, so that the OutOfMemoryException, its stack trace and the
 * handler that catches it can still allocate. */
static uint64_t reserve;

static void keep_reserve(void) {
    if (!reserve && gc_memory_available() >= 8 * GC_REGION_SIZE)
        reserve = (uint64_t)os_alloc(GC_REGION_SIZE, GC_REGION_SIZE);
}

static void release_reserve(void) {
    if (reserve)
        init_small_region(reserve);
    reserve = 0;
}

static int take_span(uint64_t size) {
    uint64_t need = size + GC_MIN_OBJECT; /* the context keeps a free cell's worth at its end */
    uint64_t prev = 0, span = free_head;
    while (span) {
        uint64_t length = GC_MIN_OBJECT + *(uint32_t *)(span + 8);
        if (length >= need)
            break;
        prev = span;
        span = SPAN_NEXT(span);
    }
    if (!span)
        return 0;
    uint64_t end = span + GC_MIN_OBJECT + *(uint32_t *)(span + 8);
    uint64_t next = SPAN_NEXT(span);
    GcRegion *r = gc_region_of(span);
    uint64_t chunk = need > CONTEXT_CHUNK ? need : CONTEXT_CHUNK;
    if (end - span >= chunk + GC_MIN_SPAN) {
        /* the rest of the span stays on the list, in the same place */
        uint64_t rest = span + chunk;
        gc_make_free_cell(rest, end);
        SPAN_NEXT(rest) = next;
        set_cards(r, rest, end, rest);
        next = rest;
        end = rest;
    }
    if (prev)
        SPAN_NEXT(prev) = next;
    else
        free_head = next;
    if (free_tail == span)
        free_tail = next ? next : prev;
    /* Zero the context: each object's header is the word before it. */
    memset((void *)(span - 8), 0, end - span);
    set_cards(r, span, end, span);
    context_start = graft_gc_alloc_ptr = span;
    context_end = end;
    context_limit = end - GC_MIN_OBJECT;
    graft_gc_alloc_limit = gc_stress_every ? 0 : context_limit;
    gc_allocated_since_collection += end - span;
    return 1;
}

void gc_retire_context(void) {
    if (!context_end)
        return;
    gc_make_free_cell(graft_gc_alloc_ptr, context_end);
    gc_figures.allocated_bytes += graft_gc_alloc_ptr - context_start;
    context_start = context_limit = context_end = 0;
    graft_gc_alloc_ptr = graft_gc_alloc_limit = 0;
}

/* ---- interior pointers ---- */

Object *gc_find_object(uint64_t address) {
    GcRegion *r = gc_region_of(address);
    if (!r || address < r->first)
        return 0;
    uint64_t cell = r->large ? r->first : r->base + r->card_start[(address - r->base) >> GC_CARD_SHIFT];
    while (cell <= address && cell < r->end) {
        Object *o = (Object *)cell;
        uint64_t size = gc_object_size(o);
        if (address < cell + size)
            return gc_method_table(o) == &graft_gc_free_cell ? 0 : o;
        cell += size;
    }
    return 0;
}

/* ---- allocation ---- */

static uint32_t stress_countdown;

static Object *alloc_large(uint64_t size) {
    uint64_t bytes = (first_cell(0) + size + 4095) & ~4095ull;
    gc_allocated_since_collection += size;
    if (gc_allocated_since_collection >= gc_budget)
        gc_collect();
    uint64_t base = (uint64_t)os_alloc(bytes, 4096);
    if (!base) {
        gc_collect();
        base = (uint64_t)os_alloc(bytes, 4096);
        if (!base)
            return 0;
    }
    memset((void *)base, 0, bytes);
    GcRegion *r = (GcRegion *)base;
    r->base = base;
    r->end = base + bytes;
    r->first = first_cell(base);
    r->large = 1;
    if (!insert_region(r)) {
        os_free((void *)base, bytes);
        return 0;
    }
    gc_figures.allocated_bytes += size;
    return (Object *)r->first;
}

static Object *alloc_small(uint64_t size) {
    if (graft_gc_alloc_ptr + size > context_limit || !context_end) {
        gc_retire_context();
        int collected = 0;
        if (gc_allocated_since_collection >= gc_budget) {
            gc_collect();
            collected = 1;
        }
        while (!take_span(size) && !new_small_region()) {
            if (collected)
                return 0;
            gc_collect();
            collected = 1;
        }
        if (!context_end && !take_span(size))
            return 0;
    }
    uint64_t o = graft_gc_alloc_ptr;
    graft_gc_alloc_ptr += size;
    return (Object *)o;
}

/* `length` < 0: not an array. */
Object *graft_gc_new(MethodTable *mt, int64_t length, uint32_t flags) {
    uint64_t size = mt->base_size;
    if (length >= 0)
        size += (uint64_t)length * mt->component_size;
    size = gc_align8(size);
    if (size < GC_MIN_OBJECT)
        size = GC_MIN_OBJECT;
    uint64_t collections = gc_figures.collections;
    keep_reserve();
    if (gc_stress_every && ++stress_countdown >= gc_stress_every) {
        stress_countdown = 0;
        gc_collect();
    }
    Object *o = 0;
    if (length <= 0x7FFFFFC7 && size < (1ull << 40))
        o = size >= GC_LARGE_OBJECT ? alloc_large(size) : alloc_small(size);
    if (!o) {
        gc_figures.out_of_memory_count++;
        release_reserve();
        return 0;
    }
    o->method_table = mt;
    if (length >= 0)
        *(uint32_t *)(o + 1) = (uint32_t)length;
    if (((flags & GC_ALLOC_FINALIZE) || (mt->flags & MT_HAS_FINALIZER) != 0) && !gc_register_finalizer(o))
        return 0;
    if (gc_stress_every)
        graft_gc_alloc_limit = 0;
    /* Finalizers run here, after a collection this allocation made, once the
     * new object is whole (README.md, "Finalization"). */
    if (gc_figures.collections != collections)
        gc_run_finalizers();
    return o;
}

void RhAllocateNewObject(MethodTable *mt, uint32_t flags, Object **result) {
    *result = graft_gc_new(mt, -1, flags);
}

void RhAllocateNewArray(MethodTable *mt, uint32_t length, uint32_t flags, Object **result) {
    *result = (int32_t)length < 0 ? 0 : graft_gc_new(mt, length, flags);
}

void RhBulkMoveWithWriteBarrier(void *dst, const void *src, size_t size) {
    memmove(dst, src, size);
}

void *RhpGcSafeZeroMemory(void *dst, size_t size) {
    return memset(dst, 0, size);
}
