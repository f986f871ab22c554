// graft-test: sdk-boot
// graft-test: cmdline "graft-test alpha=1 beta=two"
// graft-test: expect-serial "cmdline: [graft-test alpha=1 beta=two]"
// graft-test: expect-exit 39
// graft-test: boot bios-cd uefi-cd bios-disk direct
//
// Prints the command line the boot loader passed (Multiboot2 tag type 1):
// the image's grub.cfg must pass the `cmdline` above after the kernel path,
// and a direct boot QEMU's -append (sdk/boot's PVH entry turns the start
// info's command line into the same tag).
// Returns 0x13 when a command line was found (QEMU exits with 39), 0x14
// when there was none (exit 41).
#include "graft_boot.h"

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    serial_init();
    if (magic != GRAFT_MULTIBOOT2_BOOT_MAGIC)
        return 0x01;
    const char *cmdline = graft_mb2_cmdline(info);
    serial_write("cmdline: [");
    serial_write(cmdline);
    serial_write("]\n");
    return cmdline[0] ? 0x13 : 0x14;
}
