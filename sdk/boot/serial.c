/* COM1 serial console, debug exit and boot information (Multiboot2, and PVH
 * start info turned into Multiboot2) for Graft kernels. Freestanding: no
 * libc, no SSE needed. See graft_boot.h. */
#include "graft_boot.h"

void serial_init(void) {
    graft_outb(GRAFT_COM1 + 1, 0x00); /* no interrupts */
    graft_outb(GRAFT_COM1 + 3, 0x80); /* DLAB on: set the divisor */
    graft_outb(GRAFT_COM1 + 0, 0x01); /* 115200 / 1 = 115200 baud */
    graft_outb(GRAFT_COM1 + 1, 0x00);
    graft_outb(GRAFT_COM1 + 3, 0x03); /* DLAB off; 8 bits, no parity, 1 stop bit */
    /* FIFOs off: switching them on empties the receiver, and a byte may be
     * waiting there already (graft run passes its stdin from the machine's
     * start); the console polls one byte at a time anyway. */
    graft_outb(GRAFT_COM1 + 2, 0x00);
    graft_outb(GRAFT_COM1 + 4, 0x03); /* DTR, RTS */
}

void serial_putc(char c) {
    /* Wait for the transmit holding register to empty (LSR bit 5); give up
     * after a while so that a missing UART cannot hang the kernel. */
    for (uint32_t spins = 0; spins < 100000; spins++) {
        if (graft_inb(GRAFT_COM1 + 5) & 0x20)
            break;
    }
    graft_outb(GRAFT_COM1, (uint8_t)c);
}

void serial_write(const char *s) {
    for (; *s; s++) {
        if (*s == '\n')
            serial_putc('\r');
        serial_putc(*s);
    }
}

