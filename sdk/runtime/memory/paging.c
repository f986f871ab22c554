/* The kernel's page tables, built after boot to replace the boot entry's
 * 0-4 GiB read-write-execute identity map (README.md, "Memory"):
 *
 *   0 - 4 KiB            not present: a null dereference faults
 *   4 KiB - kernel       identity, read-write, not executable
 *   kernel image         identity, with its sections' rights (from the
 *                        linker script): __kernel_start..__rodata_start
 *                        (headers, .text) read + execute, ..__data_start
 *                        (.rodata, .eh_frame) read only, ..__kernel_end
 *                        (.data, .bss) read-write, not executable; the
 *                        pages under the boot stack (the boot entry's last
 *                        page directory, unused now) and under the fault
 *                        stacks (interrupts/idt.c) not present: guards
 *   the rest of 4 GiB    identity, read-write, not executable (2 MiB pages;
 *                        RAM, and devices code finds there by address)
 *   RAM above 4 GiB      identity, read-write, not executable (2 MiB pages)
 *   GRAFT_VM_BASE up     virtual ranges (graft_vm_alloc: stacks, heap
 *                        regions; graft_vm_map_physical: devices), 4 KiB
 *                        pages, each range with an unmapped guard page below
 *
 * With EFER.NXE (if the CPU has NX) and CR0.WP, a write to code or rodata,
 * a jump into data or a heap, and a stack overflow all fault, and the fault
 * report (interrupts/idt.c) says which. Page tables come from the frame
 * allocator (memory/frames.c); a range's freed virtual addresses are reused.
 *
 * Exports:
 *   graft_paging_init, graft_vm_alloc, graft_vm_map_physical, graft_vm_free,
 *   graft_vm_protect, graft_vm_is_guard, graft_vm_is_mapped, graft_vm_used, graft_unmap_page,
 *   graft_stack_guard (data)
 */
#include "graft_runtime.h"

#define PTE_PRESENT  (1ull << 0)
#define PTE_WRITE    (1ull << 1)
#define PTE_PWT      (1ull << 3)
#define PTE_PCD      (1ull << 4)
#define PTE_HUGE     (1ull << 7)
#define PTE_OWNED    (1ull << 9)  /* available to software: the frame belongs to the range */
#define PTE_NX       (1ull << 63)
#define ADDRESS_MASK 0x000FFFFFFFFFF000ull
#define HUGE_ADDRESS_MASK 0x000FFFFFFFE00000ull
#define HUGE_PAGE    0x200000ull
#define FOUR_GIB     0x100000000ull
#define VM_END       0x0000800000000000ull /* the top of the canonical lower half */
#define MSR_EFER     0xC0000080u
#define EFER_NXE     (1u << 11)
#define CR0_WP       (1ull << 16)
#define MAX_FREE_RANGES 512

extern char __kernel_start[], __rodata_start[], __data_start[], __kernel_end[];
/* sdk/boot/multiboot2_entry.asm: the boot stack's lowest byte, page-aligned,
 * right above the boot page directories (unused once these tables are). */
extern char graft_boot_stack[];

uint64_t graft_stack_guard;

static uint64_t *pml4;
static uint64_t no_execute; /* PTE_NX, or 0 on a CPU without NX */
static uint64_t vm_next = GRAFT_VM_BASE, vm_mapped;

static uint64_t *table(uint64_t entry) { return (uint64_t *)(uintptr_t)(entry & ADDRESS_MASK); }

static void flush_all(void) {
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0\n\tmov %0, %%cr3" : "=r"(cr3) : : "memory");
}

static void flush_page(uint64_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }

static uint64_t *new_table(void) {
    uint64_t frame = graft_frames_alloc(1);
    if (!frame)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory for page tables");
    memset((void *)(uintptr_t)frame, 0, GRAFT_PAGE_SIZE);
    return (uint64_t *)(uintptr_t)frame;
}

