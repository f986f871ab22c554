/* The collector: non-moving, stop-the-world mark-sweep for the one thread
 * (README.md, "The managed heap and the collector").
 *
 *   1. mark from the roots: the stack from the current SP to the one
 *      graft_gc_init was called on, and the callee-saved registers
 *      (conservatively: any word that points into an object's cell keeps it);
 *      thread statics; strong and pinned handles; objects waiting for their
 *      finalizer; the references of frozen objects (registered segments,
 *      never freed); the exceptions of running catch funclets;
 *   2. dependent handles whose primary is marked mark their secondary,
 *      until nothing changes; short weak handles of dead objects are cleared;
 *   3. dead finalizable objects (not suppressed) move to the finalizer queue
 *      and are marked again (resurrected) with what they reach; dependent
 *      handles again; long weak handles and dead dependent handles cleared;
 *   4. sweep: mark bits cleared, dead cells merged into free cells, spans of
 *      GC_MIN_SPAN or more put on the free list, cards rebuilt, empty regions
 *      and dead large objects given back.
 * Objects are scanned precisely from their MethodTable's GCDesc.
 *
 * Exports:
 *   graft_gc_init             start-up (core/startup.c): the stack's top, graft.gcstress / graft.gctrace
 *   RhRegisterFrozenSegment, RhUpdateFrozenSegment   frozen objects: roots, never freed
 *   RhpGetNextFinalizableObject   CoreLib's finalizer loop (__Finalizer.DrainQueue)
 */
#include "gc_internal.h"

GcFigures gc_figures;
#define GC_MIN_BUDGET (4ull << 20)
uint64_t gc_allocated_since_collection, gc_budget = GC_MIN_BUDGET;
uint32_t gc_stress_every;
uint64_t gc_stack_top;
static int trace;

/* ---- marking ---- */

#define MARK_STACK_BYTES (512u * 1024)
static Object **mark_stack;
static uint32_t mark_top, mark_capacity;
static int mark_overflowed;

static inline int in_heap(uint64_t p) { return p - gc_heap_low < gc_heap_high - gc_heap_low; }

static inline int is_marked(Object *o) { return ((uint64_t)o->method_table & GC_MARK_BIT) != 0; }

/* Objects outside the heap (frozen, null) count as live. */
static int is_live(Object *o) { return !in_heap((uint64_t)o) || is_marked(o); }

/* A precise reference: null, an object outside the heap, or a heap object. */
static inline void mark(Object *o) {
    if (!in_heap((uint64_t)o))
        return;
    uint64_t mt = (uint64_t)o->method_table;
    if (mt & GC_MARK_BIT)
        return;
    o->method_table = (MethodTable *)(mt | GC_MARK_BIT);
    if (!(((MethodTable *)mt)->flags & MT_CONTAINS_POINTERS))
        return;
    if (mark_top < mark_capacity)
        mark_stack[mark_top++] = o;
    else
        mark_overflowed = 1;
}

static void mark_fn(Object *o) { mark(o); }

/* Calls visit on each reference slot of `o`, from its GCDesc (gcdesc.h's
 * layout, before the MethodTable: the series count at [-1]; a positive count
 * is that many {size, offset} series, the size less the object's size; a
 * negative one is one {offset} and -count {pointers, skip} items repeated
 * over an array of structs). */
static inline void each_reference(Object *o, void (*visit)(Object **slot)) {
    const MethodTable *mt = gc_method_table(o);
    if (!(mt->flags & MT_CONTAINS_POINTERS))
        return;
    const int64_t *desc = (const int64_t *)mt;
    int64_t series = desc[-1];
    uint64_t size = mt->base_size;
    if (mt->flags & MT_HAS_COMPONENT_SIZE)
        size += (uint64_t)*(const uint32_t *)((const char *)o + 8) * mt->component_size;
    if (series > 0) {
        for (int64_t i = 0; i < series; i++) {
            Object **slot = (Object **)((char *)o + desc[-2 - 2 * i]);
            Object **stop = (Object **)((char *)slot + desc[-3 - 2 * i] + (int64_t)size);
            for (; slot < stop; slot++)
                visit(slot);
        }
    } else if (series < 0) {
        typedef struct { uint32_t pointers, skip; } Item;
        const Item *items = (const Item *)&desc[-3];
        char *p = (char *)o + desc[-2];
        char *end = (char *)o + size - 8;
        while (p < end) {
            for (int64_t i = 0; i > series; i--) {
                for (uint32_t k = 0; k < items[i].pointers; k++, p += 8)
                    visit((Object **)p);
                p += items[i].skip;
            }
        }
    }
}

