/* The native side of the Graft.Kernel C# library (sdk/lib/Graft.Kernel),
 * called directly through DllImport("*").
 *
 * Exports:
 *   graft_serial_write_utf16(const uint16_t *text, int32_t length)   UTF-16 -> UTF-8 on COM1, "\n" -> "\r\n"
 *   graft_port_in8/in16/in32(port), graft_port_out8/out16/out32(port, value)
 *   graft_machine_exit(code)     isa-debug-exit port 0xf4, then halt
 *   graft_machine_halt()         cli; hlt forever
 */
#include "graft_runtime.h"

static void put_utf8(uint32_t c) {
    if (c < 0x80) {
        if (c == '\n')
            serial_putc('\r');
        serial_putc((char)c);
    } else if (c < 0x800) {
        serial_putc((char)(0xC0 | (c >> 6)));
        serial_putc((char)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        serial_putc((char)(0xE0 | (c >> 12)));
        serial_putc((char)(0x80 | ((c >> 6) & 0x3F)));
        serial_putc((char)(0x80 | (c & 0x3F)));
    } else {
        serial_putc((char)(0xF0 | (c >> 18)));
        serial_putc((char)(0x80 | ((c >> 12) & 0x3F)));
        serial_putc((char)(0x80 | ((c >> 6) & 0x3F)));
        serial_putc((char)(0x80 | (c & 0x3F)));
    }
}

void graft_serial_write_utf16(const uint16_t *text, int32_t length) {
    for (int32_t i = 0; i < length; i++) {
        uint32_t c = text[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < length && text[i + 1] >= 0xDC00 && text[i + 1] < 0xE000) {
            c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
            i++;
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD; /* lone surrogate */
        }
        put_utf8(c);
    }
}

uint8_t graft_port_in8(uint16_t port) { return graft_inb(port); }

uint16_t graft_port_in16(uint16_t port) {
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

uint32_t graft_port_in32(uint16_t port) {
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

void graft_port_out8(uint16_t port, uint8_t value) { graft_outb(port, value); }

void graft_port_out16(uint16_t port, uint16_t value) {
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port));
}

void graft_port_out32(uint16_t port, uint32_t value) { graft_outl(port, value); }

void graft_machine_exit(int32_t code) { debug_exit((uint32_t)code); }

void graft_machine_halt(void) {
    for (;;)
        __asm__ volatile("cli; hlt");
}