/* The next level's table under `entry`; created when absent and `create`. */
static uint64_t *next_table(uint64_t *entry, int create) {
    if (!(*entry & PTE_PRESENT)) {
        if (!create)
            return 0;
        /* Rights are decided at the last level: tables allow everything. */
        *entry = (uint64_t)(uintptr_t)new_table() | PTE_PRESENT | PTE_WRITE;
    }
    return table(*entry);
}

/* The page directory entry (2 MiB) of `va`. */
static uint64_t *pd_entry(uint64_t va, int create) {
    uint64_t *pdpt = next_table(&pml4[(va >> 39) & 511], create);
    if (!pdpt)
        return 0;
    uint64_t *pd = next_table(&pdpt[(va >> 30) & 511], create);
    return pd ? &pd[(va >> 21) & 511] : 0;
}

/* The 4 KiB page table entry of `va`; a 2 MiB page holding it is split into
 * 512 small pages with its rights. */
static uint64_t *pt_entry(uint64_t va, int create) {
    uint64_t *pde = pd_entry(va, create);
    if (!pde)
        return 0;
    if ((*pde & PTE_PRESENT) && (*pde & PTE_HUGE)) {
        uint64_t *pt = new_table();
        uint64_t base = *pde & HUGE_ADDRESS_MASK;
        uint64_t rights = *pde & (PTE_PRESENT | PTE_WRITE | PTE_PWT | PTE_PCD | PTE_NX);
        for (uint64_t i = 0; i < 512; i++)
            pt[i] = (base + i * GRAFT_PAGE_SIZE) | rights;
        *pde = (uint64_t)(uintptr_t)pt | PTE_PRESENT | PTE_WRITE;
        flush_all();
    }
    uint64_t *pt = next_table(pde, create);
    return pt ? &pt[(va >> 12) & 511] : 0;
}

static uint64_t rights(uint32_t flags) {
    return PTE_PRESENT | ((flags & GRAFT_VM_WRITE) ? PTE_WRITE : 0) | ((flags & GRAFT_VM_EXEC) ? 0 : no_execute);
}

/* What the identity map gives the 4 KiB page at `pa`. */
static uint64_t identity_rights(uint64_t pa) {
    if (pa == 0)
        return 0;
    if (pa >= (uint64_t)(uintptr_t)__kernel_start && pa < (uint64_t)(uintptr_t)__rodata_start)
        return rights(GRAFT_VM_EXEC);
    if (pa >= (uint64_t)(uintptr_t)__rodata_start && pa < (uint64_t)(uintptr_t)__data_start)
        return rights(0);
    return rights(GRAFT_VM_WRITE);
}

void graft_paging_init(void) {
    uint32_t eax, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0x80000001u), "c"(0));
    if (edx & (1u << 20)) {
        uint32_t lo, hi;
        __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(MSR_EFER));
        lo |= EFER_NXE;
        __asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(MSR_EFER));
        no_execute = PTE_NX;
    } else {
        serial_write("graft: this CPU has no NX bit: data and stacks stay executable\n");
    }

    /* Built while the boot map is active: the frames come from below 4 GiB
     * (lowest first), which it maps. */
    pml4 = new_table();
    uint64_t small_end = ((uint64_t)(uintptr_t)__kernel_end + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uint64_t top = graft_frames_top();
    if (top < FOUR_GIB)
        top = FOUR_GIB;
    if (top > GRAFT_VM_BASE)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "paging: more RAM than the identity map has room for (16 TiB)");
    for (uint64_t va = 0; va < top; va += HUGE_PAGE) {
        if (va < small_end) {
            for (uint64_t pa = va; pa < va + HUGE_PAGE; pa += GRAFT_PAGE_SIZE)
                *pt_entry(pa, 1) = pa | identity_rights(pa);
        } else {
            *pd_entry(va, 1) = va | PTE_HUGE | rights(GRAFT_VM_WRITE);
        }
    }
    __asm__ volatile("mov %0, %%cr3" : : "r"((uint64_t)(uintptr_t)pml4) : "memory");
    /* The boot stack's guard page: the last page of the boot page directories. */
    graft_unmap_page((uint64_t)(uintptr_t)graft_boot_stack - GRAFT_PAGE_SIZE);
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_WP) : "memory");
}

