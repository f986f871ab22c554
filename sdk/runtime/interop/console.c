/* The console's byte stream on COM1, under System.Console's plugs
 * (sdk/lib/Graft.Kernel/Plugs/ConsolePal.cs through SerialConsole and
 * ConsoleInput): output bytes as they come; input from the PS/2 keyboard
 * (drivers/ps2_keyboard.c, interrupt-driven: its bytes first) and by polling
 * the UART.
 *
 * Exports:
 *   graft_console_write(bytes, length)   UTF-8 bytes to COM1, "\n" as "\r\n"
 *   graft_console_key_available()        1 when the keyboard queued a byte or COM1 holds one (LSR bit 0)
 *   graft_console_read_byte()            the next byte, the keyboard's first; waits for one (the CPU halts)
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

static int serial_byte_ready(void) { return (graft_inb(COM1_LINE_STATUS) & LSR_DATA_READY) != 0; }

int32_t graft_console_key_available(void) { return graft_keyboard_available() || serial_byte_ready(); }

int32_t graft_console_read_byte(void) {
    for (;;) {
        int32_t key = graft_keyboard_read();
        if (key >= 0)
            return key;
        if (serial_byte_ready())
            return graft_inb(COM1_DATA);
        graft_idle(); /* the timer's tick wakes it to poll COM1 again */
    }
}
