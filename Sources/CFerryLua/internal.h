#ifndef FERRY_INTERNAL_H
#define FERRY_INTERNAL_H
// Shared between the C files of the bridge; not part of the public header.

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "ferry_lua.h"

#define FERRY_MAX_DEPTH 100

// A growable byte buffer owned by the state (plain malloc, outside the Lua allocator, so a
// Lua error unwinding through its users never leaks it).
typedef struct {
    char *p;
    size_t len, cap;
} ferry_buf;

// One segment of the field path the encoder is at, for error messages.
typedef struct {
    const char *key;   // NULL for an array index
    size_t keylen;
    lua_Integer index;
} ferry_pathseg;

typedef struct {
    const char *p;
    size_t len;
} ferry_keyref;

typedef struct ferry_thread_timer ferry_thread_timer;

// A state's cache of freed blocks of up to SMALL_MAX bytes, by size class (small_heap.c);
// every block comes from malloc. `old` and `n` are the exact sizes Lua gives its allocator.
#define SMALL_STEP 16
#define SMALL_MAX 512
#define SMALL_CACHE_BYTES (2u << 20)
typedef struct {
    void *free_lists[SMALL_MAX / SMALL_STEP];   // linked through the blocks' first word
    size_t cached;                              // bytes on the lists, <= SMALL_CACHE_BYTES
} small_heap;
void *small_heap_realloc(small_heap *h, void *p, size_t old, size_t n);   // p NULL: allocate
void small_heap_free(small_heap *h, void *p, size_t n);
void small_heap_release(small_heap *h);

struct ferry_lua {
    lua_State *L;
    uint64_t id;

    // Sandbox limits (limits.c). Work is counted in units: one VM instruction, one step of
    // a C loop, or 64 allocated bytes.
    size_t mem_limit, mem_used;
    small_heap heap;         // where the counting allocator takes Lua's small blocks from
    int64_t time_limit_ms;
    uint64_t work_budget;    // units per call; 0 = unlimited
    int armed;               // a call is running under the limits
    uint64_t deadline_ns;    // 0 = no deadline
    uint64_t work, next_check;
    size_t alloc_since_check;
    int counting;            // this call runs the count hook (a work budget, or no timer)
    ferry_thread_timer *timer;   // the timer watching this call's deadline, or NULL
    ferry_lua *timer_prev;   // the call of another state this one runs inside (rare), or NULL
    volatile sig_atomic_t deadline_hit;   // the timer's signal found the deadline passed
    int doomed;              // a limit fired in this call: everything raises it again
    char limit_msg[256];     // "src:line: time limit of N ms exceeded"
    lua_State *running;      // the thread running now (the main one or a resumed coroutine)
    ferry_progress *progress;   // where a watchdog reads the document in progress, or NULL
    int loading;             // > 0 while a file's top level runs (its new globals are allowed)

    char **roots;
    size_t nroots;

    ferry_lookup_fn lookup_fn;
    void *lookup_ud;

    // Registry references and the identities of the shared metatables.
    int array_mt_ref, object_mt_ref, bignum_mt_ref;
    int steps_ref, ctx_ref, ctxproxy_ref, loaded_ref;
    int poisoned_ref, readonly_ref, next_ref, env_mt_ref, randomseed_ref;
    const void *array_mt, *object_mt, *bignum_mt;
    int32_t nsteps;
    // The step (its slot + 1; 0: none yet) whose from/to are in ctx now: set again only when
    // another step runs (ctx is read-only to steps, so what was set is still there).
    int32_t ctx_step;

    ferry_buf out, err, scratch;

    // Encoder state: a stack of object keys being sorted, and the current field path.
    ferry_keyref *keys;
    size_t nkeys, keycap;
    ferry_pathseg path[FERRY_MAX_DEPTH + 2];
    int pathdepth;

    // Per-call outcome flags.
    int fail_kind;    // a FERRY_ERR_* set just before a bridge-raised error, else 0
    int mem_hit;      // the allocator refused a request during this call
    int dropped;
    int failed_step;

    // Arguments of the call in progress (the protected functions read them from here).
    const char *arg_json;
    size_t arg_json_len;
    const char *arg_id, *arg_index;
    size_t arg_id_len, arg_index_len;
    const int32_t *arg_steps;
    size_t arg_nsteps;
    const char *arg_path, *arg_from, *arg_to, *arg_key;
    int32_t arg_step_out;
};

