/* GC handles: a fixed table of {object, secondary} slots. A handle is the
 * address of its slot (CoreLib reads the object straight through it; the
 * low bit is CoreLib's own "pinned" tag, so slots are 16-byte aligned).
 * With no collector, every handle kind (weak, strong, pinned, dependent)
 * simply keeps its object.
 *
 * Exports:
 *   RhpHandleAlloc, RhpHandleAllocDependent, RhHandleFree, RhHandleSet,
 *   RhHandleGetDependent
 */
#include "graft_runtime.h"

#define HANDLE_COUNT 4096

typedef struct HandleSlot {
    Object *object;
    Object *secondary;  /* dependent handles; else the free-list link */
} HandleSlot;

static HandleSlot handles[HANDLE_COUNT] __attribute__((aligned(16)));
static HandleSlot *free_list;
static uint32_t handles_used;

static HandleSlot *handle_new(void) {
    HandleSlot *slot;
    if (free_list) {
        slot = free_list;
        free_list = (HandleSlot *)slot->secondary;
    } else if (handles_used < HANDLE_COUNT) {
        slot = &handles[handles_used++];
    } else {
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "the GC handle table is full (4096 handles)");
    }
    slot->object = 0;
    slot->secondary = 0;
    return slot;
}

void *RhpHandleAlloc(Object *object, int32_t type) {
    (void)type;
    HandleSlot *slot = handle_new();
    slot->object = object;
    return slot;
}

void *RhpHandleAllocDependent(Object *primary, Object *secondary) {
    HandleSlot *slot = handle_new();
    slot->object = primary;
    slot->secondary = secondary;
    return slot;
}

void RhHandleFree(void *handle) {
    HandleSlot *slot = (HandleSlot *)((uintptr_t)handle & ~(uintptr_t)15);
    slot->object = 0;
    slot->secondary = (Object *)free_list;
    free_list = slot;
}

void RhHandleSet(void *handle, Object *object) {
    ((HandleSlot *)((uintptr_t)handle & ~(uintptr_t)15))->object = object;
}

Object *RhHandleGetDependent(void *handle, Object **secondary) {
    HandleSlot *slot = (HandleSlot *)((uintptr_t)handle & ~(uintptr_t)15);
    *secondary = slot->secondary;
    return slot->object;
}
