// require(name): loads <root>/<name with dots as slashes>.lua from the configured roots only
// (the recipe folder, then transforms/), as text, and caches the result per name.

#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <sys/stat.h>
#include "internal.h"

static char loading_sentinel;   // marks a module whose chunk is still running (cycle detection)

static int valid_name(const char *name, size_t len) {
    if (len == 0 || len > 200 || name[0] == '.' || name[len - 1] == '.') return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.';
        if (!ok || (c == '.' && name[i + 1] == '.')) return 0;
    }
    return 1;
}

// Pushes "<root>/<a/b>.lua" for root i.
static void push_candidate(lua_State *L, ferry_lua *s, size_t i, const char *name, size_t len) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *root = s->roots[i];
    if (!(root[0] == '.' && root[1] == '\0')) {
        luaL_addstring(&b, root);
        if (root[strlen(root) - 1] != '/') luaL_addchar(&b, '/');
    }
    for (size_t j = 0; j < len; j++) luaL_addchar(&b, name[j] == '.' ? '/' : name[j]);
    luaL_addstring(&b, ".lua");
    luaL_pushresult(&b);
}

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int ferry_require(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    lua_settop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->loaded_ref);   // 2: cache
    lua_pushvalue(L, 1);
    if (lua_rawget(L, 2) != LUA_TNIL) {
        if (lua_touserdata(L, -1) == &loading_sentinel)
            return luaL_error(L, "module '%s' requires itself (circular require)", name);
        return 1;
    }
    lua_pop(L, 1);

    if (!valid_name(name, len)) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (size_t i = 0; i < s->nroots; i++) {
            if (i) luaL_addstring(&b, ", ");
            luaL_addstring(&b, s->roots[i]);
            luaL_addchar(&b, '/');
        }
        luaL_pushresult(&b);
        return luaL_error(L, "module name '%s' is not allowed (use letters, digits, '_', '-' and '.' "
                          "as the folder separator); require only searches: %s", name, lua_tostring(L, -1));
    }

    int found = 0;
    for (size_t i = 0; i < s->nroots && !found; i++) {
        push_candidate(L, s, i, name, len);
        if (is_file(lua_tostring(L, -1))) found = 1;
        else lua_pop(L, 1);
    }
    if (!found) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (size_t i = 0; i < s->nroots; i++) {
            if (i) luaL_addstring(&b, ", ");
            push_candidate(L, s, i, name, len);
            luaL_addvalue(&b);
        }
        if (s->nroots == 0) luaL_addstring(&b, "(no folders configured)");
        luaL_pushresult(&b);
        // The last root is the shared modules folder (RecipeCatalog): say how to point it elsewhere.
        return luaL_error(L, "module '%s' not found; require only searches: %s%s", name, lua_tostring(L, -1),
                          s->nroots > 1 ? " (the last is the shared modules folder: set it with --transforms, "
                                          "FERRY_TRANSFORMS or transforms = \"...\" in recipe.lua)" : "");
    }
    // stack: 1 name, 2 cache, 3 path
    const char *path = lua_tostring(L, 3);
    lua_pushvalue(L, 1);
    lua_pushlightuserdata(L, &loading_sentinel);
    lua_rawset(L, 2);

    int st = luaL_loadfilex(L, path, "t");   // text only: no precompiled bytecode
    if (st == LUA_OK) {
        ferry_set_chunk_env(L, s, -1);         // the module's globals are its own
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 3);
        s->loading++;
        st = lua_pcall(L, 2, 1, 0);
        s->loading--;
    }
    if (st != LUA_OK) {   // forget the half-loaded module, then re-raise the error as it was
        lua_pushvalue(L, 1);
        lua_pushnil(L);
        lua_rawset(L, 2);
        return lua_error(L);
    }
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lua_pushboolean(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_pushvalue(L, -2);
    lua_rawset(L, 2);
    return 1;
}