ferry_lua *ferry_state(lua_State *L);
// NULL when L is not a sandbox state (the differential pattern tests run in a plain one).
ferry_lua *ferry_state_if_sandbox(lua_State *L);
void ferry_set_error(ferry_lua *s, const char *msg, size_t len);
void ferry_arm_deadline(ferry_lua *s);
void ferry_disarm_deadline(ferry_lua *s);
// Makes L the thread running s's Lua code (around resume and close).
void ferry_set_running(ferry_lua *s, lua_State *L);
// From the timer's signal handler on the thread running s: hooks s->running if the deadline
// passed and returns 0, else returns the deadline the timer must wait for.
uint64_t ferry_deadline_signal(ferry_lua *s);
// deadline_timer.c: this thread's timer (NULL when the system refuses one), and the window
// of a call it watches.
ferry_thread_timer *ferry_timer_for_this_thread(void);
void ferry_timer_begin(ferry_thread_timer *t, ferry_lua *s, uint64_t deadline_ns);
void ferry_timer_end(ferry_thread_timer *t, ferry_lua *s);
uint64_t ferry_now_ns(void);
// Adds work done in C; raises the limit error when a limit is over (checked every few
// thousand units) or the state is doomed.
void ferry_charge(lua_State *L, uint64_t units);
// Called by the allocator for growth: counts it, and asks for an early hook check.
void ferry_charge_alloc(ferry_lua *s, size_t bytes);
// The nearest Lua function on the stack with a line (skipping C functions in between).
int ferry_lua_frame(lua_State *L, lua_Debug *ar);
// Pushes "src:line: " of that function ("" when there is none), for errors raised from C.
void ferry_where(lua_State *L);
// Raises the recorded limit error again.
int ferry_raise_limit(lua_State *L);
void ferry_protect_libs(lua_State *L, ferry_lua *s);
void ferry_open_patterns(lua_State *L);
void ferry_freeze_environment(lua_State *L, ferry_lua *s);
void ferry_push_readonly(lua_State *L, ferry_lua *s, int idx, const char *name);
// Gives the loaded chunk at fn its own global table (falling back to the frozen globals).
void ferry_set_chunk_env(lua_State *L, ferry_lua *s, int fn);
// Runs body(L) under lua_pcall with the deadline armed; returns a FERRY_* status and leaves
// the error text in s->err.
int ferry_call(ferry_lua *s, lua_CFunction body);
void ferry_progress_begin(ferry_progress *p, const char *id, size_t len);
void ferry_progress_step(ferry_progress *p, int32_t step);
void ferry_progress_end(ferry_progress *p);
int ferry_buf_reserve(ferry_buf *b, size_t extra, size_t limit);

// Raise Lua errors; run only under a pcall.
void ferry_json_decode(lua_State *L, ferry_lua *s, const char *json, size_t len);
void ferry_json_encode(lua_State *L, ferry_lua *s, int idx, int require_object);
void ferry_push_bignum(lua_State *L, ferry_lua *s, const char *digits, size_t len);
const char *ferry_typename(lua_State *L, ferry_lua *s, int idx);
void ferry_open_lib(lua_State *L, ferry_lua *s);
void ferry_open_text(lua_State *L);   // pushes the `ferry.text` table
int ferry_round(lua_State *L);
int ferry_require(lua_State *L);
int ferry_ctx_lookup(lua_State *L);

// Length of the valid UTF-8 sequence at p (1..4), or 0 if it is invalid (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
static inline size_t ferry_utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) {
        if (end - p < 2 || (p[1] & 0xC0) != 0x80) return 0;
        return 2;
    }
    if (c < 0xF0) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;
        if (c == 0xED && p[1] >= 0xA0) return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

// True when none of the 8 bytes at p needs a look in a JSON string: no '"', no '\\', no
// control character, no byte >= 0x80 (word-at-a-time test; callers check p + 8 <= end).
static inline int ferry_json_plain8(const unsigned char *p) {
    uint64_t x;
    memcpy(&x, p, 8);
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t quote = x ^ (ones * '"'), slash = x ^ (ones * '\\');
    uint64_t special = ((quote - ones) & ~quote) | ((slash - ones) & ~slash) | (x - ones * 0x20) | x;
    return (special & high) == 0;
}

#endif
