/* Module registration: what CoreLib's InitializeModules calls back.
 *
 * Exports:
 *   RhpRegisterOsModule                 remembers the OS module (the kernel image)
 *   RhpCreateTypeManager                one TypeManager per ReadyToRun header
 *   RhpGetModuleSection                 walks the ReadyToRun header's sections
 *   RhGetOSModuleFromPointer, RhGetModuleFileName
 *   RhpGetClasslibFunctionFromCodeAddress, RhpGetClasslibFunctionFromEEType
 *   RhGetKnobValues                     ILC's embedded runtime knobs
 *   RhFindBlob                          ReadyToRun sections 300-399 (reflection, stack trace metadata)
 *   RhGetCodeTarget                     the method behind an unboxing stub or a jump stub
 *   RhGetRuntimeVersion                 "graft-nativeaot-10.0" (crash reports)
 *   RhGetTargetOfUnboxingAndInstantiatingStub   not implemented (stub)
 */
#include "graft_runtime.h"

/* ReadyToRun header as ILC 10.0 writes it: signature "RTR\0", version,
 * flags, then NumberOfSections rows {int id; int flags; void* start; void* end}. */
#define READYTORUN_SIGNATURE 0x00525452u
#define READYTORUN_MAJOR_VERSION 16  /* NativeAOT 10.0 (ReadyToRunHeaderConstants) */
#define MODULE_INFO_HAS_END_POINTER 1

typedef struct ReadyToRunHeader {
    uint32_t signature;
    uint16_t major_version;
    uint16_t minor_version;
    uint32_t flags;
    uint16_t section_count;
    uint8_t entry_size;
    uint8_t entry_type;
} ReadyToRunHeader;

typedef struct ModuleInfoRow {
    int32_t section_id;
    int32_t flags;
    void *start;
    void *end;
} ModuleInfoRow;

/* CoreLib reads the first two fields (OsModuleBase, the header): keep them
 * first. The rest is this runtime's own. */
typedef struct TypeManager {
    void *os_module;
    ReadyToRunHeader *header;
    void **classlib_functions;
    uint32_t classlib_function_count;
} TypeManager;

#define MAX_TYPE_MANAGERS 8
static TypeManager type_managers[MAX_TYPE_MANAGERS];
static int type_manager_count;
static void *os_module;

extern char __text_start[], __text_end[], __kernel_start[], __kernel_end[];

int RhpRegisterOsModule(void *module) {
    os_module = module;
    return 1;
}

TypeManager *RhpCreateTypeManager(void *module, ReadyToRunHeader *header,
                                  void **classlib_functions, uint32_t classlib_function_count) {
    if (header->signature != READYTORUN_SIGNATURE)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "a managed module has no ReadyToRun header (bad signature)");
    if (header->major_version != READYTORUN_MAJOR_VERSION) {
        serial_write("\ngraft: ReadyToRun header version ");
        serial_write_dec(header->major_version);
        serial_write(".");
        serial_write_dec(header->minor_version);
        serial_write(", this runtime was written for major version ");
        serial_write_dec(READYTORUN_MAJOR_VERSION);
        serial_write(" (NativeAOT 10.0): use the ILCompiler it was written for\n");
        debug_exit(GRAFT_EXIT_RUNTIME_ERROR);
    }
    if (type_manager_count == MAX_TYPE_MANAGERS)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "too many managed modules");
    TypeManager *tm = &type_managers[type_manager_count++];
    tm->os_module = module;
    tm->header = header;
    tm->classlib_functions = classlib_functions;
    tm->classlib_function_count = classlib_function_count;
    return tm;
}

/* CoreLib passes its TypeManagerHandle by reference. */
void *RhpGetModuleSection(TypeManager **handle, int32_t section_id, int32_t *length);
void *RhpGetModuleSection(TypeManager **handle, int32_t section_id, int32_t *length) {
    TypeManager *tm = *handle;
    const ModuleInfoRow *rows = (const ModuleInfoRow *)(tm->header + 1);
    for (uint32_t i = 0; i < tm->header->section_count; i++) {
        if (rows[i].section_id == section_id) {
            *length = (rows[i].flags & MODULE_INFO_HAS_END_POINTER)
                          ? (int32_t)((char *)rows[i].end - (char *)rows[i].start)
                          : 0;
            return rows[i].start;
        }
    }
    *length = 0;
    return 0;
}