static void mark_slot(Object **slot) { mark(*slot); }

static void scan_all_marked(void);

static void drain(void) {
    for (;;) {
        while (mark_top)
            each_reference(mark_stack[--mark_top], mark_slot);
        if (!mark_overflowed)
            return;
        mark_overflowed = 0;
        scan_all_marked();
    }
}

/* After a mark-stack overflow: scan every marked object again (those not
 * yet scanned push their children). */
static void scan_all_marked(void) {
    for (uint32_t i = 0; i < gc_region_count; i++) {
        GcRegion *r = gc_regions[i];
        for (uint64_t cell = r->first; cell < r->end;) {
            Object *o = (Object *)cell;
            cell += gc_object_size(o);
            if (is_marked(o)) {
                each_reference(o, mark_slot);
                while (mark_top)
                    each_reference(mark_stack[--mark_top], mark_slot);
            }
            if (r->large)
                break;
        }
    }
}

static void mark_conservative(uint64_t word) {
    if (!in_heap(word))
        return;
    Object *o = gc_find_object(word);
    if (o)
        mark(o);
}

static __attribute__((noinline)) void mark_stack_roots(void) {
    uint64_t regs[6];
    __asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%r12, 16(%0)\n\t"
                     "mov %%r13, 24(%0)\n\tmov %%r14, 32(%0)\n\tmov %%r15, 40(%0)"
                     : : "r"(regs) : "memory");
    uint64_t sp = (uint64_t)regs;
    uint64_t top = graft_thread_stack_top(); /* a started thread's; 0 on the boot thread */
    if (!top)
        top = gc_stack_top;
    if (!top || sp >= top || top - sp > (64ull << 20))
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "a collection off the managed stack");
    for (uint64_t p = sp; p < top; p += 8)
        mark_conservative(*(uint64_t *)p);
}

/* A stopped thread's stack, from its saved SP (its registers are there). */
static void mark_stack_range(uint64_t low, uint64_t high) {
    for (uint64_t p = low & ~7ull; p < high; p += 8)
        mark_conservative(*(uint64_t *)p);
}

/* ---- frozen segments ---- */

#define MAX_FROZEN 16
typedef struct Frozen { uint64_t start, allocated; } Frozen;
static Frozen frozen[MAX_FROZEN];
static uint32_t frozen_count;

/* Objects in a segment start after their header: the first at start + 8. */
static void each_frozen_object(void (*visit)(Object *o)) {
    for (uint32_t i = 0; i < frozen_count; i++) {
        uint64_t end = frozen[i].start + frozen[i].allocated;
        for (uint64_t cell = frozen[i].start + 8; cell + 8 <= end;) {
            Object *o = (Object *)cell;
            if (!o->method_table)
                break;
            visit(o);
            cell += gc_object_size(o);
        }
    }
}

static void mark_frozen_references(Object *o) { each_reference(o, mark_slot); }

void *RhRegisterFrozenSegment(void *start, size_t allocated, size_t committed, size_t reserved) {
    (void)committed; (void)reserved;
    if (frozen_count == MAX_FROZEN)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "too many frozen segments");
    frozen[frozen_count].start = (uint64_t)start;
    frozen[frozen_count].allocated = allocated;
    frozen_count++;
    return &frozen[frozen_count - 1];
}

void RhUpdateFrozenSegment(void *segment, void *allocated, void *committed) {
    (void)committed;
    Frozen *f = segment;
    f->allocated = (uint64_t)allocated - f->start;
}

/* ---- finalization ---- */

/* The finalization list (live finalizable objects) and the queue of those
 * found dead, waiting for their finalizer (a root until it runs). */
