/* A hand-written kernel that speaks the kernel test protocol (as
 * Graft.Testing's generated Main does) for the `test` stage's own tests
 * (rust/graft-stages/tests/test_runner.rs). Built over sdk/boot with
 * sdk/runtime/core/fw_cfg.c, so an image boot reads the runner's words
 * (graft-test.from, graft-test.filter) from QEMU's fw_cfg as a C# kernel does.
 *
 * Its tests, in order; what test 3 does is chosen by `scenario=` on the
 * command line (grub.cfg's for an image, -append for a direct boot):
 *   0 Basics.Passes        pass
 *   1 Basics.Fails         fail at Program.cs:12 (an assertion)
 *   2 Basics.Skipped       skip (never starts, as [Test(Skip = ...)])
 *   3 Crash.Breaks         scenario exit: prints a fault report with a code
 *                          address, then stops with 127 (the runtime's fault exit);
 *                          hang: never ends; reset: a triple fault;
 *                          garble: a broken protocol line; pass: passes
 *   4 Basics.AfterCrash    pass (only a second boot reaches it after a crash)
 * then the end line and exit 1 (a test failed).
 */
#include "graft_boot.h"

const char *graft_command_line_with_fw_cfg(const char *boot_line);

static const char *names[] = {"Basics.Passes", "Basics.Fails", "Basics.Skipped", "Crash.Breaks", "Basics.AfterCrash"};
#define TEST_COUNT 5

/* The value of `key` (e.g. "graft-test.from=") among the line's words, copied into out. */
static int word_value(const char *line, const char *key, char *out, int capacity) {
    for (const char *at = line; *at; at++) {
        if (at != line && at[-1] != ' ')
            continue;
        int k = 0;
        while (key[k] && at[k] == key[k])
            k++;
        if (key[k])
            continue;
        int n = 0;
        for (const char *v = at + k; *v && *v != ' ' && n < capacity - 1; v++)
            out[n++] = *v;
        out[n] = 0;
        return 1;
    }
    return 0;
}

/* Glob with `*`, anchored at both ends. */
static int glob(const char *pattern, const char *text) {
    if (*pattern == '*')
        return glob(pattern + 1, text) || (*text && glob(pattern, text + 1));
    if (!*pattern)
        return !*text;
    return *pattern == *text && glob(pattern + 1, text + 1);
}

/* The contract's filter: a substring of Class.Method, `*` matching anything. */
static int matches(const char *filter, const char *name) {
    char pattern[128];
    int n = 0;
    pattern[n++] = '*';
    for (const char *f = filter; *f && n < (int)sizeof pattern - 2; f++)
        pattern[n++] = *f;
    pattern[n++] = '*';
    pattern[n] = 0;
    return glob(pattern, name);
}

static void line(const char *a, uint64_t index, const char *b) {
    serial_write("graft-test: ");
    serial_write(a);
    serial_write_dec(index);
    serial_write(" ");
    serial_write(b);
}

static int same(const char *a, const char *b) {
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

struct __attribute__((packed)) idt_pointer {
    uint16_t limit;
    uint64_t base;
};

/* Test 3; returns 1 when it passed, 0 when it ended the machine in some way that returns. */
static uint32_t crash_breaks(const char *scenario) {
    serial_write("crash: about to break (");
    serial_write(scenario);
    serial_write(")\n");
    if (same(scenario, "hang")) {
        for (;;)
            __asm__ volatile("cli; hlt");
    }
    if (same(scenario, "reset")) {
        static const struct idt_pointer null_idt = {0, 0};
        __asm__ volatile("lidt %0" : : "m"(null_idt));
        __asm__ volatile("int3");
    }
    if (same(scenario, "garble")) {
        serial_write("graft-test: pazz 3 Crash.Breaks 5us\n");
        return 1;
    }
    if (same(scenario, "pass"))
        return 1;
    /* As the runtime's fault report: a code address for the host to symbolise. */
    serial_write("graft: fault: #GP in test code\n  at [0x");
    uint64_t address = (uint64_t)(uintptr_t)&crash_breaks;
    char hex[17];
    int n = 0;
    do {
        hex[n++] = "0123456789abcdef"[address & 15];
        address >>= 4;
    } while (address);
    while (n)
        serial_putc(hex[--n]);
    serial_write("]\n");
    debug_exit(0x7F);
}

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    serial_init();
    if (magic != GRAFT_MULTIBOOT2_BOOT_MAGIC)
        return 0x01;
    const char *cmdline = graft_command_line_with_fw_cfg(graft_mb2_cmdline(info));
    serial_write("command line: [");
    serial_write(cmdline);
    serial_write("]\n");
    char from_text[16] = "0", filter[64] = "", scenario[16] = "exit";
    word_value(cmdline, "graft-test.from=", from_text, sizeof from_text);
    word_value(cmdline, "graft-test.filter=", filter, sizeof filter);
    word_value(cmdline, "scenario=", scenario, sizeof scenario);
    uint32_t from = 0;
    for (const char *d = from_text; *d >= '0' && *d <= '9'; d++)
        from = from * 10 + (uint32_t)(*d - '0');

    serial_write("graft-test: suite RunnerKernel tests=5\n");
    uint32_t passed = 0, failed = 0, skipped = 0;
    for (uint32_t i = from; i < TEST_COUNT; i++) {
        if (filter[0] && !matches(filter, names[i]))
            continue;
        if (i == 2) {
            line("skip ", i, names[i]);
            serial_write(": not on this machine\n");
            skipped++;
            continue;
        }
        line("start ", i, names[i]);
        serial_write("\n");
        serial_write("test output of ");
        serial_write(names[i]);
        serial_write("\n");
        if (i == 1) {
            line("fail ", i, names[i]);
            serial_write(" at /src/RunnerKernel/Program.cs:12: Assert.Equal failed: expected 3, actual 4\n");
            failed++;
            continue;
        }
        if (i == 3 && !crash_breaks(scenario))
            return 0x7F;
        line("pass ", i, names[i]);
        serial_write(" 17us\n");
        passed++;
    }
    serial_write("graft-test: end passed=");
    serial_write_dec(passed);
    serial_write(" failed=");
    serial_write_dec(failed);
    serial_write(" skipped=");
    serial_write_dec(skipped);
    serial_write("\n");
    return failed ? 1 : 0;
}