void serial_write_hex(uint64_t value) {
    static const char digits[] = "0123456789abcdef";
    char buffer[19];
    buffer[0] = '0';
    buffer[1] = 'x';
    int n = 2;
    int shift = 60;
    while (shift > 0 && ((value >> shift) & 0xF) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        buffer[n++] = digits[(value >> shift) & 0xF];
    buffer[n] = 0;
    serial_write(buffer);
}

void serial_write_dec(uint64_t value) {
    char buffer[21];
    int n = 20;
    buffer[n] = 0;
    do {
        buffer[--n] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    serial_write(buffer + n);
}

void debug_exit(uint32_t code) {
    graft_outl(GRAFT_DEBUG_EXIT_PORT, code);
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Boot information: u32 total_size, u32 reserved, then tags, each
 * {u32 type; u32 size; ...} starting on an 8-byte boundary, until type 0. */
const void *graft_mb2_find_tag(uint64_t info, uint32_t type) {
    if (info == 0)
        return NULL;
    const uint8_t *start = (const uint8_t *)(uintptr_t)info;
    uint32_t total = *(const uint32_t *)start;
    const uint8_t *end = start + total;
    const uint8_t *tag = start + 8;
    while (tag + 8 <= end) {
        uint32_t tag_type = ((const uint32_t *)tag)[0];
        uint32_t tag_size = ((const uint32_t *)tag)[1];
        if (tag_type == GRAFT_MB2_TAG_END || tag_size < 8)
            return NULL;
        if (tag_type == type)
            return tag;
        tag += (tag_size + 7) & ~7u;
    }
    return NULL;
}

static const char *string_tag(uint64_t info, uint32_t type) {
    const uint8_t *tag = graft_mb2_find_tag(info, type);
    return tag ? (const char *)(tag + 8) : "";
}

const char *graft_mb2_cmdline(uint64_t info) {
    return string_tag(info, GRAFT_MB2_TAG_CMDLINE);
}

const char *graft_mb2_boot_loader_name(uint64_t info) {
    return string_tag(info, GRAFT_MB2_TAG_BOOT_LOADER_NAME);
}

/* ---- PVH boot --------------------------------------------------------------
 * The hvm_start_info a PVH loader passes (QEMU -kernel, Xen,
 * cloud-hypervisor) turned into Multiboot2 boot information, so that the
 * kernel above sdk/boot reads one form however it was started.
 *
 * multiboot2_entry.asm's pvh_start enters long mode like _start does, then
 * calls graft_pvh_boot_info and passes its result to graft_kernel_main with
 * the Multiboot2 magic. Translated:
 *
 *   start info              Multiboot2 tag
 *   cmdline_paddr           1  command line (copied; cut at 4 KiB)
 *   (the entry itself)      2  boot loader name "PVH"
 *   modlist_paddr           3  one module tag per module (below 4 GiB)
 *   memmap_paddr (v1)       6  memory map: the e820 entries as they are
 *                              (the e820 and Multiboot2 type numbers agree)
 *
 * A version 0 start info has no memory map; the kernel then gets none (the
 * runtime stops and says so). The ACPI RSDP is not passed on.
 *
 * The information is built in .bss, below __kernel_end: whatever hands out
 * memory above the kernel cannot overwrite it. It lives in this file, beside
 * the Multiboot2 readers, so that the entry and serial.c stay the pair every
 * kernel links. */

struct pvh_start_info {
    uint32_t magic; /* GRAFT_PVH_START_MAGIC */
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    /* version 1 and later */
    uint64_t memmap_paddr;
    uint32_t memmap_entries;
    uint32_t reserved;
};

struct pvh_module {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};

struct pvh_memmap_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
    uint32_t reserved;
};

#define CMDLINE_MAX 4096
#define MODULES_MAX 16
#define MODULE_NAME_MAX 256
#define MEMMAP_MAX 128
#define MB2_TAG_MODULE 3
#define MB2_TAG_MEMORY_MAP 6
#define MB2_MEMORY_MAP_ENTRY_SIZE 24

/* Room for every tag at its largest, each rounded up to 8 bytes. */
#define INFO_SIZE                                                              \
    (8 + (8 + CMDLINE_MAX) + 16 + MODULES_MAX * (16 + MODULE_NAME_MAX) +      \
     (16 + MEMMAP_MAX * MB2_MEMORY_MAP_ENTRY_SIZE) + 8 + 64)

static uint64_t info_buffer[INFO_SIZE / 8];

static uint8_t *put_u32(uint8_t *at, uint32_t value) {
    *(uint32_t *)at = value;
    return at + 4;
}

static uint8_t *put_u64(uint8_t *at, uint64_t value) {
    *(uint64_t *)at = value;
    return at + 8;
}

/* Copies the NUL-terminated string at physical address `text` (none: "")
 * to `at`, at most max - 1 bytes and a NUL; returns the bytes written. */
static uint32_t put_string(uint8_t *at, uint64_t text, uint32_t max) {
    const char *s = text ? (const char *)(uintptr_t)text : "";
    uint32_t n = 0;
    while (n + 1 < max && s[n]) {
        at[n] = (uint8_t)s[n];
        n++;
    }
    at[n] = 0;
    return n + 1;
}

/* Ends the tag that starts at `tag` at `end`: writes its size, returns the
 * next 8-byte boundary. */
static uint8_t *close_tag(uint8_t *tag, uint8_t *end) {
    ((uint32_t *)tag)[1] = (uint32_t)(end - tag);
    while ((uintptr_t)end & 7)
        *end++ = 0;
    return end;
}

uint64_t graft_pvh_boot_info(uint64_t start_info) {
    const struct pvh_start_info *si = (const struct pvh_start_info *)(uintptr_t)start_info;
    if (!si || si->magic != GRAFT_PVH_START_MAGIC) {
        serial_init();
        serial_write("graft: started at the PVH entry without a PVH start info (magic ");
        serial_write_hex(si ? si->magic : 0);
        serial_write(", expected 0x336ec578)\n");
        return 0;
    }

    uint8_t *start = (uint8_t *)info_buffer;
    uint8_t *at = start + 8; /* total_size and reserved, written last */

    uint8_t *tag = at;
    at = put_u32(put_u32(at, GRAFT_MB2_TAG_CMDLINE), 0);
    at += put_string(at, si->cmdline_paddr, CMDLINE_MAX);
    at = close_tag(tag, at);

    tag = at;
    at = put_u32(put_u32(at, GRAFT_MB2_TAG_BOOT_LOADER_NAME), 0);
    at += put_string(at, (uint64_t)(uintptr_t)"PVH", 8);
    at = close_tag(tag, at);

    const struct pvh_module *modules = (const struct pvh_module *)(uintptr_t)si->modlist_paddr;
    for (uint32_t i = 0; modules && i < si->nr_modules && i < MODULES_MAX; i++) {
        uint64_t end = modules[i].paddr + modules[i].size;
        if (end > 0xFFFFFFFFull)
            continue; /* a Multiboot2 module tag holds 32-bit addresses */
        tag = at;
        at = put_u32(put_u32(at, MB2_TAG_MODULE), 0);
        at = put_u32(put_u32(at, (uint32_t)modules[i].paddr), (uint32_t)end);
        at += put_string(at, modules[i].cmdline_paddr, MODULE_NAME_MAX);
        at = close_tag(tag, at);
    }

    if (si->version >= 1 && si->memmap_paddr && si->memmap_entries) {
        const struct pvh_memmap_entry *e820 = (const struct pvh_memmap_entry *)(uintptr_t)si->memmap_paddr;
        tag = at;
        at = put_u32(put_u32(at, MB2_TAG_MEMORY_MAP), 0);
        at = put_u32(put_u32(at, MB2_MEMORY_MAP_ENTRY_SIZE), 0); /* entry_size, entry_version */
        for (uint32_t i = 0; i < si->memmap_entries && i < MEMMAP_MAX; i++) {
            at = put_u64(put_u64(at, e820[i].addr), e820[i].size);
            at = put_u32(put_u32(at, e820[i].type), 0);
        }
        at = close_tag(tag, at);
    }

    at = put_u32(put_u32(at, GRAFT_MB2_TAG_END), 8);
    put_u32(put_u32(start, (uint32_t)(at - start)), 0);
    return (uint64_t)(uintptr_t)start;
}
