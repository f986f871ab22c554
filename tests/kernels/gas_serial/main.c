// graft-test: sdk-boot
// graft-test: expect-serial "hello from GNU as"
// graft-test: expect-serial "gas_sum=42"
// graft-test: expect-exit 37
// graft-test: boot bios-cd uefi-cd bios-disk
//
// Proves the clang path of the assemble stage: serial_gas.S (GNU syntax, run
// through the C preprocessor) provides gas_serial_write and gas_sum, which
// this C code calls. Returns 0x12: QEMU exits with (0x12 << 1) | 1 = 37.
#include "graft_boot.h"

void gas_serial_write(const char *s);
uint64_t gas_sum(uint64_t a, uint64_t b);

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    (void)info;
    serial_init();
    if (magic != GRAFT_MULTIBOOT2_BOOT_MAGIC)
        return 0x01;
    gas_serial_write("hello from GNU as\n");
    serial_write("gas_sum=");
    serial_write_dec(gas_sum(40, 2));
    serial_write("\n");
    return 0x12;
}
