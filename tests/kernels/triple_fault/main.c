// graft-test: sdk-boot
// graft-test: expect-serial "triple_fault: loading a null IDT"
// graft-test: expect-exit 0
// graft-test: expect-runner-failure GRAFT6005
// graft-test: boot bios-cd
//
// A kernel that must FAIL: it loads an empty IDT and executes int3. The
// breakpoint cannot be delivered (#GP), nor can that (#DF): a triple fault.
// With -no-reboot QEMU then exits with status 0 and no exit code was ever
// written to port 0xf4. The runner must report this run as failed
// (GRAFT6005, machine reset); a runner that passes it is broken.
#include "graft_boot.h"

struct __attribute__((packed)) idt_pointer {
    uint16_t limit;
    uint64_t base;
};

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    (void)magic;
    (void)info;
    serial_init();
    serial_write("triple_fault: loading a null IDT\n");
    static const struct idt_pointer null_idt = {0, 0};
    __asm__ volatile("lidt %0" : : "m"(null_idt));
    __asm__ volatile("int3");
    serial_write("triple_fault: still running (the fault was not raised)\n");
    return 0x10;
}
