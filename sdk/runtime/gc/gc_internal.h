/* What the files of sdk/runtime/gc share: the managed heap's layout
 * (gc_heap.c), the collector (gc_collect.c), handles (handles.c) and the GC
 * API (gc.c). README.md ("The managed heap and the collector") draws it.
 *
 * Objects follow NativeAOT's layout: an object's address is where its
 * MethodTable pointer is; its header (hash code, lock) is the 8 bytes BEFORE
 * it, which are the last 8 bytes of the cell before. So a cell at address o of
 * size s (the MethodTable's base size plus its components, a multiple of 8)
 * ends with the header of the cell at o + s, and a heap region is a walkable
 * run of cells: objects and free cells.
 */
#ifndef GRAFT_GC_INTERNAL_H
#define GRAFT_GC_INTERNAL_H

#include "graft_runtime.h"

/* MethodTable flags (the upper 16 bits of its first 32-bit word). */
#define MT_HAS_COMPONENT_SIZE 0x8000u /* else the low 16 bits are not a component size */
#define MT_CONTAINS_POINTERS  0x0100u /* a GCDesc precedes the MethodTable */
#define MT_HAS_FINALIZER      0x0010u

/* The mark bit is bit 0 of an object's MethodTable pointer, set only
 * during a collection. */
#define GC_MARK_BIT 1ull

/* The smallest object and the smallest free cell (header, MethodTable,
 * length). An allocation context keeps this much at its end, so what is
 * left of it can always become a free cell. */
#define GC_MIN_OBJECT 24u

/* Small objects live in 1 MiB regions (aligned to their size); objects of
 * GC_LARGE_OBJECT bytes or more get a block of their own. */
#define GC_REGION_SIZE (1ull << 20)
#define GC_LARGE_OBJECT (32u * 1024)
/* Cards of a small region: for each 4 KiB, where a walk to any object in it
 * can start (gc_find_object). */
#define GC_CARD_SHIFT 12
#define GC_CARDS (GC_REGION_SIZE >> GC_CARD_SHIFT)

typedef struct GcRegion {
    uint64_t base, end;        /* the block [base, end) */
    uint64_t first;            /* the first cell's address */
    uint32_t large;            /* 1: one large object at `first` */
    uint32_t live_bytes;       /* after the last sweep (small regions) */
    uint32_t card_start[GC_CARDS]; /* small regions: offsets from base */
} GcRegion;

static inline MethodTable *gc_method_table(const Object *o) {
    return (MethodTable *)((uint64_t)o->method_table & ~GC_MARK_BIT);
}

static inline uint64_t gc_align8(uint64_t v) { return (v + 7) & ~7ull; }

/* The bytes an object takes, its header (the next cell's) included. */
static inline uint64_t gc_object_size(const Object *o) {
    const MethodTable *mt = gc_method_table(o);
    uint64_t size = mt->base_size;
    if (mt->flags & MT_HAS_COMPONENT_SIZE)
        size += (uint64_t)*(const uint32_t *)((const char *)o + 8) * mt->component_size;
    return gc_align8(size);
}

/* The 32-bit word before the header's sync value (free on 64-bit): the
 * collector's finalization bits. */
#define GC_FINALIZE_QUEUED     1u /* in the finalization list */
#define GC_FINALIZE_SUPPRESSED 2u /* GC.SuppressFinalize */
#define GC_FINALIZE_PENDING    4u /* in the queue, waiting for its finalizer */
static inline uint32_t *gc_finalize_bits(Object *o) { return (uint32_t *)((char *)o - 8); }

/* ---- the heap (gc_heap.c) ---- */
extern MethodTable graft_gc_free_cell;  /* the MethodTable of free cells */
extern uint64_t graft_gc_alloc_ptr, graft_gc_alloc_limit; /* the allocation context (gc_alloc.asm reads them) */
extern uint64_t gc_heap_low, gc_heap_high;  /* every region lies in [low, high) */
extern GcRegion **gc_regions;
extern uint32_t gc_region_count;

/* Turns what is left of the allocation context into a free cell. */
void gc_retire_context(void);
/* Makes [start, end) one free cell (end - start >= GC_MIN_OBJECT). */
void gc_make_free_cell(uint64_t start, uint64_t end);
/* The region holding `address`, or 0. */
GcRegion *gc_region_of(uint64_t address);
/* The object whose cell holds `address` (an interior pointer), or 0. */
Object *gc_find_object(uint64_t address);
/* After a sweep: the free list rebuilt from scratch by gc_add_free_span. */
void gc_reset_free_spans(void);
void gc_add_free_span(uint64_t start, uint64_t end);
/* The last span added, and dropping every span added after it (a region
 * found empty by the sweep gives its spans up). */
uint64_t gc_free_spans_tail(void);
void gc_truncate_free_spans(uint64_t tail);
/* Gives a region (small, empty, or large, dead) back to the page allocator. */
void gc_release_region(GcRegion *region);
/* Bytes in regions, and what the page allocator can still give. */
uint64_t gc_heap_bytes(void);
uint64_t gc_memory_available(void);
/* The allocation context's bytes handed out, and those not yet. */
uint64_t gc_context_used(void);
uint64_t gc_context_unused(void);
/* Blocks for the collector's own tables (mark stack, lists): zeroed, never
 * fail silently (0 when memory is gone). */
void *gc_table_alloc(uint64_t bytes);
void gc_table_free(void *block, uint64_t bytes);

/* ---- the collector (gc_collect.c) ---- */
typedef struct GcFigures {
    uint64_t heap_bytes;          /* regions' memory now */
    uint64_t live_bytes;          /* marked by the last collection */
    uint64_t collections;
    uint64_t last_pause_ns, longest_pause_ns, total_pause_ns;
    uint64_t allocated_bytes;     /* since boot */
    uint64_t finalizers_run;
    uint64_t pending_finalizers;
    uint64_t out_of_memory_count; /* allocations refused */
} GcFigures;
extern GcFigures gc_figures;
extern uint64_t gc_allocated_since_collection, gc_budget;
extern uint32_t gc_stress_every; /* graft.gcstress=N, 0 off */
extern uint64_t gc_stack_top;

void gc_collect(void);
/* Runs the finalizers the last collections queued (outside the collector). */
void gc_run_finalizers(void);
/* Adds a finalizable object to the finalization list (0: out of memory). */
int gc_register_finalizer(Object *o);

/* ---- handles (handles.c) ---- */
typedef void (*GcMarkFn)(Object *o);
typedef int (*GcIsMarkedFn)(Object *o);
/* Strong and pinned handles' objects. */
void gc_handles_mark_strong(GcMarkFn mark);
/* Dependent handles whose primary is live: marks their secondaries.
 * Returns 1 when it marked something (repeat until 0). */
int gc_handles_mark_dependents(GcMarkFn mark, GcIsMarkedFn is_live);
/* Clears the short weak handles (track_resurrection 0, before finalization)
 * or the long ones and dead dependents (1, after) whose object is dead. */
void gc_handles_clear_dead(int track_resurrection, GcIsMarkedFn is_live);
/* Every handle's object(s), for heap verification. */
void gc_handles_each(GcMarkFn visit);

#endif
