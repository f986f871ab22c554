/* Page-level changes to the boot entry's identity map (2 MiB pages over the
 * first 4 GiB): a 2 MiB page is split into 4 KiB pages on demand so that
 * single pages can be unmapped. Used for page 0 (a null dereference faults
 * instead of reading the interrupt vector table) and for the guard page under
 * the managed stack (a stack overflow faults instead of overwriting memory).
 *
 * Exports:
 *   graft_unmap_page(address)      the 4 KiB page holding address becomes not-present
 *   graft_stack_guard              the managed stack's guard page (interrupts/idt.c names faults there)
 */
#include "graft_runtime.h"

#define PAGE_PRESENT 1ull
#define PAGE_WRITABLE 2ull
#define PAGE_HUGE (1ull << 7)
#define ADDRESS_MASK 0x000FFFFFFFFFF000ull

uint64_t graft_stack_guard;

static uint64_t *table(uint64_t entry) { return (uint64_t *)(uintptr_t)(entry & ADDRESS_MASK); }

static uint64_t read_cr3(void) {
    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    return cr3;
}

void graft_unmap_page(uint64_t address) {
    uint64_t *pml4 = table(read_cr3());
    uint64_t pml4e = pml4[(address >> 39) & 511];
    if (!(pml4e & PAGE_PRESENT))
        return;
    uint64_t pdpte = table(pml4e)[(address >> 30) & 511];
    if (!(pdpte & PAGE_PRESENT))
        return;
    if (pdpte & PAGE_HUGE)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "graft_unmap_page: 1 GiB pages are not supported");
    uint64_t *pde = &table(pdpte)[(address >> 21) & 511];
    if (!(*pde & PAGE_PRESENT))
        return;
    if (*pde & PAGE_HUGE) {
        /* Split: 512 small pages with the same rights (bits 0-4 and NX). */
        uint64_t *pt = graft_heap_alloc(4096, 4096);
        uint64_t base = *pde & 0x000FFFFFFFE00000ull;
        uint64_t rights = (*pde & 0x1Full) | (*pde & (1ull << 63));
        for (uint64_t i = 0; i < 512; i++)
            pt[i] = (base + i * 4096) | rights;
        *pde = (uint64_t)(uintptr_t)pt | PAGE_PRESENT | PAGE_WRITABLE;
    }
    table(*pde)[(address >> 12) & 511] &= ~PAGE_PRESENT;
    /* Flush the whole TLB: the split changed a 2 MiB translation. */
    __asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}
