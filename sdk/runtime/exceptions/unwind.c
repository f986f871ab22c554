/* The unwinder: DWARF call frame information in ILC's .eh_frame (between the
 * linker script's __eh_frame_start and __eh_frame_end), read at run time.
 * Given a frame's registers it finds the FDE covering the code address, runs
 * the CIE's and the FDE's call frame instructions up to that address and
 * recovers the caller's registers. Only what ILC and clang emit for x86-64
 * is understood; anything else stops the kernel with a message.
 *
 * Used by exception_dispatch.c (the interface is unwind.h). Exports nothing
 * to CoreLib.
 */
#include "unwind.h"

extern const uint8_t __eh_frame_start[], __eh_frame_end[];

/* LEB128: 7 bits a byte, lowest first, the top bit says another byte
 * follows; a signed value takes its sign from bit 6 of the last byte. */
static uint64_t leb128(const uint8_t **p, int is_signed) {
    uint64_t v = 0;
    int shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (uint64_t)(b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    if (is_signed && shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    return v;
}

/* Set while the fault report walks the stack (graft_unwind_quiet): what
 * the unwinder cannot read ends that walk instead of stopping the kernel. */
static int quiet, failed;

static void unsupported(const char *what) {
    if (!quiet)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, what);
    failed = 1;
}

static uint64_t uleb(const uint8_t **p) { return leb128(p, 0); }
static int64_t sleb(const uint8_t **p) { return (int64_t)leb128(p, 1); }

/* Pointer encodings ILC uses: absptr, sdata4/udata4, pcrel. */
static uint64_t read_encoded(const uint8_t **p, uint8_t enc) {
    const uint8_t *at = *p;
    uint64_t v;
    if (enc == 0xFF)
        return 0;
    switch (enc & 0x0F) {
    case 0x00: v = *(const uint64_t *)at; *p += 8; break;
    case 0x03: v = *(const uint32_t *)at; *p += 4; break;
    case 0x0B: v = (uint64_t)(int64_t)*(const int32_t *)at; *p += 4; break;
    case 0x04: case 0x0C: v = *(const uint64_t *)at; *p += 8; break;
    default: unsupported("exception dispatch: unsupported .eh_frame pointer encoding"); return 0;
    }
    if ((enc & 0x70) == 0x10 && v)
        v += (uint64_t)(uintptr_t)at;
    return v;
}

static int search_fde(uint64_t pc, Fde *out) {
    const uint8_t *p = __eh_frame_start;
    while (p + 4 <= __eh_frame_end) {
        uint32_t length = *(const uint32_t *)p;
        if (length == 0)
            break;
        const uint8_t *body = p + 4, *next = body + length;
        uint32_t cie_offset = *(const uint32_t *)body;
        p = next;
        if (cie_offset == 0)
            continue; /* a CIE */
        const uint8_t *cie = body - cie_offset;
        /* CIE: length, id, version, augmentation, code align, data align, RA register, augmentation data */
        const uint8_t *c = cie + 8 + 1;
        const char *aug = (const char *)c;
        while (*c)
            c++;
        c++;
        uint64_t code_align = uleb(&c);
        int64_t data_align = sleb(&c);
        uleb(&c); /* return address column (16) */
        uint8_t fde_enc = 0, lsda_enc = 0xFF;
        const uint8_t *cie_end = cie + 4 + *(const uint32_t *)cie;
        if (aug[0] == 'z') {
            uint64_t aug_length = uleb(&c);
            const uint8_t *aug_end = c + aug_length;
            for (const char *a = aug + 1; *a; a++) {
                if (*a == 'R')
                    fde_enc = *c++;
                else if (*a == 'L')
                    lsda_enc = *c++;
                else if (*a == 'P') {
                    uint8_t penc = *c++;
                    read_encoded(&c, penc);
                }
            }
            c = aug_end;
        }
        const uint8_t *f = body + 4;
        uint64_t start = read_encoded(&f, fde_enc);
        uint64_t range = read_encoded(&f, (uint8_t)(fde_enc & 0x0F));
        if (pc < start || pc >= start + range)
            continue;
        const uint8_t *lsda = 0;
        if (aug[0] == 'z') {
            uint64_t aug_length = uleb(&f);
            const uint8_t *aug_end = f + aug_length;
            if (lsda_enc != 0xFF && aug_length)
                lsda = (const uint8_t *)(uintptr_t)read_encoded(&f, lsda_enc);
            f = aug_end;
        }
        out->start = start;
        out->end = start + range;
        out->lsda = lsda;
        out->cie_program = c;
        out->cie_program_end = cie_end;
        out->program = f;
        out->program_end = next;
        out->code_align = code_align;
        out->data_align = data_align;
        return 1;
    }
    return 0;
}

/* The FDEs found last: the search is linear, and a walk through a deep
 * recursion (the stack overflow report) asks for the same few again and
 * again. */
#define FDE_CACHE 8
static Fde fde_cache[FDE_CACHE];
static unsigned fde_cache_next;

int graft_find_fde(uint64_t pc, Fde *out) {
    for (int i = 0; i < FDE_CACHE; i++)
        if (fde_cache[i].end && pc >= fde_cache[i].start && pc < fde_cache[i].end) {
            *out = fde_cache[i];
            return 1;
        }
    if (!search_fde(pc, out))
        return 0;
    fde_cache[fde_cache_next++ % FDE_CACHE] = *out;
    return 1;
}

/* Where the CFA is (register + offset) and, for each register the function
 * saved, its offset from the CFA. */
typedef struct CfaState {
    int cfa_reg;
    int64_t cfa_offset;
    int64_t offset[17];
    uint8_t saved[17];
} CfaState;

/* DW_CFA_remember_state nesting clang's epilogues use. */
#define CFA_STATE_DEPTH 4

/* Runs call frame instructions while the location they describe is at or
 * below `pc`. */
static void run_cfa(const uint8_t *p, const uint8_t *end, const Fde *fde, uint64_t pc, uint64_t *loc, CfaState *s) {
    CfaState remembered[CFA_STATE_DEPTH];
    int depth = 0;
    while (p < end && *loc <= pc) {
        uint8_t op = *p++;
        uint8_t low = op & 0x3F;
        switch (op >> 6) {
        case 1: /* advance_loc */
            *loc += low * fde->code_align;
            continue;
        case 2: /* offset */
            if (low < 17) {
                s->offset[low] = (int64_t)uleb(&p) * fde->data_align;
                s->saved[low] = 1;
            } else {
                uleb(&p);
            }
            continue;
        case 3: /* restore */
            if (low < 17)
                s->saved[low] = 0;
            continue;
        }
        switch (op) {
        case 0x00: break;                                        /* nop */
        case 0x02: *loc += *p++ * fde->code_align; break;         /* advance_loc1 */
        case 0x03: *loc += *(const uint16_t *)p * fde->code_align; p += 2; break;
        case 0x04: *loc += *(const uint32_t *)p * fde->code_align; p += 4; break;
        case 0x0C: s->cfa_reg = (int)uleb(&p); s->cfa_offset = (int64_t)uleb(&p); break; /* def_cfa */
        case 0x0D: s->cfa_reg = (int)uleb(&p); break;            /* def_cfa_register */
        case 0x0E: s->cfa_offset = (int64_t)uleb(&p); break;     /* def_cfa_offset */
        case 0x05: {                                             /* offset_extended */
            uint64_t r = uleb(&p);
            int64_t o = (int64_t)uleb(&p) * fde->data_align;
            if (r < 17) { s->offset[r] = o; s->saved[r] = 1; }
            break;
        }
        case 0x2E: uleb(&p); break;                              /* GNU_args_size */
        case 0x0A:                                               /* remember_state */
            if (depth == CFA_STATE_DEPTH) {
                unsupported("exception dispatch: .eh_frame remembers too many states");
                return;
            }
            remembered[depth++] = *s;
            break;
        case 0x0B:                                               /* restore_state (the CFA rule too) */
            if (depth > 0)
                *s = remembered[--depth];
            break;
        default:
            unsupported("exception dispatch: unsupported call frame instruction in .eh_frame");
            return;
        }
    }
}

int graft_unwind(Frame *f) {
    Fde fde;
    uint64_t pc = graft_frame_pc(f);
    f->fault = 0;
    if (!graft_find_fde(pc, &fde))
        return 0;
    CfaState s;
    memset(&s, 0, sizeof s);
    uint64_t loc = fde.start;
    run_cfa(fde.cie_program, fde.cie_program_end, &fde, (uint64_t)-1, &loc, &s);
    loc = fde.start;
    run_cfa(fde.program, fde.program_end, &fde, pc, &loc, &s);
    uint64_t cfa = f->reg[s.cfa_reg] + (uint64_t)s.cfa_offset;
    for (int r = 0; r < 17; r++)
        if (s.saved[r])
            f->reg[r] = *(const uint64_t *)(uintptr_t)(cfa + (uint64_t)s.offset[r]);
    f->rip = f->reg[16];
    f->reg[7] = cfa;
    return 1;
}

int graft_unwind_quiet(Frame *f) {
    quiet = 1;
    failed = 0;
    int ok = graft_unwind(f);
    quiet = 0;
    return ok && !failed;
}
