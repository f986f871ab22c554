/* The stub kernel's native main: proves the image boots and the serial port works. */
#include "graft_boot.h"

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    (void)info;
    serial_init();
    serial_write(magic == GRAFT_MULTIBOOT2_BOOT_MAGIC ? "stub kernel: booted by Multiboot2\n" : "stub kernel: bad magic\n");
    return 0x21;
}
