/* Physical page frames: one bit per 4 KiB frame of RAM (1 = in use), built
 * from the Multiboot2 memory map. Available RAM (type 1) is managed, above
 * 4 GiB too; everything else (reserved, ACPI reclaimable and NVS, bad RAM,
 * holes) never is. Taken out of the available RAM before anything is handed
 * out: the first MiB (real-mode and firmware leftovers, page 0), the kernel
 * image, the boot information and each boot module, and the bitmap itself.
 *
 * Allocation is first fit from the lowest address (the page tables built
 * before paging.c switches to its own map must lie below 4 GiB, which the
 * boot entry maps). A hint remembers the lowest word that may have a free
 * frame, so single frames are found in a few steps.
 *
 * Exports:
 *   graft_frames_init, graft_frames_alloc, graft_frames_alloc_aligned,
 *   graft_frames_free, graft_frames_free_count, graft_frames_total_count,
 *   graft_frames_top, graft_memory_misuse
 */
#include "graft_runtime.h"

#define MB2_TAG_MODULE 3
#define MB2_TAG_MEMORY_MAP 6
#define MB2_MEMORY_AVAILABLE 1
#define LOW_MEMORY_END 0x100000ull
#define BOOT_MAPPED_END 0x100000000ull /* what the boot entry maps */
#define MAX_EXCLUDED 64

extern char __kernel_start[], __kernel_end[];

static uint64_t *bitmap;   /* bit set: frame in use (or not RAM) */
static uint64_t frame_count; /* frames the bitmap covers: [0, top) */
static uint64_t free_frames, managed_frames;
static uint64_t first_free_word; /* no word below it has a free bit */

typedef struct Range {
    uint64_t start, end;
} Range;

static Range excluded[MAX_EXCLUDED];
static int excluded_count;

static void exclude(uint64_t start, uint64_t end) {
    if (excluded_count == MAX_EXCLUDED)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "frames: more than 64 boot modules and areas to keep");
    excluded[excluded_count++] = (Range){start & ~(GRAFT_PAGE_SIZE - 1), (end + GRAFT_PAGE_SIZE - 1) & ~(GRAFT_PAGE_SIZE - 1)};
}

static int is_used(uint64_t frame) { return (int)((bitmap[frame / 64] >> (frame % 64)) & 1); }

static uint64_t bits_set(uint64_t w) { /* popcount without the popcnt instruction or libgcc */
    w -= (w >> 1) & 0x5555555555555555ull;
    w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
    w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return (w * 0x0101010101010101ull) >> 56;
}

static void mark(uint64_t first, uint64_t count, int used) {
    uint64_t end = first + count < frame_count ? first + count : frame_count;
    for (uint64_t f = first; f < end;) {
        if (f % 64 == 0 && end - f >= 64) { /* a whole word at once */
            uint64_t set = bits_set(bitmap[f / 64]);
            free_frames += used ? set - 64 : set;
            bitmap[f / 64] = used ? ~0ull : 0;
            f += 64;
            continue;
        }
        uint64_t bit = 1ull << (f % 64);
        if (used && !(bitmap[f / 64] & bit)) {
            bitmap[f / 64] |= bit;
            free_frames--;
        } else if (!used && (bitmap[f / 64] & bit)) {
            bitmap[f / 64] &= ~bit;
            free_frames++;
        }
        f++;
    }
}

/* Multiboot2 memory map entries: {base, length, type, reserved}. */
typedef struct MemoryEntry {
    uint64_t base, length;
    uint32_t type, reserved;
} MemoryEntry;

static const uint8_t *memory_map(uint64_t info, uint32_t *entry_size, const uint8_t **end) {
    const uint8_t *tag = graft_mb2_find_tag(info, MB2_TAG_MEMORY_MAP);
    if (!tag)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "the boot loader gave no memory map (Multiboot2 tag 6)");
    *entry_size = ((const uint32_t *)tag)[2];
    *end = tag + ((const uint32_t *)tag)[1];
    return tag + 16;
}

static int overlaps_excluded(uint64_t start, uint64_t end) {
    for (int i = 0; i < excluded_count; i++)
        if (start < excluded[i].end && excluded[i].start < end)
            return 1;
    return 0;
}

/* The lowest place for `bytes` in available RAM below 4 GiB that holds
 * nothing to keep: candidates are each region's start and each kept area's end. */
