/* Kernel memory (sdk/runtime/memory): physical page frames, the kernel's own
 * page tables and virtual ranges, and the native allocator. graft_runtime.h
 * includes this header; README.md ("Memory") draws the layout.
 *
 * Physical RAM is identity-mapped (virtual = physical) read-write and not
 * executable, so a frame's physical address is also a pointer to it. Virtual
 * ranges (graft_vm_*) live above all RAM, from GRAFT_VM_BASE, each with an
 * unmapped guard page below it.
 *
 * Nothing here takes a lock: one core, and none of it is called from an
 * interrupt handler.
 */
#ifndef GRAFT_MEMORY_H
#define GRAFT_MEMORY_H

#include <stdint.h>

#define GRAFT_PAGE_SIZE 4096ull

/* ---- page frames (memory/frames.c) ---- */

/* Builds the frame map from the Multiboot2 memory map: available RAM, less
 * the first MiB, the kernel image, the boot information and the boot
 * modules (reserved and ACPI areas are never available). With `graft.verbose`
 * on the command line it prints what it found. */
void graft_frames_init(uint64_t multiboot_info);
/* `count` physically contiguous 4 KiB frames, NOT zeroed: the physical
 * address of the first (also a pointer to it), or 0 when no free run is that
 * long. Lowest addresses first. */
uint64_t graft_frames_alloc(uint64_t count);
/* The same, the first frame's address a multiple of `align` (a power of two,
 * at least 4096). */
uint64_t graft_frames_alloc_aligned(uint64_t count, uint64_t align);
/* Gives frames back; each must be allocated (a double free stops the kernel). */
void graft_frames_free(uint64_t physical, uint64_t count);
/* Frames free now, and all frames the allocator manages. */
uint64_t graft_frames_free_count(void);
uint64_t graft_frames_total_count(void);
/* One past the highest byte of RAM the allocator manages. */
uint64_t graft_frames_top(void);
/* A misuse of an allocator (a double free, a pointer it never handed out):
 * prints "graft: <what> <address>" and the stack of the code that did it,
 * then stops the kernel (GRAFT_EXIT_RUNTIME_ERROR). */
__attribute__((noreturn)) void graft_memory_misuse(const char *what, uint64_t address);

/* ---- paging (memory/paging.c) ---- */

/* Rights of a mapping. Without GRAFT_VM_WRITE a page is read-only (CR0.WP:
 * for the kernel too); without GRAFT_VM_EXEC it is not executable. */
#define GRAFT_VM_WRITE    1u
#define GRAFT_VM_EXEC     2u
/* graft_vm_map_physical only: cached (default: uncached, for device memory). */
#define GRAFT_VM_CACHED   4u

/* Where virtual ranges start (above any identity-mapped RAM). */
#define GRAFT_VM_BASE 0x0000100000000000ull

/* Replaces the boot entry's identity map with the kernel's page tables:
 * RAM identity-mapped RW+NX (the rest of the first 4 GiB too, for devices
 * found there), page 0 not present, the kernel image with its sections'
 * rights (text R+X, rodata R, data and bss RW+NX); EFER.NXE and CR0.WP on. */
void graft_paging_init(void);
/* `bytes` (rounded up to pages) of fresh zeroed memory at a new virtual
 * range with an unmapped guard page below it (a stack's overflow faults
 * there); NULL when frames run out. */
void *graft_vm_alloc(uint64_t bytes, uint32_t flags);
/* Maps the physical range [physical, physical + bytes) at a new virtual
 * range (uncached unless GRAFT_VM_CACHED); the result points at `physical`. */
void *graft_vm_map_physical(uint64_t physical, uint64_t bytes, uint32_t flags);
/* Gives a range of graft_vm_alloc (its frames go back) or of
 * graft_vm_map_physical (the frames are not the kernel's) back. */
void graft_vm_free(void *address, uint64_t bytes);
/* Changes the rights of mapped pages (4 KiB granularity, a 2 MiB page is
 * split). Returns 0, changing nothing, if a page in the range is not mapped. */
int graft_vm_protect(void *address, uint64_t bytes, uint32_t flags);
/* Makes the 4 KiB page holding `address` not present. */
void graft_unmap_page(uint64_t address);
/* What a page-fault address is, for the fault report: 1 an unmapped guard
 * page under a virtual range (a stack's), 0 otherwise. */
int graft_vm_is_guard(uint64_t address);
/* Whether reading `address` would not fault (for the fault report's walks). */
int graft_vm_is_mapped(uint64_t address);
/* Virtual ranges in use (bytes, guard pages excluded). */
uint64_t graft_vm_used(void);
/* The managed stack's guard page (the first thread's), 0 before there is one. */
extern uint64_t graft_stack_guard;

/* ---- native memory (memory/native.c) ---- */

/* Blocks for NativeMemory, Marshal.AllocHGlobal and the runtime itself:
 * size classes of 16..2048 bytes over pages, larger blocks as page runs;
 * everything freed is reused and empty pages go back to the frames. Blocks
 * are 16-byte aligned and NOT zeroed; NULL when memory runs out. A block
 * freed twice, or a pointer never handed out, stops the kernel with
 * graft_memory_misuse. */
void graft_native_init(void);
void *graft_native_alloc(uint64_t size);
void *graft_native_alloc_zeroed(uint64_t size);
/* `align` a power of two (any size: up to a page through the size classes). */
void *graft_native_alloc_aligned(uint64_t size, uint64_t align);
/* realloc's rules: NULL -> alloc, size 0 -> free (returns NULL); the block
 * may move; on failure NULL and the old block stays. */
void *graft_native_realloc(void *block, uint64_t size);
void graft_native_free(void *block);
/* The usable size of a block (at least what was asked). */
uint64_t graft_native_block_size(const void *block);
/* Bytes in live blocks (as asked for, rounded to their class) and in the
 * pages behind them. */
uint64_t graft_native_used(void);
uint64_t graft_native_pages(void);

#endif
