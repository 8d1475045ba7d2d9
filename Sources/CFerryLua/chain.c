// The protected entry points: every one runs its body under lua_pcall with the time limit
// armed, then turns the outcome into a FERRY_* status plus error text.

#include <stdio.h>
#include <string.h>
#include "internal.h"

// Makes sure the error is a string (error({...}) and friends), without raising.
static int message_handler(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING) return 1;
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}

static void format_limit(char *out, size_t n, size_t bytes) {
    if (bytes % (1024 * 1024) == 0) snprintf(out, n, "%zu MiB", bytes / (1024 * 1024));
    else if (bytes % 1024 == 0) snprintf(out, n, "%zu KiB", bytes / 1024);
    else snprintf(out, n, "%zu bytes", bytes);
}

int ferry_call(ferry_lua *s, lua_CFunction body) {
    lua_State *L = s->L;
    if (!L) {
        const char *msg = "the Lua state is not open";
        ferry_set_error(s, msg, strlen(msg));
        return FERRY_ERR_USAGE;
    }
    s->fail_kind = 0;
    s->mem_hit = 0;
    s->dropped = 0;
    s->failed_step = -1;
    s->loading = 0;
    lua_settop(L, 0);
    ferry_arm_deadline(s);
    lua_pushcfunction(L, message_handler);
    lua_pushcfunction(L, body);
    int st = lua_pcall(L, 0, 0, 1);
    ferry_disarm_deadline(s);
    if (st == LUA_OK) {
        lua_settop(L, 0);
        s->err.len = 0;
        return s->dropped ? FERRY_DROPPED : FERRY_OK;
    }
    // A limit that fired decides, whatever the step did with the error afterwards; its message
    // is the one doom() recorded, which every re-raise in the call repeated (one producer).
    if (s->doomed) {
        ferry_set_error(s, s->limit_msg, strlen(s->limit_msg));
        lua_settop(L, 0);
        return FERRY_ERR_TIME;
    }
    size_t len = 0;
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    int status;
    // Lua reports an allocation we refused as "not enough memory", sometimes as a plain
    // runtime error (e.g. from a string buffer), so also look at the allocator's flag.
    if (st == LUA_ERRMEM || (s->mem_hit && msg && strstr(msg, "not enough memory"))) {
        char limit[32], text[96];
        format_limit(limit, sizeof limit, s->mem_limit);
        int n = snprintf(text, sizeof text, "memory limit of %s exceeded", limit);
        ferry_set_error(s, text, (size_t)n);
        lua_settop(L, 0);
        return FERRY_ERR_MEMORY;
    }
    if (s->fail_kind) status = s->fail_kind;
    else status = FERRY_ERR_RUNTIME;
    if (msg) ferry_set_error(s, msg, len);
    else ferry_set_error(s, "error in the error handler", strlen("error in the error handler"));
    lua_settop(L, 0);
    return status;
}

static int chain_body(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    luaL_checkstack(L, 12, NULL);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->steps_ref);      // 1
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ctx_ref);        // 2
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ctxproxy_ref);   // 3
    s->fail_kind = FERRY_ERR_DECODE;
    ferry_json_decode(L, s, s->arg_json, s->arg_json_len);   // 4: doc
    s->fail_kind = 0;
    // Every document sees the same math.random sequence, whatever ran before it.
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->randomseed_ref);
    lua_pushinteger(L, 0);
    lua_call(L, 1, 0);
    lua_pushlstring(L, s->arg_id, s->arg_id_len);
    lua_setfield(L, 2, "id");
    // Every hit of a page, and mostly of a pass, has the same index: set it only when it changed.
    lua_getfield(L, 2, "index");
    size_t index_len = 0;
    const char *index = lua_tolstring(L, -1, &index_len);
    lua_pop(L, 1);
    if (!index || index_len != s->arg_index_len || memcmp(index, s->arg_index, index_len) != 0) {
        lua_pushlstring(L, s->arg_index, s->arg_index_len);
        lua_setfield(L, 2, "index");
    }
    for (size_t i = 0; i < s->arg_nsteps; i++) {
        lua_Integer slot = (lua_Integer)s->arg_steps[i] * 3;
        s->failed_step = (int)i;
        if (s->progress) ferry_progress_step(s->progress, (int32_t)i);
        if (s->ctx_step != s->arg_steps[i] + 1) {
            lua_rawgeti(L, 1, slot + 2);
            lua_setfield(L, 2, "from");
            lua_rawgeti(L, 1, slot + 3);
            lua_setfield(L, 2, "to");
            s->ctx_step = s->arg_steps[i] + 1;
        }
        lua_rawgeti(L, 1, slot + 1);
        lua_pushvalue(L, 4);
        lua_pushvalue(L, 3);
        lua_call(L, 2, 1);
        int t = lua_type(L, -1);
        if (t == LUA_TNIL) {
            s->dropped = 1;
            return 0;
        }
        if (t != LUA_TTABLE) {
            s->fail_kind = FERRY_ERR_BAD_RETURN;
            const char *tn = ferry_typename(L, s, -1);
            return luaL_error(L, "returned %s %s; a step must return a table or nil",
                              strchr("aeiou", tn[0]) ? "an" : "a", tn);
        }
        lua_replace(L, 4);
    }
    ferry_json_encode(L, s, 4, 1);
    return 0;
}

