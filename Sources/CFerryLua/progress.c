// The progress record a watchdog thread reads: which document a state is transforming and
// since when. The worker writes it at the start and end of every document; the reader
// copies it and checks that the start time did not change meanwhile.

#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define PROGRESS_ID_MAX 512

struct ferry_progress {
    _Atomic uint64_t started_ns;   // 0 = idle
    _Atomic int32_t step;
    _Atomic size_t id_len;
    char id[PROGRESS_ID_MAX];
};

ferry_progress *ferry_progress_create(void) { return calloc(1, sizeof(ferry_progress)); }

void ferry_progress_destroy(ferry_progress *p) { free(p); }

void ferry_progress_begin(ferry_progress *p, const char *id, size_t len) {
    atomic_store(&p->started_ns, 0);
    if (len > PROGRESS_ID_MAX) len = PROGRESS_ID_MAX;
    memcpy(p->id, id, len);
    atomic_store(&p->id_len, len);
    atomic_store(&p->step, -1);
    atomic_store(&p->started_ns, ferry_now_ns());
}

void ferry_progress_step(ferry_progress *p, int32_t step) { atomic_store(&p->step, step); }

void ferry_progress_end(ferry_progress *p) { atomic_store(&p->started_ns, 0); }

uint64_t ferry_progress_read(const ferry_progress *p, char *id, size_t id_cap, size_t *id_len, int32_t *step) {
    uint64_t started = atomic_load(&p->started_ns);
    if (started == 0) return 0;
    size_t len = atomic_load(&p->id_len);
    if (len > id_cap) len = id_cap;
    memcpy(id, p->id, len);   // may race with a new document; the start check below tells
    *id_len = len;
    *step = atomic_load(&p->step);
    return atomic_load(&p->started_ns) == started ? started : 0;
}