static uint64_t place_bitmap(uint64_t info, uint64_t bytes) {
    uint32_t entry_size;
    const uint8_t *end;
    const uint8_t *first = memory_map(info, &entry_size, &end);
    uint64_t best = 0;
    for (const uint8_t *e = first; e + sizeof(MemoryEntry) <= end; e += entry_size) {
        const MemoryEntry *m = (const MemoryEntry *)e;
        if (m->type != MB2_MEMORY_AVAILABLE)
            continue;
        for (int c = -1; c < excluded_count; c++) {
            uint64_t start = c < 0 ? m->base : excluded[c].end;
            start = (start + GRAFT_PAGE_SIZE - 1) & ~(GRAFT_PAGE_SIZE - 1);
            if (start < m->base || start < LOW_MEMORY_END || start + bytes > m->base + m->length ||
                start + bytes > BOOT_MAPPED_END || overlaps_excluded(start, start + bytes))
                continue;
            if (!best || start < best)
                best = start;
        }
    }
    if (!best)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "frames: no room below 4 GiB for the frame bitmap");
    return best;
}

/* `graft.verbose` as a word of the kernel command line. */
static int verbose(uint64_t info) {
    const char *line = graft_mb2_cmdline(info), *word = "graft.verbose";
    for (const char *p = line; *p; p++) {
        if (p != line && p[-1] != ' ' && p[-1] != '\t')
            continue;
        int i = 0;
        while (word[i] && p[i] == word[i])
            i++;
        if (!word[i] && (p[i] == 0 || p[i] == ' ' || p[i] == '\t'))
            return 1;
    }
    return 0;
}

static void write_mib(uint64_t bytes) {
    serial_write_dec(bytes >> 20);
    serial_write(" MiB");
}

void graft_frames_init(uint64_t info) {
    uint32_t entry_size;
    const uint8_t *end;
    const uint8_t *first = memory_map(info, &entry_size, &end);

    /* What GRUB or the PVH translation left in RAM that must stay. */
    exclude(0, LOW_MEMORY_END);
    exclude((uint64_t)(uintptr_t)__kernel_start, (uint64_t)(uintptr_t)__kernel_end);
    uint32_t info_size = *(const uint32_t *)(uintptr_t)info;
    exclude(info, info + info_size);
    for (const uint8_t *tag = (const uint8_t *)(uintptr_t)info + 8;
         tag + 8 <= (const uint8_t *)(uintptr_t)info + info_size;) {
        uint32_t tag_type = ((const uint32_t *)tag)[0], tag_size = ((const uint32_t *)tag)[1];
        if (tag_type == 0 || tag_size < 8)
            break;
        /* tag 3: {type, size, mod_start, mod_end, name} */
        if (tag_type == MB2_TAG_MODULE)
            exclude(((const uint32_t *)tag)[2], ((const uint32_t *)tag)[3]);
        tag += (tag_size + 7) & ~7u;
    }

    uint64_t top = 0;
    for (const uint8_t *e = first; e + sizeof(MemoryEntry) <= end; e += entry_size) {
        const MemoryEntry *m = (const MemoryEntry *)e;
        if (m->type == MB2_MEMORY_AVAILABLE && m->base + m->length > top)
            top = m->base + m->length;
    }
    frame_count = top / GRAFT_PAGE_SIZE;
    uint64_t words = (frame_count + 63) / 64;
    uint64_t bitmap_bytes = words * 8;
    uint64_t at = place_bitmap(info, bitmap_bytes);
    bitmap = (uint64_t *)(uintptr_t)at;
    memset(bitmap, 0xFF, bitmap_bytes);
    exclude(at, at + bitmap_bytes);

    /* Free every whole frame of available RAM, then take the kept areas out. */
    free_frames = 0;
    for (const uint8_t *e = first; e + sizeof(MemoryEntry) <= end; e += entry_size) {
        const MemoryEntry *m = (const MemoryEntry *)e;
        if (m->type != MB2_MEMORY_AVAILABLE)
            continue;
        uint64_t start = (m->base + GRAFT_PAGE_SIZE - 1) / GRAFT_PAGE_SIZE;
        uint64_t stop = (m->base + m->length) / GRAFT_PAGE_SIZE;
        if (stop > start)
            mark(start, stop - start, 0);
    }
    for (int i = 0; i < excluded_count; i++)
        mark(excluded[i].start / GRAFT_PAGE_SIZE, (excluded[i].end - excluded[i].start) / GRAFT_PAGE_SIZE, 1);
    managed_frames = free_frames;
    first_free_word = 0;
    if (managed_frames < 256)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "frames: less than 1 MiB of usable RAM");

    if (verbose(info)) {
        serial_write("graft: memory map (Multiboot2):\n");
        for (const uint8_t *e = first; e + sizeof(MemoryEntry) <= end; e += entry_size) {
            const MemoryEntry *m = (const MemoryEntry *)e;
            serial_write("graft:   ");
            serial_write_hex(m->base);
            serial_write("-");
            serial_write_hex(m->base + m->length);
            serial_write(m->type == 1 ? " available" : m->type == 3 ? " ACPI reclaimable"
                         : m->type == 4 ? " ACPI NVS" : m->type == 5 ? " bad" : " reserved");
            serial_write("\n");
        }
        uint64_t high = 0;
        for (uint64_t f = BOOT_MAPPED_END / GRAFT_PAGE_SIZE; f < frame_count; f++)
            high += !is_used(f);
        serial_write("graft: memory: ");
        write_mib(managed_frames * GRAFT_PAGE_SIZE);
        serial_write(" of RAM in page frames (");
        serial_write_dec(managed_frames);
        serial_write(" frames, ");
        write_mib(high * GRAFT_PAGE_SIZE);
        serial_write(" above 4 GiB); kept: the first MiB, the kernel ");
        serial_write_hex((uint64_t)(uintptr_t)__kernel_start);
        serial_write("-");
        serial_write_hex((uint64_t)(uintptr_t)__kernel_end);
        serial_write(", the boot information, ");
        serial_write_dec((uint64_t)(excluded_count - 4));
        serial_write(" module(s), the bitmap\n");
    }
}

