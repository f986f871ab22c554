/* ACPI: the RSDP, the root table (XSDT, else RSDT) and the MADT, read once
 * at boot for the interrupt controllers (interrupts/irq.c). The tables are
 * in RAM below 4 GiB, reachable through the identity map.
 *
 * Exports:
 *   graft_acpi_init(boot_info, madt)   fills *madt; madt->found is 0 when there is none
 *
 * The RSDP comes from the Multiboot2 ACPI tags (15: ACPI 2.0+, 14: 1.0),
 * which GRUB passes; a direct PVH boot (graft run's QEMU -kernel) has no such
 * tag, so the BIOS areas are searched as the ACPI specification says (the
 * EBDA's first KiB, then 0xE0000-0xFFFFF), where SeaBIOS leaves it. */
#include "graft_runtime.h"
#include "acpi/acpi.h"

#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

typedef struct __attribute__((packed)) Rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;
    char oem[6];
    uint8_t revision;
    uint32_t rsdt;
    /* revision 2 and later */
    uint32_t length;
    uint64_t xsdt;
    uint8_t extended_checksum;
    uint8_t reserved[3];
} Rsdp;

typedef struct __attribute__((packed)) SdtHeader {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_revision, creator, creator_revision;
} SdtHeader;

static int same_bytes(const char *a, const char *b, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static int sums_to_zero(const void *p, uint32_t length) {
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; i++)
        sum = (uint8_t)(sum + ((const uint8_t *)p)[i]);
    return sum == 0;
}

static int is_rsdp(const Rsdp *r) {
    return same_bytes(r->signature, "RSD PTR ", 8) && sums_to_zero(r, 20) &&
           (r->revision < 2 || sums_to_zero(r, r->length < 36 ? 36 : r->length));
}

static const Rsdp *search(uint64_t start, uint64_t end) {
    for (uint64_t p = start; p + sizeof(Rsdp) <= end; p += 16)
        if (is_rsdp((const Rsdp *)(uintptr_t)p))
            return (const Rsdp *)(uintptr_t)p;
    return 0;
}

static const Rsdp *find_rsdp(uint64_t boot_info, const char **source) {
    *source = "multiboot2";
    /* A Multiboot2 tag: type, size, then the RSDP copy. */
    for (uint32_t type = MB2_TAG_ACPI_NEW; type >= MB2_TAG_ACPI_OLD; type--) {
        const uint8_t *tag = boot_info ? graft_mb2_find_tag(boot_info, type) : 0;
        if (tag && is_rsdp((const Rsdp *)(tag + 8)))
            return (const Rsdp *)(tag + 8);
    }
    *source = "bios";
    /* The BIOS data area's EBDA segment, in page 0 (unmapped: null dereferences fault). */
    const uint8_t *page0 = graft_vm_map_physical(0, 4096, GRAFT_VM_CACHED);
    uint64_t ebda = page0 ? (uint64_t)*(const uint16_t *)(page0 + 0x40E) << 4 : 0;
    if (page0)
        graft_vm_free((void *)(uintptr_t)page0, 4096);
    const Rsdp *r = ebda >= 0x80000 && ebda < 0xA0000 ? search(ebda, ebda + 1024) : 0;
    if (!r)
        r = search(0xE0000, 0x100000);
    if (!r)
        *source = 0;
    return r;
}

static const SdtHeader *find_table(const Rsdp *rsdp, const char *signature) {
    int wide = rsdp->revision >= 2 && rsdp->xsdt;
    const SdtHeader *root = (const SdtHeader *)(uintptr_t)(wide ? rsdp->xsdt : rsdp->rsdt);
    if (!root || !sums_to_zero(root, root->length))
        return 0;
    uint32_t entries = (root->length - (uint32_t)sizeof *root) / (wide ? 8u : 4u);
    const uint8_t *first = (const uint8_t *)(root + 1);
    for (uint32_t i = 0; i < entries; i++) {
        uint64_t address = wide ? *(const uint64_t *)(first + 8 * i) : *(const uint32_t *)(first + 4 * i);
        const SdtHeader *table = (const SdtHeader *)(uintptr_t)address;
        if (table && same_bytes(table->signature, signature, 4) && sums_to_zero(table, table->length))
            return table;
    }
    return 0;
}

/* MADT entry types */
#define MADT_LOCAL_APIC 0
#define MADT_IO_APIC 1
#define MADT_SOURCE_OVERRIDE 2
#define MADT_LOCAL_APIC_ADDRESS 5

void graft_acpi_init(uint64_t boot_info, AcpiMadt *madt) {
    memset(madt, 0, sizeof *madt);
    for (uint32_t irq = 0; irq < 16; irq++)
        madt->isa[irq].gsi = irq; /* identity unless overridden; ISA: edge, active high */
    const Rsdp *rsdp = find_rsdp(boot_info, &madt->rsdp_source);
    const SdtHeader *table = rsdp ? find_table(rsdp, "APIC") : 0;
    if (!table)
        return;
    const uint8_t *p = (const uint8_t *)(table + 1);
    madt->local_apic = *(const uint32_t *)p;
    madt->has_8259 = (*(const uint32_t *)(p + 4) & 1) != 0;
    const uint8_t *end = (const uint8_t *)table + table->length;
    for (p += 8; p + 2 <= end && p[1] >= 2; p += p[1]) {
        switch (p[0]) {
        case MADT_LOCAL_APIC:
            if (*(const uint32_t *)(p + 4) & 1)
                madt->cpu_count++;
            break;
        case MADT_IO_APIC:
            if (!madt->io_apic) {
                madt->io_apic = *(const uint32_t *)(p + 4);
                madt->io_apic_gsi_base = *(const uint32_t *)(p + 8);
            }
            break;
        case MADT_SOURCE_OVERRIDE:
            if (p[2] == 0 && p[3] < 16) { /* bus 0: ISA */
                uint16_t flags = *(const uint16_t *)(p + 8);
                AcpiIsaRoute *route = &madt->isa[p[3]];
                route->gsi = *(const uint32_t *)(p + 4);
                route->active_low = (flags & 3) == 3;
                route->level = ((flags >> 2) & 3) == 3;
            }
            break;
        case MADT_LOCAL_APIC_ADDRESS:
            madt->local_apic = *(const uint64_t *)(p + 4);
            break;
        }
    }
    madt->found = 1;
}