void graft_unmap_page(uint64_t address) {
    uint64_t *pte = pml4 ? pt_entry(address & ~(GRAFT_PAGE_SIZE - 1), 0) : 0;
    if (!pte)
        return;
    *pte &= ~PTE_PRESENT;
    flush_page(address);
}

int graft_vm_protect(void *address, uint64_t bytes, uint32_t flags) {
    uint64_t start = (uint64_t)(uintptr_t)address & ~(GRAFT_PAGE_SIZE - 1);
    uint64_t end = (uint64_t)(uintptr_t)address + bytes;
    for (uint64_t va = start; va < end; va += GRAFT_PAGE_SIZE) {
        uint64_t *pte = pt_entry(va, 0);
        if (!pte || !(*pte & PTE_PRESENT))
            return 0;
    }
    for (uint64_t va = start; va < end; va += GRAFT_PAGE_SIZE) {
        uint64_t *pte = pt_entry(va, 0);
        *pte = (*pte & (ADDRESS_MASK | PTE_OWNED | PTE_PCD | PTE_PWT)) | rights(flags);
        flush_page(va);
    }
    return 1;
}

/* ---- virtual ranges ---- */

/* Freed virtual ranges (guard pages included), sorted and merged; a range
 * that does not fit when the list is full is dropped (its addresses are
 * never reused, nothing else is lost). */
typedef struct VmRange {
    uint64_t start, bytes;
} VmRange;

static VmRange free_ranges[MAX_FREE_RANGES];
static int free_range_count;

static uint64_t take_range(uint64_t bytes) {
    for (int i = 0; i < free_range_count; i++) {
        if (free_ranges[i].bytes < bytes)
            continue;
        uint64_t start = free_ranges[i].start;
        free_ranges[i].start += bytes;
        free_ranges[i].bytes -= bytes;
        if (!free_ranges[i].bytes) {
            for (int j = i; j + 1 < free_range_count; j++)
                free_ranges[j] = free_ranges[j + 1];
            free_range_count--;
        }
        return start;
    }
    if (bytes > VM_END - vm_next)
        return 0;
    uint64_t start = vm_next;
    vm_next += bytes;
    return start;
}

static void give_range(uint64_t start, uint64_t bytes) {
    int i = 0;
    while (i < free_range_count && free_ranges[i].start < start)
        i++;
    if (i > 0 && free_ranges[i - 1].start + free_ranges[i - 1].bytes == start) {
        free_ranges[i - 1].bytes += bytes;
        if (i < free_range_count && start + bytes == free_ranges[i].start) {
            free_ranges[i - 1].bytes += free_ranges[i].bytes;
            for (int j = i; j + 1 < free_range_count; j++)
                free_ranges[j] = free_ranges[j + 1];
            free_range_count--;
        }
    } else if (i < free_range_count && start + bytes == free_ranges[i].start) {
        free_ranges[i].start = start;
        free_ranges[i].bytes += bytes;
    } else if (free_range_count < MAX_FREE_RANGES) {
        for (int j = free_range_count; j > i; j--)
            free_ranges[j] = free_ranges[j - 1];
        free_ranges[i] = (VmRange){start, bytes};
        free_range_count++;
    } else {
        return;
    }
    /* The range at the end goes back to the untouched space. */
    VmRange *last = &free_ranges[free_range_count - 1];
    if (last->start + last->bytes == vm_next) {
        vm_next = last->start;
        free_range_count--;
    }
}

/* Unmaps [va, va + pages), freeing the frames the range owns. */
static void unmap_range(uint64_t va, uint64_t pages) {
    for (uint64_t i = 0; i < pages; i++, va += GRAFT_PAGE_SIZE) {
        uint64_t *pte = pt_entry(va, 0);
        if (!pte || !(*pte & PTE_PRESENT))
            continue;
        if (*pte & PTE_OWNED)
            graft_frames_free(*pte & ADDRESS_MASK, 1);
        *pte = 0;
        flush_page(va);
        vm_mapped -= GRAFT_PAGE_SIZE;
    }
}

