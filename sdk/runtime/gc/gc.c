/* GC control, finalization requests and heap figures: what CoreLib's
 * System.GC and Graft.Kernel's Heap ask of the collector (gc_collect.c).
 *
 * There is one heap generation: every collection is full, so each
 * generation's collection count is the number of collections and every
 * object is in generation 0 (GC.MaxGeneration is 0). Finalizers run on the
 * collecting thread right after a collection (README.md, "Finalization"):
 * at the end of GC.Collect, of GC.WaitForPendingFinalizers, and of an
 * allocation that collected.
 *
 * Exports:
 *   RhpCollect, RhGetGcCollectionCount, RhGetMaxGcGeneration,
 *   RhpGetGcTotalMemory, RhGetTotalAllocatedBytes, RhGetTotalAllocatedBytesPrecise,
 *   RhGetAllocatedBytesForCurrentThread, RhGetTotalPauseDuration, RhGetMemoryInfo,
 *   RhSuppressFinalize, RhReRegisterForFinalize, RhWaitForPendingFinalizers,
 *   RhpStartNoGCRegion (stub), RhpEndNoGCRegion (none is in progress),
 *   RhpWaitForFinalizerRequest, RhpSignalFinalizationComplete (stubs: no
 *   finalizer thread), RhGetGeneration (0), RhRegisterForGCReporting,
 *   RhUnregisterForGCReporting (nothing to do: the stack is scanned
 *   conservatively, the frames they register included), RhGetGCDescSize (a
 *   MethodTable's GCDesc size, for the type loader)
 *   graft_heap_figures, graft_heap_print_figures   Graft.Kernel's Heap
 *   graft_gc_note_unhandled   an unhandled OutOfMemoryException prints the figures
 */
#include "gc_internal.h"

void RhpCollect(int32_t generation, int32_t mode, int32_t low_memory) {
    (void)generation; (void)mode; (void)low_memory;
    gc_collect();
    gc_run_finalizers();
}

int32_t RhGetGcCollectionCount(int32_t generation, int32_t special) {
    (void)special;
    return generation >= 0 ? (int32_t)gc_figures.collections : 0;
}

int32_t RhGetMaxGcGeneration(void) { return 0; }

int64_t RhpGetGcTotalMemory(void) {
    return (int64_t)(gc_figures.live_bytes + gc_allocated_since_collection - gc_context_unused());
}

int64_t RhGetTotalAllocatedBytes(void) {
    return (int64_t)(gc_figures.allocated_bytes + gc_context_used());
}

/* One thread: the same figure, exact. */
int64_t RhGetTotalAllocatedBytesPrecise(void) { return RhGetTotalAllocatedBytes(); }
int64_t RhGetAllocatedBytesForCurrentThread(void) { return RhGetTotalAllocatedBytes(); }

/* GC.GetTotalPauseDuration: TimeSpan ticks (100 ns). */
int64_t RhGetTotalPauseDuration(void) { return (int64_t)(gc_figures.total_pause_ns / 100); }

/* CoreLib's GCMemoryInfoData (StructLayout Sequential), from its first field. */
typedef struct GenerationInfo {
    int64_t size_before, fragmentation_before, size_after, fragmentation_after;
} GenerationInfo;
typedef struct MemoryInfoData {
    int64_t high_memory_load_threshold, total_available, memory_load, heap_size, fragmented,
        total_committed, promoted, pinned_objects, finalization_pending, index;
    int32_t generation, pause_time_percentage;
    uint8_t compacted, concurrent;
    GenerationInfo generations[5];
    int64_t pause_duration[2]; /* TimeSpan ticks (100 ns) */
} MemoryInfoData;

void RhGetMemoryInfo(MemoryInfoData *data, int32_t kind) {
    (void)kind; /* every collection is full and blocking */
    uint64_t total = gc_heap_bytes() + gc_memory_available();
    memset(data, 0, sizeof *data);
    data->total_available = (int64_t)total;
    data->high_memory_load_threshold = (int64_t)(total / 10 * 9);
    data->memory_load = (int64_t)gc_heap_bytes();
    data->heap_size = (int64_t)gc_figures.heap_bytes;
    data->fragmented = (int64_t)(gc_figures.heap_bytes - gc_figures.live_bytes);
    data->total_committed = (int64_t)gc_heap_bytes();
    data->promoted = (int64_t)gc_figures.live_bytes;
    data->finalization_pending = (int64_t)gc_figures.pending_finalizers;
    data->index = (int64_t)gc_figures.collections;
    data->pause_time_percentage = 0;
    data->generations[0].size_after = (int64_t)gc_figures.live_bytes;
    data->pause_duration[0] = (int64_t)(gc_figures.last_pause_ns / 100);
}

void RhSuppressFinalize(Object *object) {
    *gc_finalize_bits(object) |= GC_FINALIZE_SUPPRESSED;
}