void *RhGetOSModuleFromPointer(void *pointer) {
    char *p = pointer;
    return (p >= __kernel_start && p < __kernel_end) ? os_module : 0;
}

static uint8_t module_file_name[] = "Kernel.elf";

int32_t RhGetModuleFileName(void *module, const uint8_t **name) {
    (void)module;
    *name = module_file_name;
    return (int32_t)(sizeof module_file_name - 1);
}

static void *classlib_function(uint32_t id) {
    if (type_manager_count > 0 && id < type_managers[0].classlib_function_count)
        return type_managers[0].classlib_functions[id];
    return (int)id < graft_classlib_function_count ? graft_classlib_functions[id] : 0;
}

void *RhpGetClasslibFunctionFromCodeAddress(void *address, uint32_t id) {
    (void)address; /* one class library: CoreLib */
    return classlib_function(id);
}

void *RhpGetClasslibFunctionFromEEType(MethodTable *mt, uint32_t id) {
    (void)mt;
    return classlib_function(id);
}

/* ILC's runtime knobs (--runtimeknob, runtimeconfig properties): a count
 * then count key pointers followed by count value pointers. */
typedef struct KnobBlob {
    uint32_t count;
    char *first[];
} KnobBlob;
extern KnobBlob g_compilerEmbeddedKnobsBlob;

uint32_t RhGetKnobValues(char ***keys, char ***values) {
    *keys = g_compilerEmbeddedKnobsBlob.first;
    *values = g_compilerEmbeddedKnobsBlob.first + g_compilerEmbeddedKnobsBlob.count;
    return g_compilerEmbeddedKnobsBlob.count;
}

/* Blobs ILC embeds for reflection and stack traces: section 300 + id. */
#define READYTORUN_BLOB_REGION_START 300
#define READYTORUN_BLOB_REGION_END 399

int32_t RhFindBlob(TypeManager **handle, uint32_t blob_id, uint8_t **blob, uint32_t *size) {
    int32_t length = 0;
    void *start = 0;
    if (READYTORUN_BLOB_REGION_START + blob_id <= READYTORUN_BLOB_REGION_END)
        start = RhpGetModuleSection(handle, (int32_t)(READYTORUN_BLOB_REGION_START + blob_id), &length);
    *blob = start;
    *size = (uint32_t)length;
    return start != 0;
}

/* An unboxing stub (in __unbox) is `add rdi, 8` then a jump to the method;
 * other code may start with a jump stub. Returns the final target. */
extern char __unbox_start[], __unbox_end[];

void *RhGetCodeTarget(void *code) {
    uint8_t *p = code;
    if (p >= (uint8_t *)__unbox_start && p < (uint8_t *)__unbox_end &&
        p[0] == 0x48 && p[1] == 0x83 && p[2] == 0xC7 && p[3] == 0x08) /* add rdi, 8 */
        p += 4;
    else
        return code;
    if (p[0] == 0xE9) /* jmp rel32 */
        return p + 5 + *(int32_t *)(p + 1);
    if (p[0] == 0xFF && p[1] == 0x25) /* jmp [rip + rel32] */
        return *(void **)(p + 6 + *(int32_t *)(p + 2));
    return code;
}

void RhGetTargetOfUnboxingAndInstantiatingStub(void) {
    graft_not_implemented("RhGetTargetOfUnboxingAndInstantiatingStub");
}

static const uint8_t runtime_version[] = "graft-nativeaot-10.0";

const uint8_t *RhGetRuntimeVersion(int32_t *length) {
    *length = (int32_t)(sizeof runtime_version - 1);
    return runtime_version;
}