void *graft_vm_alloc(uint64_t bytes, uint32_t flags) {
    uint64_t pages = (bytes + GRAFT_PAGE_SIZE - 1) / GRAFT_PAGE_SIZE;
    if (!pages || pages > graft_frames_free_count())
        return 0;
    uint64_t guard = take_range((pages + 1) * GRAFT_PAGE_SIZE);
    if (!guard)
        return 0;
    uint64_t base = guard + GRAFT_PAGE_SIZE;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t frame = graft_frames_alloc(1);
        if (!frame) {
            unmap_range(base, i);
            give_range(guard, (pages + 1) * GRAFT_PAGE_SIZE);
            return 0;
        }
        memset((void *)(uintptr_t)frame, 0, GRAFT_PAGE_SIZE);
        *pt_entry(base + i * GRAFT_PAGE_SIZE, 1) = frame | rights(flags) | PTE_OWNED;
        vm_mapped += GRAFT_PAGE_SIZE;
    }
    return (void *)(uintptr_t)base;
}

void *graft_vm_map_physical(uint64_t physical, uint64_t bytes, uint32_t flags) {
    uint64_t offset = physical & (GRAFT_PAGE_SIZE - 1);
    uint64_t pages = (offset + bytes + GRAFT_PAGE_SIZE - 1) / GRAFT_PAGE_SIZE;
    if (!pages)
        return 0;
    uint64_t guard = take_range((pages + 1) * GRAFT_PAGE_SIZE);
    if (!guard)
        return 0;
    uint64_t base = guard + GRAFT_PAGE_SIZE, first = physical - offset;
    uint64_t cache = (flags & GRAFT_VM_CACHED) ? 0 : PTE_PCD | PTE_PWT;
    for (uint64_t i = 0; i < pages; i++) {
        *pt_entry(base + i * GRAFT_PAGE_SIZE, 1) = (first + i * GRAFT_PAGE_SIZE) | rights(flags) | cache;
        vm_mapped += GRAFT_PAGE_SIZE;
    }
    return (void *)(uintptr_t)(base + offset);
}

void graft_vm_free(void *address, uint64_t bytes) {
    uint64_t va = (uint64_t)(uintptr_t)address;
    if (!address)
        return;
    if (va < GRAFT_VM_BASE + GRAFT_PAGE_SIZE || va >= vm_next)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "graft_vm_free: the address is not in a virtual range");
    uint64_t base = va & ~(GRAFT_PAGE_SIZE - 1);
    uint64_t pages = (va - base + bytes + GRAFT_PAGE_SIZE - 1) / GRAFT_PAGE_SIZE;
    unmap_range(base, pages);
    give_range(base - GRAFT_PAGE_SIZE, (pages + 1) * GRAFT_PAGE_SIZE);
}

int graft_vm_is_guard(uint64_t address) {
    if (!pml4 || address < GRAFT_VM_BASE || address >= vm_next)
        return 0;
    uint64_t page = address & ~(GRAFT_PAGE_SIZE - 1);
    uint64_t *pte = pt_entry(page, 0), *above = pt_entry(page + GRAFT_PAGE_SIZE, 0);
    return (!pte || !(*pte & PTE_PRESENT)) && above && (*above & PTE_PRESENT);
}

int graft_vm_is_mapped(uint64_t address) {
    if (!pml4) /* the boot map: the first 4 GiB */
        return address < FOUR_GIB;
    uint64_t *pdpt = next_table(&pml4[(address >> 39) & 511], 0);
    uint64_t *pd = pdpt ? next_table(&pdpt[(address >> 30) & 511], 0) : 0;
    uint64_t pde = pd ? pd[(address >> 21) & 511] : 0;
    if (!(pde & PTE_PRESENT) || (pde & PTE_HUGE))
        return (int)(pde & PTE_PRESENT);
    return (int)(table(pde)[(address >> 12) & 511] & PTE_PRESENT);
}

uint64_t graft_vm_used(void) { return vm_mapped; }
