/* Native memory, apart from the managed heap: NativeMemory.Alloc and
 * Marshal.AllocHGlobal (through interop/system_native.c) and the runtime's
 * own blocks. Everything freed is reused.
 *
 * Small blocks (up to 2048 bytes) come in eight power-of-two size classes,
 * 16 to 2048 bytes; a page (frame) holds blocks of one class, its free
 * blocks chained through their first two bytes (offset + 1 of the next).
 * A class keeps a list of its pages that have free blocks; a page whose
 * last block is freed goes back to the frames (unless it is its class's only
 * page with room). A block of a power-of-two class is aligned to its size,
 * which gives aligned allocation up to 2048 for free. Larger blocks are runs
 * of contiguous frames (aligned as asked).
 *
 * What a page is for is kept beside it, not in it: a table per 2 MiB of
 * physical memory, made when the allocator first uses a frame there, one
 * PageInfo per frame. Blocks are identity-mapped RAM, so a block's page is
 * its address rounded down.
 *
 * Exports:
 *   graft_native_init, graft_native_alloc, graft_native_alloc_zeroed,
 *   graft_native_alloc_aligned, graft_native_realloc, graft_native_free,
 *   graft_native_block_size, graft_native_used, graft_native_pages
 */
#include "graft_runtime.h"

#define CLASSES 8
#define SMALLEST 16u
#define LARGEST_SMALL 2048u
#define FRAMES_PER_CHUNK 512u
/* Written, xor the block's address, into the second word of a free small
 * block: a block freed twice is found without walking its page's list
 * (the walk only confirms). Blocks are at least 16 bytes. */
#define FREE_TAG 0x46524545424C4B21ull /* "FREEBLK!" */

enum { PAGE_NOT_NATIVE = 0, PAGE_SMALL = 1, PAGE_LARGE = 2 };

typedef struct PageInfo {
    uint32_t prev, next;  /* frame numbers in the class's list of pages with room, 0 = none */
    uint16_t free_head;   /* offset + 1 of the first free block, 0 = the page is full */
    uint16_t used;        /* blocks in use */
    uint8_t kind, size_class;
    uint16_t spare;
    uint32_t pages;       /* PAGE_LARGE: frames in the run */
} PageInfo;

static PageInfo **chunks; /* one table of FRAMES_PER_CHUNK per 2 MiB, or NULL */
static uint64_t chunk_count;
static uint32_t with_room[CLASSES]; /* first page with a free block, per class */
static uint64_t used_bytes, page_count;

void graft_native_init(void) {
    chunk_count = (graft_frames_top() / GRAFT_PAGE_SIZE + FRAMES_PER_CHUNK - 1) / FRAMES_PER_CHUNK;
    uint64_t bytes = chunk_count * sizeof(PageInfo *);
    uint64_t frames = (bytes + GRAFT_PAGE_SIZE - 1) / GRAFT_PAGE_SIZE;
    chunks = (PageInfo **)(uintptr_t)graft_frames_alloc(frames);
    if (!chunks)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "native memory: no room for the page table index");
    memset(chunks, 0, frames * GRAFT_PAGE_SIZE);
}

static PageInfo *info_of(uint64_t frame, int create) {
    uint64_t chunk = frame / FRAMES_PER_CHUNK;
    if (chunk >= chunk_count)
        return 0;
    if (!chunks[chunk] && create) {
        uint64_t bytes = FRAMES_PER_CHUNK * sizeof(PageInfo);
        PageInfo *table = (PageInfo *)(uintptr_t)graft_frames_alloc((bytes + GRAFT_PAGE_SIZE - 1) / GRAFT_PAGE_SIZE);
        if (!table)
            return 0;
        memset(table, 0, bytes);
        chunks[chunk] = table;
    }
    return chunks[chunk] ? &chunks[chunk][frame % FRAMES_PER_CHUNK] : 0;
}

static uint8_t *page_at(uint32_t frame) { return (uint8_t *)(uintptr_t)((uint64_t)frame * GRAFT_PAGE_SIZE); }
static uint32_t class_size(int c) { return SMALLEST << c; }

static int class_of(uint64_t size) {
    int c = 0;
    while (class_size(c) < size)
        c++;
    return c;
}

static void unlink_page(int c, uint32_t frame, PageInfo *info) {
    if (info->prev)
        info_of(info->prev, 0)->next = info->next;
    else
        with_room[c] = info->next;
    if (info->next)
        info_of(info->next, 0)->prev = info->prev;
    info->prev = info->next = 0;
}

static void link_page(int c, uint32_t frame, PageInfo *info) {
    info->prev = 0;
    info->next = with_room[c];
    if (with_room[c])
        info_of(with_room[c], 0)->prev = frame;
    with_room[c] = frame;
}

static void *alloc_small(int c) {
    uint32_t size = class_size(c);
    uint32_t frame = with_room[c];
    PageInfo *info;
    if (frame) {
        info = info_of(frame, 0);
    } else {
        uint64_t address = graft_frames_alloc(1);
        if (!address)
            return 0;
        frame = (uint32_t)(address / GRAFT_PAGE_SIZE);
        info = info_of(frame, 1);
        if (!info) {
            graft_frames_free(address, 1);
            return 0;
        }
        uint8_t *page = page_at(frame);
        for (uint32_t offset = 0; offset < GRAFT_PAGE_SIZE; offset += size)
            *(uint16_t *)(page + offset) = offset + size < GRAFT_PAGE_SIZE ? (uint16_t)(offset + size + 1) : 0;
        *info = (PageInfo){.free_head = 1, .kind = PAGE_SMALL, .size_class = (uint8_t)c};
        link_page(c, frame, info);
        page_count++;
    }
    uint8_t *block = page_at(frame) + info->free_head - 1;
    info->free_head = *(uint16_t *)block;
    ((uint64_t *)block)[1] = 0;
    info->used++;
    if (!info->free_head)
        unlink_page(c, frame, info);
    used_bytes += size;
    return block;
}

