// The `ferry` global (null, array, object, is_array, is_object, is_null, bignum, is_bignum,
// round, text)
// and the shared metatables the JSON bridge recognises by identity.

#include <string.h>
#include "internal.h"

const char *ferry_typename(lua_State *L, ferry_lua *s, int idx) {
    int t = lua_type(L, idx);
    if (t == LUA_TLIGHTUSERDATA && lua_touserdata(L, idx) == NULL) return "ferry.null";
    if (t == LUA_TUSERDATA && lua_getmetatable(L, idx)) {
        const void *mt = lua_topointer(L, -1);
        lua_pop(L, 1);
        if (mt == s->bignum_mt) return "big number";
    }
    if (t == LUA_TNUMBER) return lua_isinteger(L, idx) ? "integer" : "float";
    return lua_typename(L, t);
}

static int table_has_mt(lua_State *L, int idx, const void *which) {
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return 0;
    int same = lua_topointer(L, -1) == which;
    lua_pop(L, 1);
    return same;
}

// ferry.array(t) / ferry.object(t): mark t (or a new table) so the encoder keeps [] and {}.
static int mark(lua_State *L, int ref, const char *fname) {
    ferry_lua *s = ferry_state(L);
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    } else {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_settop(L, 1);
        if (lua_getmetatable(L, 1)) {
            const void *mt = lua_topointer(L, -1);
            lua_pop(L, 1);
            if (mt != s->array_mt && mt != s->object_mt)
                return luaL_error(L, "%s: the table already has a metatable of its own", fname);
        }
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_setmetatable(L, 1);
    return 1;
}

static int f_array(lua_State *L) { return mark(L, ferry_state(L)->array_mt_ref, "ferry.array"); }
static int f_object(lua_State *L) { return mark(L, ferry_state(L)->object_mt_ref, "ferry.object"); }

static int f_is_array(lua_State *L) {
    lua_pushboolean(L, table_has_mt(L, 1, ferry_state(L)->array_mt));
    return 1;
}

static int f_is_object(lua_State *L) {
    lua_pushboolean(L, lua_type(L, 1) == LUA_TTABLE && !table_has_mt(L, 1, ferry_state(L)->array_mt));
    return 1;
}

static int f_is_null(lua_State *L) {
    lua_pushboolean(L, lua_type(L, 1) == LUA_TLIGHTUSERDATA && lua_touserdata(L, 1) == NULL);
    return 1;
}

static int is_bignum(lua_State *L, ferry_lua *s, int idx) {
    if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return 0;
    int yes = lua_topointer(L, -1) == s->bignum_mt;
    lua_pop(L, 1);
    return yes;
}

static int f_is_bignum(lua_State *L) {
    lua_pushboolean(L, is_bignum(L, ferry_state(L), 1));
    return 1;
}

// ferry.bignum("18446744073709551615"): an integer outside int64, written back digit for digit.
static int f_bignum(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    size_t i = text[0] == '-' ? 1 : 0;
    if (i == len) return luaL_argerror(L, 1, "expected decimal digits");
    for (; i < len; i++)
        if (text[i] < '0' || text[i] > '9') return luaL_argerror(L, 1, "expected decimal digits");
    ferry_push_bignum(L, ferry_state(L), text, len);
    return 1;
}

void ferry_push_bignum(lua_State *L, ferry_lua *s, const char *digits, size_t len) {
    char *p = lua_newuserdatauv(L, len, 0);
    memcpy(p, digits, len);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->bignum_mt_ref);
    lua_setmetatable(L, -2);
}

static int big_tostring(lua_State *L) {
    lua_pushlstring(L, (const char *)lua_touserdata(L, 1), lua_rawlen(L, 1));
    return 1;
}

static int big_eq(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    if (!is_bignum(L, s, 1) || !is_bignum(L, s, 2)) { lua_pushboolean(L, 0); return 1; }
    size_t a = lua_rawlen(L, 1), b = lua_rawlen(L, 2);
    lua_pushboolean(L, a == b && memcmp(lua_touserdata(L, 1), lua_touserdata(L, 2), a) == 0);
    return 1;
}

static int big_arith(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    int i = is_bignum(L, s, 1) ? 1 : 2;
    lua_pushlstring(L, (const char *)lua_touserdata(L, i), lua_rawlen(L, i));
    return luaL_error(L, "cannot do arithmetic or comparisons on the big number %s (outside the 64-bit "
                      "integer range); use tostring(v) to work with its digits", lua_tostring(L, -1));
}

static int big_concat(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    luaL_tolstring(L, 2, NULL);
    lua_concat(L, 2);
    return 1;
}

static int new_marker_mt(lua_State *L, const char *name, const void **identity) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__name");
    lua_pushstring(L, name);   // protected: scripts cannot alter the shared metatable
    lua_setfield(L, -2, "__metatable");
    *identity = lua_topointer(L, -1);
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

void ferry_open_lib(lua_State *L, ferry_lua *s) {
    s->array_mt_ref = new_marker_mt(L, "ferry.array", &s->array_mt);
    s->object_mt_ref = new_marker_mt(L, "ferry.object", &s->object_mt);

    static const char *const arith[] = {"__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm",
                                        "__idiv", "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot",
                                        "__lt", "__le", "__len", NULL};
    lua_createtable(L, 0, 24);
    for (const char *const *m = arith; *m; m++) {
        lua_pushcfunction(L, big_arith);
        lua_setfield(L, -2, *m);
    }
    lua_pushcfunction(L, big_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, big_eq);
    lua_setfield(L, -2, "__eq");
    lua_pushcfunction(L, big_concat);
    lua_setfield(L, -2, "__concat");
    lua_pushliteral(L, "ferry.bignum");
    lua_setfield(L, -2, "__name");
    lua_pushliteral(L, "ferry.bignum");
    lua_setfield(L, -2, "__metatable");
    s->bignum_mt = lua_topointer(L, -1);
    s->bignum_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    static const luaL_Reg fns[] = {
        {"array", f_array},         {"object", f_object},       {"is_array", f_is_array},
        {"is_object", f_is_object}, {"is_null", f_is_null},     {"bignum", f_bignum},
        {"is_bignum", f_is_bignum}, {NULL, NULL},
    };
    luaL_newlib(L, fns);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushcfunction(L, ferry_round);   // round.c
    lua_setfield(L, -2, "round");
    ferry_open_text(L);                  // text.c: the native text helpers
    lua_setfield(L, -2, "text");
    lua_setglobal(L, "ferry");
}