int32_t RhReRegisterForFinalize(Object *object) {
    uint32_t *bits = gc_finalize_bits(object);
    *bits &= ~GC_FINALIZE_SUPPRESSED;
    if (*bits & (GC_FINALIZE_QUEUED | GC_FINALIZE_PENDING))
        return 1;
    return gc_register_finalizer(object);
}

void RhWaitForPendingFinalizers(int32_t allow_reentrant_wait) {
    (void)allow_reentrant_wait;
    gc_run_finalizers();
}

/* A no-GC region would need its whole budget reserved up front. */
int32_t RhpStartNoGCRegion(int64_t size, int32_t has_loh_size, int64_t loh_size, int32_t disallow_full_gc) {
    (void)size; (void)has_loh_size; (void)loh_size; (void)disallow_full_gc;
    graft_not_implemented("RhpStartNoGCRegion (GC.TryStartNoGCRegion)");
}

/* None is ever in progress: GC.EndNoGCRegion throws, as documented. */
int32_t RhpEndNoGCRegion(void) { return 1; /* EndNoGCRegionStatus.NotInProgress */ }

void RhpWaitForFinalizerRequest(void) { graft_not_implemented("RhpWaitForFinalizerRequest (finaliser thread)"); }

void RhpSignalFinalizationComplete(void) { graft_not_implemented("RhpSignalFinalizationComplete (finaliser thread)"); }

int32_t RhGetGeneration(Object *object) {
    (void)object;
    return 0;
}

void RhRegisterForGCReporting(void *frame) { (void)frame; }

void RhUnregisterForGCReporting(void *frame) { (void)frame; }

/* The bytes of GCDesc before a MethodTable (each_reference in gc_collect.c
 * reads the same layout): the type loader copies a template's GCDesc when it
 * builds a type at run time (LINQ's ThenBy, generic virtual methods over new
 * instantiations). A count of n > 0 series is the count and n {size, offset}
 * pairs; a count of -n is the count, one offset and n {pointers, skip} items. */
int32_t RhGetGCDescSize(const MethodTable *mt) {
    if (!(mt->flags & MT_CONTAINS_POINTERS))
        return 0;
    int64_t series = ((const int64_t *)mt)[-1];
    if (series >= 0)
        return (int32_t)(8 + series * 16);
    return (int32_t)(16 - series * 8);
}

/* ---- heap figures ---- */

/* Graft.Kernel's Heap.Figures reads this layout (Heap.cs). */
typedef struct HeapFigures {
    uint64_t heap_bytes, live_bytes, collections, longest_pause_ns, total_pause_ns,
        last_pause_ns, allocated_bytes, finalizers_run;
} HeapFigures;

void graft_heap_figures(HeapFigures *out) {
    out->heap_bytes = gc_heap_bytes();
    out->live_bytes = gc_figures.live_bytes;
    out->collections = gc_figures.collections;
    out->longest_pause_ns = gc_figures.longest_pause_ns;
    out->total_pause_ns = gc_figures.total_pause_ns;
    out->last_pause_ns = gc_figures.last_pause_ns;
    out->allocated_bytes = gc_figures.allocated_bytes + gc_context_used();
    out->finalizers_run = gc_figures.finalizers_run;
}

static void write_kib(const char *name, uint64_t bytes) {
    serial_write(name);
    serial_write_dec(bytes >> 10);
    serial_write(" KiB");
}

static void write_us(const char *name, uint64_t ns) {
    serial_write(name);
    serial_write_dec(ns / 1000);
    serial_write(" us");
}

void graft_heap_print_figures(void) {
    serial_write("graft: heap: ");
    write_kib("size ", gc_heap_bytes());
    write_kib(", live after the last collection ", gc_figures.live_bytes);
    serial_write(", collections ");
    serial_write_dec(gc_figures.collections);
    write_us(", longest pause ", gc_figures.longest_pause_ns);
    write_us(", total pause ", gc_figures.total_pause_ns);
    write_kib(", allocated ", gc_figures.allocated_bytes + gc_context_used());
    write_kib(", memory left ", gc_memory_available());
    serial_write("\n");
}

/* CoreLib's GetRuntimeException (ClassLibFunctionId 0) for ExceptionIDs.OutOfMemory
 * gives its preallocated instance: its type is the one to recognise. */
#define EXCEPTION_ID_OUT_OF_MEMORY 1
typedef Object *(*GetRuntimeExceptionFn)(int32_t id);

void graft_gc_note_unhandled(Object *exception) {
    if (!exception || !gc_figures.out_of_memory_count)
        return;
    Object *oom = ((GetRuntimeExceptionFn)graft_classlib_functions[0])(EXCEPTION_ID_OUT_OF_MEMORY);
    if (oom && gc_method_table(oom) == gc_method_table(exception))
        graft_heap_print_figures();
}
