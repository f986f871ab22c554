// graft-test: sdk-boot
// graft-test: expect-serial "hello from C"
// graft-test: expect-exit 33
// graft-test: boot bios-cd uefi-cd bios-disk uefi-disk direct
//
// The smallest C kernel over Graft's shared boot entry
// (sdk/boot/multiboot2_entry.asm): checks the boot magic, prints a greeting
// on COM1 and returns 0x10, which the entry writes to the isa-debug-exit
// port: QEMU exits with (0x10 << 1) | 1 = 33. Booted directly (PVH entry),
// it gets the same Multiboot2 magic: sdk/boot translates the start info.
#include "graft_boot.h"

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    serial_init();
    if (magic != GRAFT_MULTIBOOT2_BOOT_MAGIC) {
        serial_write("hello_c: wrong boot magic ");
        serial_write_hex(magic);
        serial_write("\n");
        return 0x01;
    }
    serial_write("hello from C\n");
    serial_write("boot loader: ");
    serial_write(graft_mb2_boot_loader_name(info));
    serial_write("\n");
    return 0x10;
}
