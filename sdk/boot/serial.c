/* COM1 serial console, debug exit and Multiboot2 boot information for Graft
 * kernels. Freestanding: no libc, no SSE needed. See graft_boot.h. */
#include "graft_boot.h"

void serial_init(void) {
    graft_outb(GRAFT_COM1 + 1, 0x00); /* no interrupts */
    graft_outb(GRAFT_COM1 + 3, 0x80); /* DLAB on: set the divisor */
    graft_outb(GRAFT_COM1 + 0, 0x01); /* 115200 / 1 = 115200 baud */
    graft_outb(GRAFT_COM1 + 1, 0x00);
    graft_outb(GRAFT_COM1 + 3, 0x03); /* DLAB off; 8 bits, no parity, 1 stop bit */
    graft_outb(GRAFT_COM1 + 2, 0xC7); /* FIFOs on, cleared, 14-byte threshold */
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
