/* GC handles: chunks of 4096 {object, secondary} slots, each with its kind.
 * A handle is the address of its slot (CoreLib reads the object straight
 * through it; the low bits are CoreLib's own tags, so slots are 16-byte
 * aligned). The collector (gc_collect.c) gives each kind the runtime's
 * meaning: strong and pinned handles are roots, weak handles are cleared
 * when their object dies (short ones before finalizers resurrect anything,
 * long ones after), a dependent handle keeps its secondary alive while its
 * primary is, and is cleared when the primary dies.
 *
 * Exports:
 *   RhpHandleAlloc, RhpHandleAllocDependent, RhHandleFree, RhHandleSet,
 *   RhHandleGetDependent, RhHandleSetDependentSecondary
 */
#include "gc_internal.h"

/* HandleType (the runtime's handle kinds; GCHandleType's values first). */
#define HANDLE_WEAK_SHORT   0
#define HANDLE_WEAK_LONG    1
#define HANDLE_STRONG       2
#define HANDLE_PINNED       3
#define HANDLE_DEPENDENT    6
#define HANDLE_WEAK_NATIVE_COM 9
#define HANDLE_FREE         0xFF

#define CHUNK_SLOTS 4096

typedef struct HandleSlot {
    Object *object;
    Object *secondary;  /* dependent handles; else the free-list link */
} HandleSlot;

typedef struct HandleChunk {
    HandleSlot slots[CHUNK_SLOTS];
    uint8_t kinds[CHUNK_SLOTS];
    struct HandleChunk *next;
    uint32_t used;
} HandleChunk;

static HandleChunk *chunks;
static HandleSlot *free_list;

static HandleSlot *slot_of(void *handle) {
    return (HandleSlot *)((uintptr_t)handle & ~(uintptr_t)15);
}

static uint8_t *kind_of(HandleSlot *slot) {
    for (HandleChunk *c = chunks; c; c = c->next)
        if (slot >= c->slots && slot < c->slots + CHUNK_SLOTS)
            return &c->kinds[slot - c->slots];
    graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "not a GC handle");
}

static HandleSlot *handle_new(uint8_t kind) {
    HandleSlot *slot;
    if (free_list) {
        slot = free_list;
        free_list = (HandleSlot *)slot->secondary;
        *kind_of(slot) = kind;
    } else {
        if (!chunks || chunks->used == CHUNK_SLOTS) {
            HandleChunk *c = gc_table_alloc(sizeof(HandleChunk));
            if (!c)
                graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory for GC handles");
            memset(c->kinds, HANDLE_FREE, sizeof c->kinds);
            c->next = chunks;
            chunks = c;
        }
        chunks->kinds[chunks->used] = kind;
        slot = &chunks->slots[chunks->used++];
    }
    slot->object = 0;
    slot->secondary = 0;
    return slot;
}

void *RhpHandleAlloc(Object *object, int32_t type) {
    HandleSlot *slot = handle_new((uint8_t)type);
    slot->object = object;
    return slot;
}

void *RhpHandleAllocDependent(Object *primary, Object *secondary) {
    HandleSlot *slot = handle_new(HANDLE_DEPENDENT);
    slot->object = primary;
    slot->secondary = secondary;
    return slot;
}

void RhHandleFree(void *handle) {
    HandleSlot *slot = slot_of(handle);
    *kind_of(slot) = HANDLE_FREE;
    slot->object = 0;
    slot->secondary = (Object *)free_list;
    free_list = slot;
}

void RhHandleSet(void *handle, Object *object) {
    slot_of(handle)->object = object;
}

Object *RhHandleGetDependent(void *handle, Object **secondary) {
    HandleSlot *slot = slot_of(handle);
    *secondary = slot->secondary;
    return slot->object;
}

void RhHandleSetDependentSecondary(void *handle, Object *secondary) {
    slot_of(handle)->secondary = secondary;
}

/* ---- what the collector asks ---- */

static int is_strong(uint8_t kind) {
    return kind != HANDLE_WEAK_SHORT && kind != HANDLE_WEAK_LONG && kind != HANDLE_DEPENDENT &&
           kind != HANDLE_WEAK_NATIVE_COM && kind != HANDLE_FREE;
}

void gc_handles_mark_strong(GcMarkFn mark) {
    for (HandleChunk *c = chunks; c; c = c->next)
        for (uint32_t i = 0; i < c->used; i++)
            if (is_strong(c->kinds[i]) && c->slots[i].object)
                mark(c->slots[i].object);
}

int gc_handles_mark_dependents(GcMarkFn mark, GcIsMarkedFn is_live) {
    int marked = 0;
    for (HandleChunk *c = chunks; c; c = c->next)
        for (uint32_t i = 0; i < c->used; i++) {
            HandleSlot *s = &c->slots[i];
            if (c->kinds[i] == HANDLE_DEPENDENT && s->object && s->secondary &&
                is_live(s->object) && !is_live(s->secondary)) {
                mark(s->secondary);
                marked = 1;
            }
        }
    return marked;
}

void gc_handles_clear_dead(int track_resurrection, GcIsMarkedFn is_live) {
    for (HandleChunk *c = chunks; c; c = c->next)
        for (uint32_t i = 0; i < c->used; i++) {
            HandleSlot *s = &c->slots[i];
            uint8_t kind = c->kinds[i];
            if (!s->object || is_live(s->object))
                continue;
            if (!track_resurrection && (kind == HANDLE_WEAK_SHORT || kind == HANDLE_WEAK_NATIVE_COM))
                s->object = 0;
            if (track_resurrection && kind == HANDLE_WEAK_LONG)
                s->object = 0;
            if (track_resurrection && kind == HANDLE_DEPENDENT)
                s->object = s->secondary = 0;
        }
}

void gc_handles_each(GcMarkFn visit) {
    for (HandleChunk *c = chunks; c; c = c->next)
        for (uint32_t i = 0; i < c->used; i++)
            if (c->kinds[i] != HANDLE_FREE) {
                visit(c->slots[i].object);
                if (c->kinds[i] == HANDLE_DEPENDENT)
                    visit(c->slots[i].secondary);
            }
}
