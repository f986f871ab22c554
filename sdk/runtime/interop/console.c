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
 *   graft_console_wait()                 lets ready threads run, else halts until input may have come (returns at once when it has)
 *   graft_console_input_init()           COM1's receive interrupt on IRQ 4, so that a byte wakes a halted reader
 *   graft_console_serial_interrupts      data: IRQ 4 interrupts taken
 *
 * Polling is the seam for now: these are the only functions that read the
 * UART, so an interrupt-driven receiver (or a PS/2 keyboard, which feeds
 * Graft.Kernel.ConsoleInput) replaces them without touching the plugs. */
#include "graft_runtime.h"
#include "interrupts/irq.h"

#define COM1_DATA GRAFT_COM1
#define COM1_LINE_STATUS (GRAFT_COM1 + 5)
#define COM1_INTERRUPT_ENABLE (GRAFT_COM1 + 1)
#define COM1_MODEM_CONTROL (GRAFT_COM1 + 4)
#define LSR_DATA_READY 0x01
#define IER_RECEIVED_DATA 0x01
#define MCR_OUT2 0x08 /* gates the UART's interrupt onto the bus on PCs */
#define COM1_IRQ 4

volatile uint64_t graft_console_serial_interrupts;

/* The byte stays in the UART for the reader's poll; the interrupt only ends
 * a hlt. It is edge-triggered: the next one comes after the byte is read. */
static void serial_received(int32_t vector) {
    (void)vector;
    graft_console_serial_interrupts++;
}

void graft_console_input_init(void) {
    if (graft_irq_install(COM1_IRQ, serial_received) < 0)
        return;
    graft_outb(COM1_MODEM_CONTROL, (uint8_t)(graft_inb(COM1_MODEM_CONTROL) | MCR_OUT2));
    graft_outb(COM1_INTERRUPT_ENABLE, IER_RECEIVED_DATA);
}

void graft_console_write(const uint8_t *bytes, int32_t length) {
    for (int32_t i = 0; i < length; i++) {
        if (bytes[i] == '\n')
            serial_putc('\r');
        serial_putc((char)bytes[i]);
    }
}

static int serial_byte_ready(void) { return (graft_inb(COM1_LINE_STATUS) & LSR_DATA_READY) != 0; }

int32_t graft_console_key_available(void) { return graft_keyboard_available() || serial_byte_ready(); }

int32_t RhYield(void); /* threads/threads.c */

/* A reader's wait: other ready threads run first (the tick preempts them and
 * the reader polls again), and only with none ready does the CPU halt. */
void graft_console_wait(void) {
    if (!RhYield())
        graft_idle_unless(graft_console_key_available);
}

int32_t graft_console_read_byte(void) {
    for (;;) {
        int32_t key = graft_keyboard_read();
        if (key >= 0)
            return key;
        if (serial_byte_ready())
            return graft_inb(COM1_DATA);
        graft_console_wait();
    }
}
