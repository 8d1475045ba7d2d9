// Read-only views of the environment, so one document cannot change what the next one sees:
// the standard libraries, `ferry`, `_G` and `ctx` are empty proxy tables whose __index is an
// unreachable table and whose __newindex raises; rawset refuses them. Every chunk (step file,
// module, manifest) gets its own global table that falls back to the shared read-only one;
// new globals can only be created while the file loads, so a chunk's globals are its own
// state, like its upvalues.

#include <stdio.h>
#include <string.h>
#include <lualib.h>
#include "internal.h"

static int ro_newindex(lua_State *L) {
    const char *name = lua_tostring(L, lua_upvalueindex(1));
    const char *key = luaL_tolstring(L, 2, NULL);
    ferry_where(L);   // the script's line even when table.insert & co. did the write
    lua_pushfstring(L, "%s is read-only (tried to set %s.%s)", name, name, key);
    lua_concat(L, 2);
    return lua_error(L);
}

// __pairs: iterate the hidden table (upvalue 2 is `next`).
static int ro_pairs(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushnil(L);
    return 3;
}

static int ro_len(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)));
    return 1;
}

// Pushes a read-only proxy of the table at idx, named `name` in error messages.
void ferry_push_readonly(lua_State *L, ferry_lua *s, int idx, const char *name) {
    idx = lua_absindex(L, idx);
    lua_newtable(L);                       // proxy
    lua_createtable(L, 0, 5);              // proxy, mt
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, ro_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushvalue(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->next_ref);
    lua_pushcclosure(L, ro_pairs, 2);
    lua_setfield(L, -2, "__pairs");
    lua_pushvalue(L, idx);
    lua_pushcclosure(L, ro_len, 1);
    lua_setfield(L, -2, "__len");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);               // proxy
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->readonly_ref);
    lua_pushvalue(L, -2);
    lua_pushstring(L, name);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

// Pushes a frozen view of the table at idx: a hidden copy whose nested tables are frozen
// too, behind a read-only proxy. `seen` (a table at seen_idx) maps originals to views.
static void push_frozen(lua_State *L, ferry_lua *s, int idx, const char *name, int seen_idx) {
    idx = lua_absindex(L, idx);
    lua_pushvalue(L, idx);
    if (lua_rawget(L, seen_idx) != LUA_TNIL) return;
    lua_pop(L, 1);
    lua_newtable(L);                       // copy
    int copy = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {             // copy, key, value
        if (lua_type(L, -1) == LUA_TTABLE) {
            char child[64];
            if (lua_type(L, -2) == LUA_TSTRING)
                snprintf(child, sizeof child, "%s.%s", name, lua_tostring(L, -2));
            else
                snprintf(child, sizeof child, "%s", name);
            push_frozen(L, s, -1, child, seen_idx);
            lua_replace(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, copy);
    }
    ferry_push_readonly(L, s, copy, name);
    lua_remove(L, copy);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, -2);
    lua_rawset(L, seen_idx);
}

// A chunk's globals can be created while its file runs (top level), not while documents are
// transformed: a new global then would be state that outlives the document.
static int env_newindex(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    if (s->loading == 0) {
        const char *key = luaL_tolstring(L, 2, NULL);
        ferry_where(L);
        lua_pushfstring(L, "cannot set global '%s' while transforming a document: globals are read-only "
                        "(use a local, or create it when the file loads)", key);
        lua_concat(L, 2);
        return lua_error(L);
    }
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 0;
}

static int is_chunk_env(lua_State *L, ferry_lua *s, int idx) {
    if (!lua_getmetatable(L, idx)) return 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->env_mt_ref);
    int yes = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return yes;
}

// rawset that refuses the read-only proxies (and chunk globals while a document runs).
static int sb_rawset(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->readonly_ref);
    lua_pushvalue(L, 1);
    if (lua_rawget(L, -2) == LUA_TSTRING)
        return luaL_error(L, "%s is read-only (rawset refused)", lua_tostring(L, -1));
    lua_pop(L, 2);
    if (s->loading == 0 && is_chunk_env(L, s, 1))
        return luaL_error(L, "globals are read-only while transforming a document (rawset refused)");
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

// Freezes the global environment: the shared base table every chunk environment falls back
// to, `_G` as its read-only view, and the string metatable (reachable with getmetatable("")).
void ferry_freeze_environment(lua_State *L, ferry_lua *s) {
    lua_newtable(L);
    s->readonly_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_getglobal(L, "next");
    s->next_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushcfunction(L, sb_rawset);
    lua_setglobal(L, "rawset");

    lua_newtable(L);                       // seen
    int seen = lua_gettop(L);
    lua_pushglobaltable(L);
    lua_pushvalue(L, -1);
    lua_rawset(L, seen);                   // _G itself is handled below, not copied twice
    lua_newtable(L);                       // base
    int base = lua_gettop(L);
    lua_pushglobaltable(L);
    int globals = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, globals)) {
        if (lua_type(L, -1) == LUA_TTABLE && !lua_rawequal(L, -1, globals)) {
            push_frozen(L, s, -1, lua_tostring(L, -2), seen);
            lua_replace(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, base);
    }
    lua_pop(L, 1);                         // seen, base
    ferry_push_readonly(L, s, base, "_G");
    lua_setfield(L, base, "_G");

    // Every chunk environment: {} with this metatable.
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, base);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, env_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "read-only");
    lua_setfield(L, -2, "__metatable");
    s->env_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    // getmetatable("") answers a read-only table whose __index is the frozen string table.
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);               // seen, base, "", mt
    lua_createtable(L, 0, 1);
    lua_getfield(L, base, LUA_STRLIBNAME);
    lua_setfield(L, -2, "__index");
    ferry_push_readonly(L, s, -1, "string metatable");
    lua_setfield(L, -3, "__metatable");
    lua_pop(L, 5);
}

void ferry_set_chunk_env(lua_State *L, ferry_lua *s, int fn) {
    fn = lua_absindex(L, fn);
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->env_mt_ref);
    lua_setmetatable(L, -2);
    if (!lua_setupvalue(L, fn, 1)) lua_pop(L, 1);
}
