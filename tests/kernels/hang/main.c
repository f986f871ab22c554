// graft-test: sdk-boot
// graft-test: expect-serial "hang: looping forever"
// graft-test: expect-exit 33
// graft-test: expect-runner-failure GRAFT6003
// graft-test: timeout 5
// graft-test: boot bios-cd
//
// A kernel that must FAIL: it never exits. The runner must stop QEMU at its
// time limit and report the run as failed (GRAFT6003, timeout); a runner
// that waits forever or passes it is broken. expect-exit names what the
// kernel would have returned.
#include "graft_boot.h"

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    (void)magic;
    (void)info;
    serial_init();
    serial_write("hang: looping forever\n");
    for (;;)
        __asm__ volatile("cli; hlt");
    return 0x10;
}