static Object **final_list, **ready;
static uint64_t final_count, final_capacity, ready_head, ready_tail, ready_capacity;

static int grow(Object ***table, uint64_t *capacity, uint64_t used) {
    uint64_t bigger = *capacity ? *capacity * 2 : 512;
    Object **t = gc_table_alloc(bigger * sizeof(Object *));
    if (!t)
        return 0;
    if (*table) {
        memcpy(t, *table, used * sizeof(Object *));
        gc_table_free(*table, *capacity * sizeof(Object *));
    }
    *table = t;
    *capacity = bigger;
    return 1;
}

int gc_register_finalizer(Object *o) {
    if (final_count == final_capacity && !grow(&final_list, &final_capacity, final_count))
        return 0;
    /* the queue can then take the whole list in one collection */
    if (ready_head == ready_tail)
        ready_head = ready_tail = 0;
    while (ready_tail + final_count + 1 > ready_capacity) {
        if (ready_head) {
            memmove(ready, ready + ready_head, (ready_tail - ready_head) * sizeof(Object *));
            ready_tail -= ready_head;
            ready_head = 0;
        } else if (!grow(&ready, &ready_capacity, ready_tail)) {
            return 0;
        }
    }
    final_list[final_count++] = o;
    *gc_finalize_bits(o) = GC_FINALIZE_QUEUED;
    return 1;
}

static Object *gc_next_finalizable(void) {
    while (ready_head < ready_tail) {
        Object *o = ready[ready_head];
        ready[ready_head++] = 0;
        gc_figures.pending_finalizers--;
        *gc_finalize_bits(o) &= ~GC_FINALIZE_PENDING;
        if (!(*gc_finalize_bits(o) & GC_FINALIZE_SUPPRESSED)) {
            gc_figures.finalizers_run++;
            return o;
        }
    }
    return 0;
}

Object *RhpGetNextFinalizableObject(void) { return gc_next_finalizable(); }

/* Every finalizable object found dead is queued first, then all of them
 * are marked with what they reach: objects reachable only from one another
 * are finalized in the same collection, as on .NET. */
static void queue_dead_finalizable(void) {
    uint64_t kept = 0, first_new = ready_tail;
    for (uint64_t i = 0; i < final_count; i++) {
        Object *o = final_list[i];
        if (is_marked(o)) {
            final_list[kept++] = o;
            continue;
        }
        uint32_t *bits = gc_finalize_bits(o);
        *bits &= ~GC_FINALIZE_QUEUED;
        if (*bits & GC_FINALIZE_SUPPRESSED)
            continue; /* dies without its finalizer */
        *bits |= GC_FINALIZE_PENDING;
        ready[ready_tail++] = o;
        gc_figures.pending_finalizers++;
    }
    final_count = kept;
    for (uint64_t i = first_new; i < ready_tail; i++)
        mark(ready[i]);
    drain();
}

/* CoreLib's finalizer loop body: RhpGetNextFinalizableObject and each
 * object's finalizer, until the queue is empty. */
extern void S_P_CoreLib_System_Runtime___Finalizer__DrainQueue(void);
static int finalizing;

void gc_run_finalizers(void) {
    if (finalizing || ready_head == ready_tail)
        return;
    finalizing = 1;
    S_P_CoreLib_System_Runtime___Finalizer__DrainQueue();
    finalizing = 0;
}

/* ---- sweeping ---- */

static void set_cards_for(GcRegion *r, uint64_t start, uint64_t end) {
    uint64_t first = (start - r->base + (1u << GC_CARD_SHIFT) - 1) >> GC_CARD_SHIFT;
    uint64_t last = (end - 1 - r->base) >> GC_CARD_SHIFT;
    for (uint64_t i = first; i <= last && i < GC_CARDS; i++)
        r->card_start[i] = (uint32_t)(start - r->base);
}

static void emit_free(GcRegion *r, uint64_t start, uint64_t end) {
    set_cards_for(r, start, end);
    if (end - start >= 256)
        gc_add_free_span(start, end);
    else
        gc_make_free_cell(start, end);
}

