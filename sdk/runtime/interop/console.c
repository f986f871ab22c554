/* The console's byte stream on COM1, under System.Console's plugs
 * (sdk/lib/Graft.Kernel/Plugs/ConsolePal.cs through SerialConsole and
 * ConsoleInput): output bytes as they come, input by polling the UART.
 *
 * Exports:
 *   graft_console_write(bytes, length)   UTF-8 bytes to COM1, "\n" as "\r\n"
 *   graft_console_key_available()        1 when COM1 holds a received byte (LSR bit 0)
 *   graft_console_read_byte()            the next received byte; waits for one
 *
 * Polling is the seam for now: these are the only functions that read the
 * UART, so an interrupt-driven receiver (or a PS/2 keyboard, which feeds
 * Graft.Kernel.ConsoleInput) replaces them without touching the plugs. */
#include "graft_runtime.h"

#define COM1_DATA GRAFT_COM1
#define COM1_LINE_STATUS (GRAFT_COM1 + 5)
#define LSR_DATA_READY 0x01

void graft_console_write(const uint8_t *bytes, int32_t length) {
    for (int32_t i = 0; i < length; i++) {
        if (bytes[i] == '\n')
            serial_putc('\r');
        serial_putc((char)bytes[i]);
    }
}

int32_t graft_console_key_available(void) { return (graft_inb(COM1_LINE_STATUS) & LSR_DATA_READY) != 0; }

int32_t graft_console_read_byte(void) {
    while (!graft_console_key_available())
        __asm__ volatile("pause");
    return graft_inb(COM1_DATA);
}
