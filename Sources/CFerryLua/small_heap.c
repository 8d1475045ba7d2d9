// The state's own cache of Lua's small blocks (strings, table parts, closures: most of what a
// document makes). Lua hands every block's size back when it frees or resizes it, so a freed
// block of up to SMALL_MAX bytes goes on its 16-byte size class's free list, and the next
// block of that class comes from there: no malloc call, and no lock (a state runs on one
// thread at a time, while malloc locks its arena in a process with several workers). What the
// lists hold is capped at SMALL_CACHE_BYTES per state, past which blocks go back to malloc, so
// the memory limit still bounds what a state keeps: what Lua holds plus at most that cap.

#include <stdlib.h>
#include "internal.h"

static size_t class_of(size_t n) { return (n - 1) / SMALL_STEP; }
static size_t class_size(size_t c) { return (c + 1) * SMALL_STEP; }

static void *small_alloc(small_heap *h, size_t n) {
    size_t c = class_of(n);
    void *p = h->free_lists[c];
    if (!p) return malloc(class_size(c));   // a whole class's size: any block of the class fits any use
    h->free_lists[c] = *(void **)p;
    h->cached -= class_size(c);
    return p;
}

static void small_free(small_heap *h, void *p, size_t n) {
    size_t c = class_of(n);
    if (h->cached + class_size(c) > SMALL_CACHE_BYTES) {
        free(p);
        return;
    }
    *(void **)p = h->free_lists[c];
    h->free_lists[c] = p;
    h->cached += class_size(c);
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
    for (size_t c = 0; c < SMALL_MAX / SMALL_STEP; c++) {
        for (void *p = h->free_lists[c]; p;) {
            void *next = *(void **)p;
            free(p);
            p = next;
        }
    }
    memset(h, 0, sizeof *h);
}