static uint64_t sweep_small(GcRegion *r) {
    uint64_t live = 0, free_start = 0;
    r->card_start[0] = (uint32_t)(r->first - r->base);
    for (uint64_t cell = r->first; cell < r->end;) {
        Object *o = (Object *)cell;
        uint64_t mt = (uint64_t)o->method_table;
        uint64_t size = gc_object_size(o);
        if (mt & GC_MARK_BIT) {
            o->method_table = (MethodTable *)(mt & ~GC_MARK_BIT);
            if (free_start) {
                emit_free(r, free_start, cell);
                free_start = 0;
            }
            set_cards_for(r, cell, cell + size);
            live += size;
        } else if (!free_start) {
            free_start = cell;
        }
        cell += size;
    }
    if (free_start)
        emit_free(r, free_start, r->end);
    r->live_bytes = (uint32_t)live;
    return live;
}

static uint64_t sweep(void) {
    uint64_t live = 0;
    gc_reset_free_spans();
    for (uint32_t i = 0; i < gc_region_count;) {
        GcRegion *r = gc_regions[i];
        if (r->large) {
            Object *o = (Object *)r->first;
            if (is_marked(o)) {
                o->method_table = gc_method_table(o);
                live += gc_object_size(o);
                i++;
            } else {
                gc_release_region(r);
            }
            continue;
        }
        uint64_t tail = gc_free_spans_tail();
        uint64_t region_live = sweep_small(r);
        if (region_live == 0) {
            gc_truncate_free_spans(tail);
            gc_release_region(r);
            continue;
        }
        live += region_live;
        i++;
    }
    return live;
}

/* ---- a collection ---- */

static void gc_verify_heap(const char *when);

static int collecting;

void gc_collect(void) {
    if (collecting)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "a collection inside a collection");
    collecting = 1;
    uint64_t start = graft_time_ns();
    gc_retire_context();

    mark_stack_roots();
    graft_threads_mark_roots(mark_stack_range, mark_fn); /* the other threads' stacks, every thread's statics */
    gc_handles_mark_strong(mark_fn);
    for (uint64_t i = ready_head; i < ready_tail; i++)
        mark(ready[i]);
    each_frozen_object(mark_frozen_references);
    graft_exception_roots(mark_fn);
    drain();

    do drain(); while (gc_handles_mark_dependents(mark_fn, is_live));
    gc_handles_clear_dead(0, is_live);
    queue_dead_finalizable();
    do drain(); while (gc_handles_mark_dependents(mark_fn, is_live));
    gc_handles_clear_dead(1, is_live);

    uint64_t live = sweep();
    gc_figures.live_bytes = live;
    gc_figures.collections++;
    gc_figures.heap_bytes = gc_heap_bytes();
    gc_allocated_since_collection = 0;
    gc_budget = live > GC_MIN_BUDGET ? live : GC_MIN_BUDGET;
    if (gc_stress_every)
        gc_verify_heap("after a collection");
    uint64_t pause = graft_time_ns() - start;
    gc_figures.last_pause_ns = pause;
    gc_figures.total_pause_ns += pause;
    if (pause > gc_figures.longest_pause_ns)
        gc_figures.longest_pause_ns = pause;
    if (trace) {
        serial_write("graft: gc ");
        serial_write_dec(gc_figures.collections);
        serial_write(": live ");
        serial_write_dec(live >> 10);
        serial_write(" KiB, heap ");
        serial_write_dec(gc_figures.heap_bytes >> 10);
        serial_write(" KiB, pause ");
        serial_write_dec(pause / 1000);
        serial_write(" us\n");
    }
    collecting = 0;
}

/* ---- verification (stress mode) ---- */

static const char *verify_when;
static uint64_t verify_holder;

static __attribute__((noreturn)) void verify_failed(const char *what, uint64_t where, uint64_t value) {
    serial_write("\ngraft: heap verification ");
    serial_write(verify_when);
    serial_write(": ");
    serial_write(what);
    serial_write(" at 0x");
    serial_write_hex(where);
    serial_write(" (0x");
    serial_write_hex(value);
    serial_write(")\n");
    debug_exit(GRAFT_EXIT_RUNTIME_ERROR);
}

