#ifndef FERRY_LUA_H
#define FERRY_LUA_H
// Coarse, protected entry points into a sandboxed Lua 5.4 state for Ferry's document steps.
//
// Every entry point runs its work under lua_pcall inside C, so a Lua error never longjmps
// across a Swift frame: callers get a status code, and ferry_lua_error() has the text.
// One ferry_lua per thread; nothing here is thread-safe.

#include <stddef.h>
#include <stdint.h>

typedef struct ferry_lua ferry_lua;

// What a state is doing right now, readable from another thread (a watchdog): when the
// current document started (monotonic ns, 0 = idle), its id, and the 0-based step running.
// Outlives the states that write it; one writer at a time.
typedef struct ferry_progress ferry_progress;
ferry_progress *ferry_progress_create(void);
void ferry_progress_destroy(ferry_progress *p);
// Copies the document in progress: returns its start time (0 when idle), with its id in
// id[0..*id_len) (truncated to id_cap) and the step in *step.
uint64_t ferry_progress_read(const ferry_progress *p, char *id, size_t id_cap, size_t *id_len, int32_t *step);
// The monotonic clock the start times use, in ns.
uint64_t ferry_monotonic_ns(void);

// Status codes returned by the entry points.
#define FERRY_OK 0
#define FERRY_DROPPED 1        // a step returned nil; ferry_lua_failed_step() says which
#define FERRY_ERR_RUNTIME 2    // a Lua error (message starts with "path:line:" when Lua knows it)
#define FERRY_ERR_BAD_RETURN 3 // a step returned a non-table, or a step file did not return a function
#define FERRY_ERR_DECODE 4     // the input is not valid JSON (message has the byte offset)
#define FERRY_ERR_ENCODE 5     // the result cannot be encoded as JSON (message names the field path)
#define FERRY_ERR_MEMORY 6     // the memory limit was hit
#define FERRY_ERR_TIME 7       // the per-call time limit was hit
#define FERRY_ERR_SYNTAX 8     // a script failed to compile
#define FERRY_ERR_FILE 9       // a script file could not be read
#define FERRY_ERR_USAGE 10     // a caller bug (unknown step id, state not open, out of C memory)

// Called by ctx.lookup(table, key). Return 1 with *row_json/*row_len set to a JSON object for
// a row, 0 for no row, -1 with *err/*err_len set for an error (raised as a Lua error).
// The returned bytes must stay valid until the callback is invoked again or the call returns.
// The callback must not call back into this state.
typedef int (*ferry_lookup_fn)(void *userdata,
                               const char *table, size_t table_len,
                               const char *key, size_t key_len,
                               int key_is_integer, int64_t integer_key,
                               const char **row_json, size_t *row_len,
                               const char **err, size_t *err_len);

// memory_limit in bytes (0 = unlimited); time_limit_ms per call (0 = unlimited).
// Returns NULL only when the C allocation itself fails.
ferry_lua *ferry_lua_create(size_t memory_limit, int64_t time_limit_ms);
// Work budget per call, in units (a VM instruction, a pattern-matcher step, a C loop step,
// 64 allocated bytes); 0 = unlimited. Deterministic, unlike the time limit.
void ferry_lua_set_work_budget(ferry_lua *s, uint64_t units);
// Records each document of ferry_lua_run_chain in p (NULL to stop). p must outlive s's use of it.
void ferry_lua_set_progress(ferry_lua *s, ferry_progress *p);
// Adds a require root (searched in the order added). Call before ferry_lua_open.
int ferry_lua_add_root(ferry_lua *s, const char *root);
// Creates the sandboxed lua_State. On failure the state stays unusable; see ferry_lua_error.
int ferry_lua_open(ferry_lua *s);
void ferry_lua_destroy(ferry_lua *s);

// A process-unique id, so callers can check that a step handle belongs to this state.
uint64_t ferry_lua_id(const ferry_lua *s);
size_t ferry_lua_memory_used(const ferry_lua *s);

void ferry_lua_set_lookup(ferry_lua *s, ferry_lookup_fn fn, void *userdata);
// Sets a run-level string field of ctx (e.g. "run_started_at").
int ferry_lua_set_context(ferry_lua *s, const char *key, const char *value, size_t value_len);

// Loads a step file (which must return function(doc, ctx)) and returns its id in *step_out.
int ferry_lua_load_step(ferry_lua *s, const char *path, const char *from, const char *to, int32_t *step_out);

// Decodes `json` once, runs the steps in order (each gets the previous step's table), and
// encodes the final table into the output buffer. The time limit covers the whole chain.
int ferry_lua_run_chain(ferry_lua *s, const char *json, size_t json_len,
                        const char *id, size_t id_len, const char *index, size_t index_len,
                        const int32_t *steps, size_t nsteps);

// Runs a file that returns a value (e.g. recipe.lua) and encodes that value into the output buffer.
int ferry_lua_eval_file(ferry_lua *s, const char *path);

// Decodes and re-encodes `json` (for fidelity tests).
int ferry_lua_roundtrip(ferry_lua *s, const char *json, size_t json_len);

// The output of the last successful call; valid until the next call on this state.
const char *ferry_lua_output(const ferry_lua *s, size_t *len);
// The error text of the last failed call; valid until the next call on this state.
const char *ferry_lua_error(const ferry_lua *s, size_t *len);
// The 0-based position in the chain of the step that dropped or failed the document, or -1
// when the failure happened outside any step (decoding the input).
int ferry_lua_failed_step(const ferry_lua *s);

// For tests: runs `script` in a plain (unsandboxed) Lua state with the stock standard
// library, where string.sandbox_find/match/gmatch/gsub are the sandbox's pattern functions.
// The script returns a string, copied to out (truncated to out_cap, NUL-terminated).
// Returns 0, or 1 with the error message in out.
int ferry_pattern_test_run(const char *script, size_t len, char *out, size_t out_cap);

#endif