/* The lowest run of `count` free frames whose first frame is a multiple of
 * `align_frames`; 0 when there is none (frame 0 is never free). */
static uint64_t find_run(uint64_t count, uint64_t align_frames) {
    uint64_t f = first_free_word * 64;
    while (f + count <= frame_count) {
        if (bitmap[f / 64] == ~0ull && f % 64 == 0) {
            f += 64;
            continue;
        }
        if (f % align_frames) {
            f += align_frames - f % align_frames;
            continue;
        }
        uint64_t n = 0;
        while (n < count && !is_used(f + n))
            n++;
        if (n == count)
            return f;
        f += n + 1; /* past the used frame */
    }
    return 0;
}

uint64_t graft_frames_alloc_aligned(uint64_t count, uint64_t align) {
    if (count == 0 || count > free_frames)
        return 0;
    uint64_t align_frames = align > GRAFT_PAGE_SIZE ? align / GRAFT_PAGE_SIZE : 1;
    uint64_t f;
    if (count == 1 && align_frames == 1) {
        uint64_t words = (frame_count + 63) / 64;
        while (first_free_word < words && bitmap[first_free_word] == ~0ull)
            first_free_word++;
        if (first_free_word == words)
            return 0;
        f = first_free_word * 64 + (uint64_t)__builtin_ctzll(~bitmap[first_free_word]);
        if (f >= frame_count)
            return 0;
    } else if (!(f = find_run(count, align_frames))) {
        return 0;
    }
    mark(f, count, 1);
    return f * GRAFT_PAGE_SIZE;
}

uint64_t graft_frames_alloc(uint64_t count) { return graft_frames_alloc_aligned(count, GRAFT_PAGE_SIZE); }

void graft_frames_free(uint64_t physical, uint64_t count) {
    uint64_t first = physical / GRAFT_PAGE_SIZE;
    if (physical % GRAFT_PAGE_SIZE || first + count > frame_count)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "graft_frames_free: not a frame address");
    for (uint64_t f = first; f < first + count; f++)
        if (!is_used(f))
            graft_memory_misuse("graft_frames_free: a frame that is not allocated (a double free) at", f * GRAFT_PAGE_SIZE);
    mark(first, count, 0);
    if (first / 64 < first_free_word)
        first_free_word = first / 64;
}

uint64_t graft_frames_free_count(void) { return free_frames; }
uint64_t graft_frames_total_count(void) { return managed_frames; }
uint64_t graft_frames_top(void) { return frame_count * GRAFT_PAGE_SIZE; }

__attribute__((noreturn, noinline)) void graft_memory_misuse(const char *what, uint64_t address) {
    serial_write("\ngraft: ");
    serial_write(what);
    serial_write(" ");
    serial_write_hex(address);
    serial_write("\n");
    /* The stack from here (rip, rsp and rbp read at one point); the walk
     * goes through the runtime's frames to the code that did it. */
    uint64_t regs[16] = {0}, rip;
    __asm__ volatile("lea (%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
                     : "=r"(rip), "=r"(regs[7]), "=r"(regs[6]));
    graft_print_stack(rip, regs);
    debug_exit(GRAFT_EXIT_RUNTIME_ERROR);
}
