// The state's own heap for Lua's small blocks (strings, table nodes, closures: most of what a
// document makes). Lua hands every block's size back when it frees or resizes it, so blocks
// need no header: each size class is a free list threaded through its free blocks, refilled
// from 64 KiB slabs. A state runs on one thread at a time, so nothing here takes a lock,
// unlike malloc in a process with several workers. Slabs go back to the system when the
// state closes; until then a class keeps its free blocks for the next document.

#include <stdlib.h>
#include "internal.h"

#define SLAB_BYTES (64 * 1024)
#define SLAB_HEADER 16   // the link to the previous slab, keeping blocks 16-byte aligned

static size_t class_of(size_t n) { return (n - 1) / SMALL_STEP; }

static void *small_alloc(small_heap *h, size_t n) {
    size_t c = class_of(n);
    void *p = h->free_lists[c];
    if (p) {
        h->free_lists[c] = *(void **)p;
        return p;
    }
    size_t size = (c + 1) * SMALL_STEP;
    if ((size_t)(h->end - h->bump) < size) {
        char *slab = malloc(SLAB_BYTES);
        if (!slab) return NULL;
        *(void **)slab = h->slabs;
        h->slabs = slab;
        h->bump = slab + SLAB_HEADER;
        h->end = slab + SLAB_BYTES;
    }
    p = h->bump;
    h->bump += size;
    return p;
}

static void small_free(small_heap *h, void *p, size_t n) {
    size_t c = class_of(n);
    *(void **)p = h->free_lists[c];
    h->free_lists[c] = p;
}

void small_heap_free(small_heap *h, void *p, size_t n) {
    if (n <= SMALL_MAX) small_free(h, p, n);
    else free(p);
}

void *small_heap_realloc(small_heap *h, void *p, size_t old, size_t n) {
    if (!p) return n <= SMALL_MAX ? small_alloc(h, n) : malloc(n);
    int was_small = old <= SMALL_MAX, is_small = n <= SMALL_MAX;
    if (was_small && is_small && class_of(old) == class_of(n)) return p;
    if (!was_small && !is_small) return realloc(p, n);
    void *q = is_small ? small_alloc(h, n) : malloc(n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    small_heap_free(h, p, old);
    return q;
}

void small_heap_release(small_heap *h) {
    for (void *slab = h->slabs; slab;) {
        void *previous = *(void **)slab;
        free(slab);
        slab = previous;
    }
    memset(h, 0, sizeof *h);
}