int ferry_lua_run_chain(ferry_lua *s, const char *json, size_t json_len,
                        const char *id, size_t id_len, const char *index, size_t index_len,
                        const int32_t *steps, size_t nsteps) {
    for (size_t i = 0; i < nsteps; i++) {
        if (steps[i] < 0 || steps[i] >= s->nsteps) {
            const char *msg = "unknown step id (was the step loaded into another engine?)";
            ferry_set_error(s, msg, strlen(msg));
            return FERRY_ERR_USAGE;
        }
    }
    s->arg_json = json;
    s->arg_json_len = json_len;
    s->arg_id = id ? id : "";
    s->arg_id_len = id ? id_len : 0;
    s->arg_index = index ? index : "";
    s->arg_index_len = index ? index_len : 0;
    s->arg_steps = steps;
    s->arg_nsteps = nsteps;
    if (s->progress) ferry_progress_begin(s->progress, s->arg_id, s->arg_id_len);
    int st = ferry_call(s, chain_body);
    if (s->progress) ferry_progress_end(s->progress);
    return st;
}

static int load_step_body(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    int st = luaL_loadfilex(L, s->arg_path, "t");
    if (st != LUA_OK) {
        s->fail_kind = st == LUA_ERRSYNTAX ? FERRY_ERR_SYNTAX : st == LUA_ERRFILE ? FERRY_ERR_FILE : 0;
        return lua_error(L);
    }
    ferry_set_chunk_env(L, s, -1);
    s->loading++;
    lua_call(L, 0, 1);
    s->loading--;
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        s->fail_kind = FERRY_ERR_BAD_RETURN;
        return luaL_error(L, "%s must return function(doc, ctx), got %s", s->arg_path, ferry_typename(L, s, -1));
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->steps_ref);
    lua_Integer slot = (lua_Integer)s->nsteps * 3;
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, slot + 1);
    lua_pushstring(L, s->arg_from);
    lua_rawseti(L, -2, slot + 2);
    lua_pushstring(L, s->arg_to);
    lua_rawseti(L, -2, slot + 3);
    s->arg_step_out = s->nsteps++;
    return 0;
}

int ferry_lua_load_step(ferry_lua *s, const char *path, const char *from, const char *to, int32_t *step_out) {
    s->arg_path = path;
    s->arg_from = from;
    s->arg_to = to;
    int st = ferry_call(s, load_step_body);
    if (st == FERRY_OK && step_out) *step_out = s->arg_step_out;
    return st;
}

static int eval_file_body(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    int st = luaL_loadfilex(L, s->arg_path, "t");
    if (st != LUA_OK) {
        s->fail_kind = st == LUA_ERRSYNTAX ? FERRY_ERR_SYNTAX : st == LUA_ERRFILE ? FERRY_ERR_FILE : 0;
        return lua_error(L);
    }
    ferry_set_chunk_env(L, s, -1);
    s->loading++;
    lua_call(L, 0, 1);
    s->loading--;
    ferry_json_encode(L, s, -1, 0);
    return 0;
}

int ferry_lua_eval_file(ferry_lua *s, const char *path) {
    s->arg_path = path;
    return ferry_call(s, eval_file_body);
}

static int roundtrip_body(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    s->fail_kind = FERRY_ERR_DECODE;
    ferry_json_decode(L, s, s->arg_json, s->arg_json_len);
    s->fail_kind = 0;
    ferry_json_encode(L, s, -1, 0);
    return 0;
}

int ferry_lua_roundtrip(ferry_lua *s, const char *json, size_t json_len) {
    s->arg_json = json;
    s->arg_json_len = json_len;
    return ferry_call(s, roundtrip_body);
}

static int set_context_body(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ctx_ref);
    lua_pushlstring(L, s->arg_json, s->arg_json_len);
    lua_setfield(L, -2, s->arg_key);
    s->ctx_step = 0;   // whatever the key, from/to are set again before the next step
    return 0;
}

int ferry_lua_set_context(ferry_lua *s, const char *key, const char *value, size_t value_len) {
    s->arg_key = key;
    s->arg_json = value;
    s->arg_json_len = value_len;
    return ferry_call(s, set_context_body);
}

const char *ferry_lua_output(const ferry_lua *s, size_t *len) {
    *len = s->out.len;
    return s->out.p ? s->out.p : "";
}

const char *ferry_lua_error(const ferry_lua *s, size_t *len) {
    *len = s->err.len;
    return s->err.p ? s->err.p : "";
}

int ferry_lua_failed_step(const ferry_lua *s) { return s->failed_step; }
