/* What the kernel reads from the ACPI tables (acpi/acpi.c): the interrupt
 * controllers of the MADT. */
#ifndef GRAFT_ACPI_H
#define GRAFT_ACPI_H

#include <stdint.h>

/* An ISA IRQ as the MADT routes it (interrupt source overrides applied). */
typedef struct AcpiIsaRoute {
    uint32_t gsi;         /* the I/O APIC input (global system interrupt) */
    uint8_t active_low;   /* polarity */
    uint8_t level;        /* trigger mode */
} AcpiIsaRoute;

typedef struct AcpiMadt {
    int found;                 /* 0: no RSDP or no MADT (the legacy PIC then) */
    const char *rsdp_source;   /* where the RSDP came from: "multiboot2", "bios", or 0 */
    uint64_t local_apic;       /* physical address of the local APIC */
    uint64_t io_apic;          /* physical address of the first I/O APIC, 0 if none */
    uint32_t io_apic_gsi_base; /* its first global system interrupt */
    uint32_t cpu_count;        /* enabled processors (local APIC entries) */
    int has_8259;              /* PCAT_COMPAT: legacy PICs present (to be masked) */
    AcpiIsaRoute isa[16];
} AcpiMadt;

/* Finds the RSDP (the Multiboot2 ACPI tags, else the BIOS areas), then the
 * RSDT/XSDT and the MADT; checksums checked. `boot_info` is graft_kernel_main's. */
void graft_acpi_init(uint64_t boot_info, AcpiMadt *madt);

#endif
