// ctx.lookup(table, key): asks the host (Swift) for a row through a plain C callback and
// decodes the row's JSON here, so the host never calls a Lua API that can raise.

#include <math.h>
#include <stdio.h>
#include "internal.h"

int ferry_ctx_lookup(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    size_t table_len, key_len = 0;
    const char *table = luaL_checklstring(L, 1, &table_len);
    const char *key = NULL;
    char numbuf[32];
    int is_int = 0;
    lua_Integer ikey = 0;
    switch (lua_type(L, 2)) {
    case LUA_TSTRING:
        key = lua_tolstring(L, 2, &key_len);
        break;
    case LUA_TNUMBER:
        // 3.0 and 3 are the same Lua key, so an integral float is accepted as an integer.
        if (!lua_isinteger(L, 2)) {
            lua_Number f = lua_tonumber(L, 2);
            if (!(f == floor(f) && f >= -9223372036854775808.0 && f < 9223372036854775808.0))
                return luaL_error(L, "lookup key must be a string or integer, got float %f", f);
            ikey = (lua_Integer)f;
        } else {
            ikey = lua_tointeger(L, 2);
        }
        key_len = (size_t)snprintf(numbuf, sizeof numbuf, "%lld", (long long)ikey);
        key = numbuf;
        is_int = 1;
        break;
    default:
        return luaL_error(L, "lookup key must be a string or integer, got %s", ferry_typename(L, s, 2));
    }
    if (!s->lookup_fn)
        return luaL_error(L, "ctx.lookup('%s', ...): no lookup tables are configured for this run", table);

    const char *row = NULL, *err = NULL;
    size_t row_len = 0, err_len = 0;
    int rc = s->lookup_fn(s->lookup_ud, table, table_len, key, key_len, is_int, (int64_t)ikey,
                          &row, &row_len, &err, &err_len);
    if (rc < 0) {
        luaL_where(L, 1);
        if (err) lua_pushlstring(L, err, err_len);
        else lua_pushfstring(L, "lookup in '%s' failed", table);
        lua_concat(L, 2);
        return lua_error(L);
    }
    if (rc == 0 || row == NULL) {
        lua_pushnil(L);
        return 1;
    }
    ferry_json_decode(L, s, row, row_len);
    return 1;
}
