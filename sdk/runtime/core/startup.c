/* Kernel start-up: from the boot entry to the C# program's Main.
 *
 * Exports:
 *   graft_kernel_main        called by sdk/boot/multiboot2_entry.asm
 *   graft_boot_command_line  the boot loader's command line (Graft.Kernel.Machine.CommandLine)
 *   graft_classlib_functions, graft_classlib_function_count
 *                            CoreLib's functions by ClassLibFunctionId (types/modules.c)
 *
 * Sequence: COM1, the IDT (so that a fault prints instead of resetting), the
 * page frames from the Multiboot2 memory map, the kernel's page tables (page
 * 0 unmapped, the image with its sections' rights), the native allocator,
 * the interrupt controllers and the timer (interrupts on from here), the
 * PS/2 keyboard, the managed stack (a virtual range with its guard page), then on that
 * stack CoreLib's
 * InitializeModules (module registration, GC statics, frozen objects, eager
 * static constructors), __managed__Startup (library and module initialisers,
 * from ILC's --splitinit) and __managed__Main(argc, argv): argv[0] is
 * "kernel", then the boot command line's words (split on white space;
 * CoreLib gives Main(string[] args) all but argv[0], as a Linux program's
 * Main gets its arguments). Main's return value
 * goes back to the boot entry, which writes it to port 0xf4.
 */
#include "graft_runtime.h"

/* From ILC's object: CoreLib's own entry points (generated with
 * --generateunmanagedentrypoints:System.Private.CoreLib,HIDDEN) and the
 * program's start (--splitinit, --nativelib). */
extern void InitializeModules(void *os_module, void **module_headers, int count,
                              void **classlib_functions, int classlib_function_count);
extern void __managed__Startup(void);
extern int __managed__Main(int argc, char **argv);

/* From the linker script: the __modules section, one pointer per managed
 * module to its ReadyToRun header. */
extern void *__modules_start[];
extern void *__modules_end[];
extern char __kernel_start[];

/* The classlib functions the runtime looks up by ClassLibFunctionId (used by
 * exception dispatch): CoreLib's exports, in id order. */
extern char GetRuntimeException[], RuntimeFailFast[], AppendExceptionStackFrame[],
    GetSystemArrayEEType[], OnFirstChanceException[], OnUnhandledException[];

void *graft_classlib_functions[] = {
    GetRuntimeException,       /* 0 GetRuntimeException */
    RuntimeFailFast,           /* 1 FailFast */
    0,                         /* 2 (unused) */
    AppendExceptionStackFrame, /* 3 AppendExceptionStackFrame */
    0,                         /* 4 (unused) */
    GetSystemArrayEEType,      /* 5 GetSystemArrayEEType */
    OnFirstChanceException,    /* 6 OnFirstChance */
    OnUnhandledException,      /* 7 OnUnhandledException */
};
const int graft_classlib_function_count =
    (int)(sizeof graft_classlib_functions / sizeof graft_classlib_functions[0]);

static char kernel_name[] = "kernel";

static uint64_t boot_info;

int32_t graft_boot_command_line(const char **text);

/* argv for Main: "kernel", then the command line's words, in a native copy. */
static int kernel_args(char ***argv_out) {
    const char *line;
    int32_t length = graft_boot_command_line(&line);
    char *copy = graft_native_alloc((size_t)length + 1);
    int words = 0;
    for (int32_t i = 0; i < length; i++) {
        char c = line[i];
        int space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
        copy[i] = space ? 0 : c;
        if (!space && (i == 0 || copy[i - 1] == 0))
            words++;
    }
    copy[length] = 0;
    char **argv = graft_native_alloc(sizeof(char *) * (size_t)(words + 2));
    if (!copy || !argv)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory for Main's arguments");
    int argc = 0;
    argv[argc++] = kernel_name;
    for (int32_t i = 0; i < length; i++)
        if (copy[i] && (i == 0 || copy[i - 1] == 0))
            argv[argc++] = copy + i;
    argv[argc] = 0;
    *argv_out = argv;
    return argc;
}

/* The managed stack: 1 MiB, a virtual range with an unmapped guard page below
 * it (the boot stack is 64 KiB in .bss). */
#define MANAGED_STACK_SIZE (1024 * 1024)

/* call_on_stack.asm */
extern uint32_t graft_call_on_stack(uint32_t (*fn)(void), void *stack_top);

static uint32_t run_managed(void) {
    graft_gc_init();
    int module_count = (int)(__modules_end - __modules_start);
    InitializeModules(__kernel_start, __modules_start, module_count,
                      graft_classlib_functions, graft_classlib_function_count);
    __managed__Startup();
    char **argv;
    int argc = kernel_args(&argv);
    return (uint32_t)__managed__Main(argc, argv);
}

/* core/fw_cfg.c */
const char *graft_command_line_with_fw_cfg(const char *boot_line);

/* The command line the boot loader passed (graft image --cmdline), then the
 * words of QEMU's fw_cfg file opt/graft/cmdline (graft test's), UTF-8. */
int32_t graft_boot_command_line(const char **text) {
    *text = graft_command_line_with_fw_cfg(boot_info ? graft_mb2_cmdline(boot_info) : "");
    int32_t length = 0;
    while ((*text)[length])
        length++;
    return length;
}

uint32_t graft_kernel_main(uint32_t magic, uint64_t info) {
    serial_init();
    graft_idt_init();
    if (magic != GRAFT_MULTIBOOT2_BOOT_MAGIC)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "not started by a Multiboot2 boot loader (bad magic)");
    boot_info = info;
    graft_frames_init(info);
    graft_paging_init();
    graft_idt_guard_stacks();
    graft_native_init();
    graft_interrupts_init(info);
    graft_keyboard_init();
    graft_console_input_init();

    char *stack = graft_vm_alloc(MANAGED_STACK_SIZE, GRAFT_VM_WRITE);
    if (!stack)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory for the managed stack");
    graft_stack_guard = (uint64_t)(uintptr_t)stack - GRAFT_PAGE_SIZE;

    return graft_call_on_stack(run_managed, stack + MANAGED_STACK_SIZE);
}
