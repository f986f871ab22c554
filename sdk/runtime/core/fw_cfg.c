/* QEMU's firmware configuration device (fw_cfg): words a host adds to the
 * kernel command line without changing the image.
 *
 * Exports:
 *   graft_fw_cfg_read_file           a named fw_cfg file's bytes
 *   graft_command_line_with_fw_cfg   the boot loader's command line, then
 *                                    the words of fw_cfg file opt/graft/cmdline
 *
 * Why: an image's grub.cfg holds a fixed command line, but `graft test`
 * boots the same Kernel.iso again with other words (graft-test.from=<i>).
 * QEMU passes them as `-fw_cfg name=opt/graft/cmdline,string=<words>`; the
 * kernel's command line (Graft.Kernel.Machine.CommandLine, Main's args) is
 * the boot loader's line, a space, then those words.
 *
 * The device (QEMU docs/specs/fw_cfg.rst), port interface of the x86 "pc"
 * and "q35" machines: write a 16-bit item selector to port 0x510, then read
 * the item's bytes one at a time from port 0x511 (each select starts at its
 * first byte). Item 0x0000 is the signature "QEMU"; item 0x0019 the file
 * directory: a big-endian 32-bit count, then per file a 64-byte entry
 * {be32 size, be16 selector, u16 reserved, char name[56]}. Without QEMU
 * (real hardware, another hypervisor) port 0x511 reads 0xff: no signature,
 * no files, and the command line stays the boot loader's.
 */
#include "graft_runtime.h"

#define FW_CFG_PORT_SELECTOR 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_FILE_DIR 0x0019
#define FW_CFG_NAME_SIZE 56

static void fw_cfg_select(uint16_t item) {
    __asm__ volatile("outw %0, %1" : : "a"(item), "Nd"((uint16_t)FW_CFG_PORT_SELECTOR));
}

static void fw_cfg_read(void *to, uint32_t count) {
    uint8_t *bytes = to;
    for (uint32_t i = 0; i < count; i++)
        bytes[i] = graft_inb(FW_CFG_PORT_DATA);
}

static uint32_t big_endian32(const uint8_t *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int same_name(const char *a, const char *b) {
    int i = 0;
    for (; i < FW_CFG_NAME_SIZE && a[i] && a[i] == b[i]; i++) {
    }
    return i == FW_CFG_NAME_SIZE || a[i] == b[i];
}

/* Copies up to `capacity` bytes of fw_cfg file `name` into `buffer`;
 * returns the file's size, or -1 when there is no such file (or no fw_cfg). */
int32_t graft_fw_cfg_read_file(const char *name, void *buffer, int32_t capacity) {
    uint8_t signature[4];
    fw_cfg_select(FW_CFG_SIGNATURE);
    fw_cfg_read(signature, 4);
    if (signature[0] != 'Q' || signature[1] != 'E' || signature[2] != 'M' || signature[3] != 'U')
        return -1;
    uint8_t count_bytes[4];
    fw_cfg_select(FW_CFG_FILE_DIR);
    fw_cfg_read(count_bytes, 4);
    uint32_t count = big_endian32(count_bytes);
    for (uint32_t i = 0; i < count; i++) {
        uint8_t entry[8 + FW_CFG_NAME_SIZE];
        fw_cfg_read(entry, sizeof entry);
        if (!same_name((const char *)entry + 8, name))
            continue;
        uint32_t size = big_endian32(entry);
        fw_cfg_select((uint16_t)(entry[4] << 8 | entry[5]));
        fw_cfg_read(buffer, size < (uint32_t)capacity ? size : (uint32_t)capacity);
        return (int32_t)size;
    }
    return -1;
}

/* The whole command line, as long as the PVH translation keeps (4 KiB). */
static char command_line[4096];
static int command_line_built;

/* `boot_line`, then a space and fw_cfg file opt/graft/cmdline's text (up to
 * its first NUL) when QEMU has one; built once, kept in a static buffer
 * (cut at 4 KiB), so it is ready before any allocator is. */
const char *graft_command_line_with_fw_cfg(const char *boot_line) {
    if (command_line_built)
        return command_line;
    command_line_built = 1;
    int32_t length = 0;
    while (boot_line[length] && length < (int32_t)sizeof command_line - 1) {
        command_line[length] = boot_line[length];
        length++;
    }
    int32_t gap = length > 0 ? 1 : 0;
    int32_t room = (int32_t)sizeof command_line - 1 - length - gap;
    int32_t size = room > 0 ? graft_fw_cfg_read_file("opt/graft/cmdline", command_line + length + gap, room) : -1;
    if (size > 0) {
        if (gap)
            command_line[length] = ' ';
        int32_t end = length + gap + (size < room ? size : room);
        for (int32_t i = length + gap; i < end && command_line[i]; i++)
            length = i + 1;
    }
    command_line[length] = 0;
    return command_line;
}
