// The sandboxed lua_State: a counting allocator for the memory limit, only the safe parts
// of the standard library, and the setup order that makes them safe (the limits are in
// limits.c and protect.c, the pattern functions in pattern.c, the read-only views in
// readonly.c).

#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lualib.h>
#include "internal.h"

static _Atomic uint64_t next_id = 1;

ferry_lua *ferry_state(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (ferry_lua *)ud;
}

static void *ferry_alloc(void *ud, void *ptr, size_t osize, size_t nsize);

ferry_lua *ferry_state_if_sandbox(lua_State *L) {
    void *ud = NULL;
    return lua_getallocf(L, &ud) == ferry_alloc ? (ferry_lua *)ud : NULL;
}

int ferry_buf_reserve(ferry_buf *b, size_t extra, size_t limit) {
    if (b->cap - b->len >= extra) return 1;
    size_t need = b->len + extra;
    if (need < b->len || (limit && need > limit)) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    if (limit && cap > limit) cap = limit;
    char *p = realloc(b->p, cap);
    if (!p) return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

// Refuses any growth past the limit; Lua turns the NULL into a "not enough memory" error
// (after an emergency collection), which the entry points report as the memory limit.
static void *ferry_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    ferry_lua *s = ud;
    if (nsize == 0) {
        if (ptr) {
            small_heap_free(&s->heap, ptr, osize);
            s->mem_used -= osize;
        }
        return NULL;
    }
    size_t old = ptr ? osize : 0;   // when ptr is NULL, osize encodes the object type
    if (s->mem_limit && nsize > old && nsize - old > s->mem_limit - s->mem_used) {
        s->mem_hit = 1;
        return NULL;
    }
    void *p = small_heap_realloc(&s->heap, ptr, old, nsize);
    if (!p) {
        s->mem_hit = 1;
        return NULL;
    }
    s->mem_used = s->mem_used - old + nsize;
    if (nsize > old) ferry_charge_alloc(s, nsize - old);
    return p;
}

static int panic_handler(lua_State *L) {
    // Unreachable by design (everything runs under lua_pcall); abort loudly if it ever happens.
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "ferry: unprotected Lua error: %s\n", msg ? msg : "(no message)");
    abort();
}

// print writes to stderr: stdout belongs to the CLI's own output.
static int sandbox_print(lua_State *L) {
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    fwrite(text, 1, len, stderr);
    return 0;
}

// Only collectgarbage("count"): the other options can stop the collector or stall a worker.
static int sandbox_collectgarbage(lua_State *L) {
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage(\"%s\") is not available in the sandbox (only \"count\")", opt);
    int kb = lua_gc(L, LUA_GCCOUNT, 0);
    int b = lua_gc(L, LUA_GCCOUNTB, 0);
    lua_pushnumber(L, (lua_Number)kb + ((lua_Number)b / 1024));
    return 1;
}

// setmetatable without __gc: Lua runs finalizers with hooks off, so an endless __gc would
// escape the time limit (and could run at any allocation, even in lua_close). An object is
// only marked for finalization if __gc is present when its metatable is set, so checking
// here is enough.
static int sandbox_setmetatable(lua_State *L) {
    int t = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

static int setup(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
        {NULL, NULL},
    };
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    // io, os, debug and package are never opened; remove what can reach files or bytecode.
    static const char *const removed[] = {"load", "loadfile", "dofile", NULL};
    for (const char *const *name = removed; *name; name++) {
        lua_pushnil(L);
        lua_setglobal(L, *name);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    lua_pushcfunction(L, sandbox_collectgarbage);
    lua_setglobal(L, "collectgarbage");
    lua_pushcfunction(L, sandbox_setmetatable);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, sandbox_print);
    lua_setglobal(L, "print");
    lua_pushcfunction(L, ferry_require);
    lua_setglobal(L, "require");

    ferry_open_lib(L, s);
    ferry_open_patterns(L);
    ferry_protect_libs(L, s);
    lua_getglobal(L, LUA_MATHLIBNAME);    // reseeded before every document (chain.c)
    lua_getfield(L, -1, "randomseed");
    s->randomseed_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
    ferry_freeze_environment(L, s);

    // require's cache, the loaded steps, and one ctx reused for every document. Scripts see
    // a read-only proxy (rawset refuses it too) so one document cannot leave state on ctx.
    lua_newtable(L);
    s->loaded_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    s->steps_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);                                   // ctx
    lua_pushcfunction(L, ferry_ctx_lookup);
    lua_setfield(L, -2, "lookup");
    lua_pushvalue(L, -1);
    s->ctx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    ferry_push_readonly(L, s, -1, "ctx");              // ctx, proxy
    s->ctxproxy_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
    return 0;
}

ferry_lua *ferry_lua_create(size_t memory_limit, int64_t time_limit_ms) {
    ferry_lua *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->id = atomic_fetch_add(&next_id, 1);
    s->mem_limit = memory_limit;
    s->time_limit_ms = time_limit_ms > 0 ? time_limit_ms : 0;
    s->failed_step = -1;
    return s;
}

int ferry_lua_add_root(ferry_lua *s, const char *root) {
    char **roots = realloc(s->roots, (s->nroots + 1) * sizeof *roots);
    if (!roots) return FERRY_ERR_USAGE;
    s->roots = roots;
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') n--;   // "transforms/" and "transforms" mean the same
    char *copy = malloc(n + 1);
    if (!copy) return FERRY_ERR_USAGE;
    memcpy(copy, root, n);
    copy[n] = '\0';
    s->roots[s->nroots++] = copy;
    return FERRY_OK;
}

void ferry_set_error(ferry_lua *s, const char *msg, size_t len) {
    s->err.len = 0;
    if (ferry_buf_reserve(&s->err, len + 1, 0)) {
        memcpy(s->err.p, msg, len);
        s->err.len = len;
        s->err.p[len] = '\0';
    }
}

int ferry_lua_open(ferry_lua *s) {
    if (s->L) return FERRY_ERR_USAGE;
    lua_State *L = lua_newstate(ferry_alloc, s);
    if (!L) {
        const char *msg = "cannot create a Lua state (memory limit too small?)";
        ferry_set_error(s, msg, strlen(msg));
        return FERRY_ERR_MEMORY;
    }
    lua_atpanic(L, panic_handler);
    s->L = L;
    int st = ferry_call(s, setup);
    if (st != FERRY_OK) {
        lua_close(L);
        s->L = NULL;
    }
    return st;
}

void ferry_lua_destroy(ferry_lua *s) {
    if (!s) return;
    if (s->L) lua_close(s->L);
    small_heap_release(&s->heap);   // after lua_close, which frees its blocks into the cache
    for (size_t i = 0; i < s->nroots; i++) free(s->roots[i]);
    free(s->roots);
    free(s->out.p);
    free(s->err.p);
    free(s->scratch.p);
    free(s->keys);
    free(s);
}

uint64_t ferry_lua_id(const ferry_lua *s) { return s->id; }
void ferry_lua_set_work_budget(ferry_lua *s, uint64_t units) { s->work_budget = units; }
void ferry_lua_set_progress(ferry_lua *s, ferry_progress *p) { s->progress = p; }
size_t ferry_lua_memory_used(const ferry_lua *s) { return s->mem_used; }

void ferry_lua_set_lookup(ferry_lua *s, ferry_lookup_fn fn, void *userdata) {
    s->lookup_fn = fn;
    s->lookup_ud = userdata;
}
