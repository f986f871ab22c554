/* The PS/2 keyboard on IRQ 1: scan codes (set 1, the i8042's translation of
 * the keyboard's set 2) become the bytes a terminal would send, which the
 * console reads before COM1's (interop/console.c, under Console.ReadKey and
 * ReadLine): US layout, both shifts, caps lock (letters only), Ctrl+letter
 * as its control character, Enter as CR, Backspace as DEL, Tab, Escape, the
 * arrows, Home, End and Delete as ANSI sequences (ESC [ A ... ESC [ 3 ~),
 * which ConsoleKeys decodes as it decodes a terminal's.
 *
 * Exports:
 *   graft_keyboard_init()        the controller (port 1, IRQ on, translation on, port 2 off), IRQ 1
 *   graft_keyboard_available()   1 when a byte is queued
 *   graft_keyboard_read()        the next queued byte, -1 if none
 *   graft_keyboard_scancodes()   scan code bytes received since boot (Graft.Kernel.Keyboard)
 *
 * The interrupt handler is the queue's only writer and the console its only
 * reader; a full queue (255 bytes) drops keys. */
#include "graft_runtime.h"
#include "interrupts/irq.h"

#define DATA 0x60
#define STATUS 0x64 /* read: status; write: controller command */
#define STATUS_OUTPUT_FULL 0x01
#define STATUS_INPUT_FULL 0x02
#define CONFIG_PORT1_IRQ 0x01
#define CONFIG_PORT2_IRQ 0x02
#define CONFIG_PORT1_CLOCK_OFF 0x10
#define CONFIG_TRANSLATE 0x40

static uint8_t queue[256];
static volatile uint8_t queue_start, queue_end;
static volatile uint64_t scancodes;
static int present;
static int shift_left, shift_right, ctrl, caps_lock, extended;

/* Set 1 make codes 0x00-0x39: unshifted and shifted characters (0: not a character). */
static const char plain[0x3A] =
    "\0\x1b" "1234567890-=\x7f\t" "qwertyuiop[]\r\0" "asdfghjkl;'`\0\\" "zxcvbnm,./\0*\0 ";
static const char shifted[0x3A] =
    "\0\x1b" "!@#$%^&*()_+\x7f\t" "QWERTYUIOP{}\r\0" "ASDFGHJKL:\"~\0|" "ZXCVBNM<>?\0*\0 ";

static void put(uint8_t b) {
    uint8_t next = (uint8_t)(queue_end + 1);
    if (next == queue_start)
        return;
    queue[queue_end] = b;
    queue_end = next;
}

static void put_text(const char *s) {
    while (*s)
        put((uint8_t)*s++);
}

static void extended_key(uint8_t code) {
    switch (code) {
    case 0x48: put_text("\x1b[A"); break;
    case 0x50: put_text("\x1b[B"); break;
    case 0x4D: put_text("\x1b[C"); break;
    case 0x4B: put_text("\x1b[D"); break;
    case 0x47: put_text("\x1b[H"); break;
    case 0x4F: put_text("\x1b[F"); break;
    case 0x53: put_text("\x1b[3~"); break;
    case 0x1C: put('\r'); break; /* keypad Enter */
    case 0x35: put('/'); break;  /* keypad / */
    }
}

static void scancode(uint8_t code) {
    scancodes++;
    if (code == 0xE0) {
        extended = 1;
        return;
    }
    int released = (code & 0x80) != 0;
    code &= 0x7F;
    if (extended) {
        extended = 0;
        if (code == 0x1D)
            ctrl = !released; /* right Ctrl */
        else if (!released && code != 0x2A && code != 0x36) /* fake shifts around some keys */
            extended_key(code);
        return;
    }
    switch (code) {
    case 0x2A: shift_left = !released; return;
    case 0x36: shift_right = !released; return;
    case 0x1D: ctrl = !released; return;
    case 0x3A: if (!released) caps_lock = !caps_lock; return;
    }
    if (released || code >= sizeof plain)
        return;
    char c = plain[code];
    if (!c)
        return;
    int shift = shift_left || shift_right;
    if (c >= 'a' && c <= 'z') {
        if (ctrl) {
            put((uint8_t)(c - 'a' + 1));
            return;
        }
        if (shift != caps_lock)
            c = (char)(c - 'a' + 'A');
    } else if (shift) {
        c = shifted[code];
    }
    put((uint8_t)c);
}

static void keyboard_interrupt(int32_t vector) {
    (void)vector;
    while (graft_inb(STATUS) & STATUS_OUTPUT_FULL)
        scancode(graft_inb(DATA));
}

static int wait_status(uint8_t bit, int set) {
    for (int i = 0; i < 100000; i++)
        if (((graft_inb(STATUS) & bit) != 0) == set)
            return 1;
    return 0;
}

static void command(uint8_t value) {
    wait_status(STATUS_INPUT_FULL, 0);
    graft_outb(STATUS, value);
}

void graft_keyboard_init(void) {
    if (graft_inb(STATUS) == 0xFF)
        return; /* nothing answers: no controller */
    command(0xAD); /* port 1 off */
    command(0xA7); /* port 2 off */
    while (graft_inb(STATUS) & STATUS_OUTPUT_FULL)
        (void)graft_inb(DATA);
    command(0x20); /* read the configuration byte */
    if (!wait_status(STATUS_OUTPUT_FULL, 1))
        return;
    uint8_t config = graft_inb(DATA);
    config = (uint8_t)((config | CONFIG_PORT1_IRQ | CONFIG_TRANSLATE) & ~(CONFIG_PORT2_IRQ | CONFIG_PORT1_CLOCK_OFF));
    command(0x60);
    wait_status(STATUS_INPUT_FULL, 0);
    graft_outb(DATA, config);
    command(0xAE); /* port 1 on */
    present = graft_irq_install(1, keyboard_interrupt) >= 0;
}

int32_t graft_keyboard_available(void) { return queue_start != queue_end; }

int32_t graft_keyboard_read(void) {
    if (queue_start == queue_end)
        return -1;
    uint8_t b = queue[queue_start];
    queue_start = (uint8_t)(queue_start + 1);
    return b;
}

uint64_t graft_keyboard_scancodes(void) { return scancodes; }
