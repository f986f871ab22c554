/* GC control and finalisation, for a runtime with no collector yet: the heap
 * only grows (memory/heap.c), nothing is ever collected or finalised. Requests that
 * a non-collecting heap can honestly answer are answered (GC.Collect says once
 * on COM1 that it freed nothing); the finaliser thread's calls stop the
 * kernel, since no such thread exists.
 *
 * Exports:
 *   RhpCollect, RhGetGcCollectionCount, RhGetMaxGcGeneration,
 *   RhpGetGcTotalMemory, RhGetMemoryInfo (stub),
 *   RhSuppressFinalize, RhReRegisterForFinalize,
 *   RhpStartNoGCRegion, RhpEndNoGCRegion,
 *   RhpGetNextFinalizableObject, RhpWaitForFinalizerRequest (stub),
 *   RhpSignalFinalizationComplete (stub),
 *   RhGetGeneration (0: nothing is ever promoted),
 *   RhRegisterForGCReporting, RhUnregisterForGCReporting (no collector scans
 *   stacks, so there is nothing to report roots to),
 *   RhGetGCDescSize (stub)
 */
#include "graft_runtime.h"

static int collect_noted;

void RhpCollect(int32_t generation, int32_t mode, int32_t low_memory) {
    (void)generation; (void)mode; (void)low_memory;
    if (!collect_noted) {
        collect_noted = 1;
        serial_write("graft: GC.Collect: there is no garbage collector yet; nothing was freed\n");
    }
}

int32_t RhGetGcCollectionCount(int32_t generation, int32_t special) {
    (void)generation; (void)special;
    return 0;
}

int32_t RhGetMaxGcGeneration(void) { return 0; }

int64_t RhpGetGcTotalMemory(void) { return (int64_t)graft_heap_used(); }

void RhGetMemoryInfo(void) { graft_not_implemented("RhGetMemoryInfo (GC.GetGCMemoryInfo)"); }

void RhSuppressFinalize(Object *object) { (void)object; }

int32_t RhReRegisterForFinalize(Object *object) {
    (void)object;
    return 1;
}

/* Nothing collects, so every region is a no-GC region: success. */
int32_t RhpStartNoGCRegion(int64_t size, int32_t has_loh_size, int64_t loh_size, int32_t disallow_full_gc) {
    (void)size; (void)has_loh_size; (void)loh_size; (void)disallow_full_gc;
    return 0;
}

int32_t RhpEndNoGCRegion(void) { return 0; }

Object *RhpGetNextFinalizableObject(void) { return 0; }

void RhpWaitForFinalizerRequest(void) { graft_not_implemented("RhpWaitForFinalizerRequest (finaliser thread)"); }

void RhpSignalFinalizationComplete(void) { graft_not_implemented("RhpSignalFinalizationComplete (finaliser thread)"); }

int32_t RhGetGeneration(Object *object) {
    (void)object;
    return 0;
}

void RhRegisterForGCReporting(void *frame) { (void)frame; }

void RhUnregisterForGCReporting(void *frame) { (void)frame; }

void RhGetGCDescSize(void) { graft_not_implemented("RhGetGCDescSize (type loader)"); }