static void *alloc_large(uint64_t size, uint64_t align) {
    uint64_t pages = (size + GRAFT_PAGE_SIZE - 1) / GRAFT_PAGE_SIZE;
    if (pages >> 32)
        return 0;
    uint64_t address = graft_frames_alloc_aligned(pages, align);
    if (!address)
        return 0;
    PageInfo *info = info_of(address / GRAFT_PAGE_SIZE, 1);
    if (!info) {
        graft_frames_free(address, pages);
        return 0;
    }
    *info = (PageInfo){.kind = PAGE_LARGE, .pages = (uint32_t)pages};
    used_bytes += pages * GRAFT_PAGE_SIZE;
    page_count += pages;
    return (void *)(uintptr_t)address;
}

void *graft_native_alloc_aligned(uint64_t size, uint64_t align) {
    if (!size)
        size = 1;
    if (align < SMALLEST)
        align = SMALLEST;
    if (align & (align - 1))
        return 0;
    uint64_t need = size > align ? size : align;
    if (need <= LARGEST_SMALL)
        return alloc_small(class_of(need));
    return alloc_large(size, align > GRAFT_PAGE_SIZE ? align : GRAFT_PAGE_SIZE);
}

void *graft_native_alloc(uint64_t size) { return graft_native_alloc_aligned(size, SMALLEST); }

void *graft_native_alloc_zeroed(uint64_t size) {
    void *block = graft_native_alloc(size);
    if (block)
        memset(block, 0, size);
    return block;
}

/* The page information of a live block; a pointer the allocator did not
 * hand out stops the kernel (a stray or double free would corrupt it). */
static PageInfo *block_info(const void *block, uint64_t *offset) {
    uint64_t address = (uint64_t)(uintptr_t)block;
    PageInfo *info = info_of(address / GRAFT_PAGE_SIZE, 0);
    *offset = address % GRAFT_PAGE_SIZE;
    if (info && info->kind == PAGE_SMALL && *offset % class_size(info->size_class) == 0)
        return info;
    if (info && info->kind == PAGE_LARGE && *offset == 0)
        return info;
    graft_memory_misuse("native memory: not a block of the native allocator (freed twice, or never allocated):", address);
}

/* Whether the block at `offset` is on its page's free list. */
static int is_free(const PageInfo *info, uint32_t frame, uint64_t offset) {
    for (uint16_t next = info->free_head; next; next = *(const uint16_t *)(page_at(frame) + next - 1))
        if (next - 1u == offset)
            return 1;
    return 0;
}

uint64_t graft_native_block_size(const void *block) {
    uint64_t offset;
    PageInfo *info = block_info(block, &offset);
    return info->kind == PAGE_SMALL ? class_size(info->size_class) : (uint64_t)info->pages * GRAFT_PAGE_SIZE;
}

void graft_native_free(void *block) {
    if (!block)
        return;
    uint64_t offset;
    PageInfo *info = block_info(block, &offset);
    uint64_t address = (uint64_t)(uintptr_t)block;
    if (info->kind == PAGE_LARGE) {
        uint64_t pages = info->pages;
        info->kind = PAGE_NOT_NATIVE;
        used_bytes -= pages * GRAFT_PAGE_SIZE;
        page_count -= pages;
        graft_frames_free(address, pages);
        return;
    }
    int c = info->size_class;
    uint32_t frame = (uint32_t)(address / GRAFT_PAGE_SIZE);
    uint64_t *tag = (uint64_t *)block + 1;
    if (*tag == (FREE_TAG ^ address) && is_free(info, frame, offset))
        graft_memory_misuse("native memory: a block freed twice:", address);
    *tag = FREE_TAG ^ address;
    int was_full = !info->free_head;
    *(uint16_t *)block = info->free_head;
    info->free_head = (uint16_t)(offset + 1);
    info->used--;
    used_bytes -= class_size(c);
    if (was_full)
        link_page(c, frame, info);
    /* An empty page goes back, unless it is the only one with room: a block
     * allocated and freed in a loop would take and give a frame each time. */
    if (!info->used && (info->prev || info->next)) {
        unlink_page(c, frame, info);
        info->kind = PAGE_NOT_NATIVE;
        page_count--;
        graft_frames_free(address - offset, 1);
    }
}

void *graft_native_realloc(void *block, uint64_t size) {
    if (!block)
        return graft_native_alloc(size);
    if (!size) {
        graft_native_free(block);
        return 0;
    }
    uint64_t old = graft_native_block_size(block);
    if (size <= old)
        return block;
    void *moved = graft_native_alloc(size);
    if (!moved)
        return 0;
    memcpy(moved, block, old);
    graft_native_free(block);
    return moved;
}

uint64_t graft_native_used(void) { return used_bytes; }
uint64_t graft_native_pages(void) { return page_count; }
