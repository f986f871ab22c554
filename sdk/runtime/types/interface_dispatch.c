/* Interface dispatch resolution (the assembly stub is interface_dispatch.asm).
 *
 * A dispatch cell (ILC 10.0) is {stub, cache}. Until a runtime rewrites it,
 * `cache` says which interface method is called: low bits 3 = a 32-bit
 * relative pointer (from &cell->cache) to the interface MethodTable, 2 = the
 * same but to a pointer to it, 1 = the MethodTable pointer itself; a value
 * below 0x1000 with low bits 0 is a vtable offset. A run of cells ends with a
 * cell whose stub is 0 and whose cache is (cell type << 16) | slot. Cells are
 * never rewritten here: resolutions go to a small global cache keyed by
 * (cell, MethodTable) and CoreLib's RhResolveDispatch does the real work.
 *
 * Exports:
 *   graft_resolve_interface_dispatch     called by RhpInitialDynamicInterfaceDispatch
 *   RhpGetDispatchCellInfo, RhpSearchDispatchCellCache, RhpUpdateDispatchCellCache
 *   RhNewInterfaceDispatchCell          a new cell pair for the type loader
 */
#include "graft_runtime.h"

typedef struct DispatchCell {
    uintptr_t stub;
    uintptr_t cache;
} DispatchCell;

enum { CELL_INTERFACE_AND_SLOT = 0, CELL_METADATA_TOKEN = 1, CELL_VTABLE_OFFSET = 2 };

/* CoreLib's DispatchCellInfo. */
typedef struct DispatchCellInfo {
    int32_t cell_type;
    MethodTable *interface_type;
    uint16_t interface_slot;
    uint8_t has_cache;
    uint32_t metadata_token;
    uint32_t vtable_offset;
} DispatchCellInfo;

void RhpGetDispatchCellInfo(DispatchCell *cell, DispatchCellInfo *info) {
    uintptr_t cache = cell->cache;
    memset(info, 0, sizeof *info);
    if ((cache & 3) == 0 && cache < 0x1000) {
        info->cell_type = CELL_VTABLE_OFFSET;
        info->vtable_offset = (uint32_t)cache;
        info->has_cache = 1;
        return;
    }
    if ((cache & 3) == 0)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "an interface dispatch cell points at a cache (not written by ILC 10.0)");

    const DispatchCell *last = cell;
    while (last->stub != 0)
        last++;
    info->cell_type = (int32_t)(last->cache >> 16);
    if (info->cell_type != CELL_INTERFACE_AND_SLOT) {
        info->metadata_token = (uint32_t)(cache >> 2);
        return;
    }
    info->interface_slot = (uint16_t)last->cache;
    switch (cache & 3) {
    case 1:
        info->interface_type = (MethodTable *)(cache & ~(uintptr_t)3);
        break;
    case 2:
    case 3: {
        uintptr_t target = ((uintptr_t)&cell->cache + (intptr_t)(int32_t)cache) & ~(uintptr_t)3;
        info->interface_type = (cache & 3) == 3 ? (MethodTable *)target : *(MethodTable **)target;
        break;
    }
    }
}

/* The cache: direct-mapped, (cell, type) -> code. */
#define CACHE_SIZE 1024
typedef struct CacheEntry {
    DispatchCell *cell;
    MethodTable *type;
    void *target;
} CacheEntry;
static CacheEntry cache[CACHE_SIZE];

static CacheEntry *cache_entry(DispatchCell *cell, MethodTable *type) {
    uintptr_t h = ((uintptr_t)cell >> 4) ^ ((uintptr_t)type >> 3) ^ ((uintptr_t)type >> 13);
    return &cache[h & (CACHE_SIZE - 1)];
}

void *RhpSearchDispatchCellCache(DispatchCell *cell, MethodTable *type) {
    CacheEntry *e = cache_entry(cell, type);
    return (e->cell == cell && e->type == type) ? e->target : 0;
}

void *RhpUpdateDispatchCellCache(DispatchCell *cell, void *target, MethodTable *type, DispatchCellInfo *info) {
    (void)info;
    CacheEntry *e = cache_entry(cell, type);
    e->cell = cell;
    e->type = type;
    e->target = target;
    return target;
}

/* CoreLib: IntPtr RhResolveDispatch(object, MethodTable* interfaceType, ushort slot). */
extern void *RhResolveDispatch(Object *object, MethodTable *interface_type, uint16_t slot);

void *graft_resolve_interface_dispatch(Object *object, DispatchCell *cell, void *return_address) {
    if (!object) /* interface_dispatch.asm throws NullReferenceException before coming here */
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "interface dispatch on a null reference");
    MethodTable *type = object->method_table;
    void *target = RhpSearchDispatchCellCache(cell, type);
    if (target)
        return target;

    DispatchCellInfo info;
    RhpGetDispatchCellInfo(cell, &info);
    if (info.cell_type == CELL_VTABLE_OFFSET)
        target = *(void **)((char *)type + info.vtable_offset);
    else if (info.cell_type == CELL_INTERFACE_AND_SLOT)
        target = RhResolveDispatch(object, info.interface_type, info.interface_slot);
    if (!target) {
        serial_write("\ngraft: cannot resolve an interface call (cell ");
        serial_write_hex((uint64_t)(uintptr_t)cell);
        serial_write(", type ");
        serial_write_hex((uint64_t)(uintptr_t)type);
        serial_write(") from ");
        serial_write_hex((uint64_t)(uintptr_t)return_address);
        serial_write("\n");
        debug_exit(GRAFT_EXIT_RUNTIME_ERROR);
    }
    return RhpUpdateDispatchCellCache(cell, target, type, &info);
}

/* A cell for (interface, slot) made at run time (type loader): the cell,
 * with the interface MethodTable tagged 1, then the run's terminator. */
extern char RhpInitialDynamicInterfaceDispatch[];

DispatchCell *RhNewInterfaceDispatchCell(MethodTable *interface_type, int32_t slot) {
    DispatchCell *cells = graft_heap_alloc(2 * sizeof(DispatchCell), 16);
    cells[0].stub = (uintptr_t)RhpInitialDynamicInterfaceDispatch;
    cells[0].cache = (uintptr_t)interface_type | 1;
    cells[1].stub = 0;
    cells[1].cache = (uint16_t)slot; /* cell type 0: interface and slot */
    return cells;
}