extern char __kernel_start[], __kernel_end[];

static int in_frozen(uint64_t p) {
    if (p >= (uint64_t)__kernel_start && p < (uint64_t)__kernel_end)
        return 1;
    for (uint32_t i = 0; i < frozen_count; i++)
        if (p > frozen[i].start && p < frozen[i].start + frozen[i].allocated)
            return 1;
    return 0;
}

static void verify_reference(Object *o) {
    uint64_t p = (uint64_t)o;
    if (!p)
        return;
    if (!in_heap(p)) {
        if (!in_frozen(p))
            verify_failed("a reference outside the heap, the kernel image and the frozen segments", verify_holder, p);
        return;
    }
    if (gc_find_object(p) != o)
        verify_failed("a reference to no object", verify_holder, p);
    if (is_marked(o))
        verify_failed("a mark bit left set", p, (uint64_t)o->method_table);
}

static void verify_slot(Object **slot) {
    verify_holder = (uint64_t)slot;
    verify_reference(*slot);
}

static void gc_verify_heap(const char *when) {
    verify_when = when;
    for (uint32_t i = 0; i < gc_region_count; i++) {
        GcRegion *r = gc_regions[i];
        uint64_t cell = r->first;
        while (cell < r->end) {
            Object *o = (Object *)cell;
            MethodTable *mt = o->method_table;
            if (!mt || ((uint64_t)mt & 7))
                verify_failed("a cell without a MethodTable", cell, (uint64_t)mt);
            uint64_t size = gc_object_size(o);
            if (size < GC_MIN_OBJECT || cell + size > r->end)
                verify_failed("a cell of a bad size", cell, size);
            if (mt != &graft_gc_free_cell)
                each_reference(o, verify_slot);
            cell += size;
            if (r->large)
                break;
        }
        if (!r->large && cell != r->end)
            verify_failed("a region whose cells overrun its end", cell, r->end);
    }
    verify_holder = 0;
    gc_handles_each(verify_reference);
    for (uint64_t i = 0; i < final_count; i++)
        verify_reference(final_list[i]);
    for (uint64_t i = ready_head; i < ready_tail; i++)
        verify_reference(ready[i]);
}

/* ---- start-up ---- */

static const char *find_word(const char *line, int32_t length, const char *key, int32_t *value_at) {
    int32_t key_length = 0;
    while (key[key_length])
        key_length++;
    for (int32_t i = 0; i + key_length <= length; i++) {
        int32_t same = 0;
        while (same < key_length && line[i + same] == key[same])
            same++;
        if ((i == 0 || line[i - 1] == ' ') && same == key_length &&
            (i + key_length == length || line[i + key_length] == ' ' || line[i + key_length] == '=')) {
            *value_at = i + key_length;
            return line + i;
        }
    }
    return 0;
}

int32_t graft_boot_command_line(const char **text);

/* Called on the managed stack before any managed code: every managed frame
 * lies below this function's caller. */
void graft_gc_init(void) {
    gc_stack_top = (uint64_t)__builtin_frame_address(0) + 16;
    mark_stack = gc_table_alloc(MARK_STACK_BYTES);
    if (!mark_stack)
        graft_panic(GRAFT_EXIT_RUNTIME_ERROR, "out of memory for the collector's mark stack");
    mark_capacity = MARK_STACK_BYTES / sizeof(Object *);
    const char *line;
    int32_t length = graft_boot_command_line(&line), at;
    if (find_word(line, length, "graft.gcstress", &at)) {
        uint32_t n = 0;
        if (at < length && line[at] == '=')
            for (at++; at < length && line[at] >= '0' && line[at] <= '9'; at++)
                n = n * 10 + (uint32_t)(line[at] - '0');
        gc_stress_every = n ? n : 1;
        serial_write("graft: gc stress: a collection every ");
        serial_write_dec(gc_stress_every);
        serial_write(" allocations, the heap verified after each\n");
    }
    if (find_word(line, length, "graft.gctrace", &at))
        trace = 1;
}
