/* Graft's freestanding boot support for kernels written in C (and the native
 * layer under C# kernels): port I/O, the COM1 serial console, the QEMU
 * isa-debug-exit port, and the Multiboot2 boot information.
 *
 * multiboot2_entry.asm is entered by a Multiboot2 loader (GRUB, at _start)
 * or a PVH loader (QEMU -kernel, at pvh_start), enters long mode and calls
 *
 *     uint32_t graft_kernel_main(uint32_t magic, uint64_t info);
 *
 * which the kernel defines, with the Multiboot2 magic and information either
 * way: after a PVH entry, serial.c builds the information from the PVH start
 * info first. Its return value goes to port 0xf4 (QEMU exits with status
 * (value << 1) | 1), then the CPU halts.
 */
#ifndef GRAFT_BOOT_H
#define GRAFT_BOOT_H

#include <stdint.h>
#include <stddef.h>

#define GRAFT_MULTIBOOT2_BOOT_MAGIC 0x36D76289u
/* hvm_start_info.magic; graft_kernel_main gets it as `magic` only when a PVH
 * start info could not be translated (serial.c says why on COM1). */
#define GRAFT_PVH_START_MAGIC 0x336EC578u
#define GRAFT_COM1 0x3F8
#define GRAFT_DEBUG_EXIT_PORT 0xF4

/* Multiboot2 boot information tag types this library reads. */
#define GRAFT_MB2_TAG_END 0
#define GRAFT_MB2_TAG_CMDLINE 1
#define GRAFT_MB2_TAG_BOOT_LOADER_NAME 2

uint32_t graft_kernel_main(uint32_t magic, uint64_t info);

static inline void graft_outb(uint16_t port, uint8_t value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void graft_outl(uint16_t port, uint32_t value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t graft_inb(uint16_t port) {
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

/* COM1 at 115200 baud, 8 data bits, no parity, one stop bit, FIFOs off (a
 * byte received before serial_init stays readable). */
void serial_init(void);
void serial_putc(char c);
/* Writes a NUL-terminated string; "\n" goes out as "\r\n". */
void serial_write(const char *s);
void serial_write_hex(uint64_t value);
void serial_write_dec(uint64_t value);

/* Writes code to port 0xf4: under QEMU with isa-debug-exit the machine stops
 * with status (code << 1) | 1. On hardware it returns; then the CPU halts. */
__attribute__((noreturn)) void debug_exit(uint32_t code);

/* Finds the first boot information tag of the given type, or NULL. `info` is
 * the second argument of graft_kernel_main. */
const void *graft_mb2_find_tag(uint64_t info, uint32_t type);

/* The kernel command line the boot loader passed (tag type 1), "" if none. */
const char *graft_mb2_cmdline(uint64_t info);

/* The boot loader's name (tag type 2), "" if none; "PVH" after a PVH entry. */
const char *graft_mb2_boot_loader_name(uint64_t info);

/* Multiboot2 boot information built from a PVH hvm_start_info (command line,
 * memory map, modules), or 0 when `start_info` is not one. Called by the boot
 * entry; the result lives in .bss. */
uint64_t graft_pvh_boot_info(uint64_t start_info);

#endif
