// `ferry.text`: the text helpers of transforms/text.lua in C. This file holds the table's
// registration, the buffer and the value -> text rule every helper shares, and the Lua
// entry points of sanitize / as_text / strip_html / collapse_spaces / normalise.

#include <string.h>
#include "text.h"

static const char *const BUFFER_MT = "ferry.text.buffer";

static int buffer_gc(lua_State *L) {
    text_out *o = lua_touserdata(L, 1);
    if (o->p) {
        void *ud;
        lua_Alloc alloc = lua_getallocf(L, &ud);
        alloc(ud, o->p, o->cap, 0);
        o->p = NULL;
        o->cap = o->len = 0;
    }
    return 0;
}

text_out *text_out_new(lua_State *L, size_t cap) {
    text_out *o = lua_newuserdatauv(L, sizeof *o, 0);
    o->p = NULL;
    o->len = o->cap = 0;
    luaL_setmetatable(L, BUFFER_MT);
    if (cap) text_out_room(L, o, cap);
    return o;
}

char *text_out_room(lua_State *L, text_out *o, size_t extra) {
    if (o->cap - o->len >= extra) return o->p + o->len;
    size_t want = o->cap ? o->cap : 256;
    while (want - o->len < extra) {
        if (want > ((size_t)-1) / 2) luaL_error(L, "not enough memory");
        want *= 2;
    }
    void *ud;
    lua_Alloc alloc = lua_getallocf(L, &ud);
    char *p = alloc(ud, o->p, o->p ? o->cap : 0, want);
    if (!p) luaL_error(L, "not enough memory");
    o->p = p;
    o->cap = want;
    return o->p + o->len;
}

void text_out_add(lua_State *L, text_out *o, const char *p, size_t n) {
    if (n == 0) return;
    memcpy(text_out_room(L, o, n), p, n);
    o->len += n;
}

// Length of the leading valid UTF-8 of s (n when all of it is valid).
static size_t valid_prefix(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        while (end - p >= 8) {   // ASCII runs eight bytes at a time
            uint64_t w;
            memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull) break;
            p += 8;
        }
        if (p == end) break;
        size_t k = ferry_utf8_seq(p, end);
        if (!k) return (size_t)(p - (const unsigned char *)s);
        p += k;
    }
    return n;
}

// Appends s with every byte that does not start a valid UTF-8 sequence as U+FFFD (as the
// Lua module's sanitize: one replacement per bad byte).
static void add_sanitized(luaL_Buffer *b, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t ok = valid_prefix((const char *)p, (size_t)(end - p));
        luaL_addlstring(b, (const char *)p, ok);
        p += ok;
        if (p < end) {
            luaL_addlstring(b, "\xEF\xBF\xBD", 3);
            p++;
        }
    }
}

static int is_ferry_array(lua_State *L, int idx) {
    if (!lua_getmetatable(L, idx)) return 0;
    int yes = lua_topointer(L, -1) == ferry_state(L)->array_mt;
    lua_pop(L, 1);
    return yes;
}

const char *text_arg(lua_State *L, int idx, size_t *len) {
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *p = lua_tolstring(L, idx, &n);
        if (valid_prefix(p, n) == n) {
            lua_pushvalue(L, idx);
            *len = n;
            return p;
        }
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        add_sanitized(&b, p, n);
        luaL_pushresult(&b);
        return lua_tolstring(L, -1, len);
    }
    case LUA_TNUMBER:
    case LUA_TBOOLEAN:
        return luaL_tolstring(L, idx, len);
    case LUA_TTABLE:
        if (is_ferry_array(L, idx)) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            int first = 1;
            for (lua_Integer i = 1; lua_geti(L, idx, i) != LUA_TNIL; i++) {
                if (lua_type(L, -1) != LUA_TSTRING) {
                    lua_pop(L, 1);
                    continue;
                }
                size_t n;
                const char *p = lua_tolstring(L, -1, &n);
                lua_pop(L, 1);   // still held by the table at idx
                if (!first) luaL_addchar(&b, ' ');
                first = 0;
                add_sanitized(&b, p, n);
            }
            lua_pop(L, 1);   // the nil that ended the array
            luaL_pushresult(&b);
            return lua_tolstring(L, -1, len);
        }
        break;
    default:
        break;
    }
    lua_pushliteral(L, "");
    *len = 0;
    return lua_tostring(L, -1);
}

static int l_sanitize(lua_State *L) {
    luaL_checkstring(L, 1);
    size_t n;
    text_arg(L, 1, &n);
    return 1;
}

static int l_as_text(lua_State *L) {
    size_t n;
    text_arg(L, 1, &n);
    return 1;
}

static int l_strip_html(lua_State *L) {
    size_t n;
    const char *s = text_arg(L, 1, &n);
    if (!memchr(s, '<', n) && !memchr(s, '&', n)) return 1;
    text_out *o = text_out_new(L, n);
    text_strip_html(L, s, n, o);
    lua_pushlstring(L, o->p, o->len);
    return 1;
}

static int l_collapse(lua_State *L) {
    size_t n;
    const char *s = text_arg(L, 1, &n);
    text_out *o = text_out_new(L, n);
    text_collapse(L, s, n, o);
    lua_pushlstring(L, o->p, o->len);
    return 1;
}

static int l_normalise(lua_State *L) {
    size_t n;
    const char *s = text_arg(L, 1, &n);
    text_out *o = text_out_new(L, n);
    if (memchr(s, '<', n) || memchr(s, '&', n)) {
        text_out *stripped = text_out_new(L, n);
        text_strip_html(L, s, n, stripped);
        text_collapse(L, stripped->p, stripped->len, o);
    } else {
        text_collapse(L, s, n, o);
    }
    lua_pushlstring(L, o->p, o->len);
    return 1;
}

// Pushes the `ferry.text` table.
void ferry_open_text(lua_State *L) {
    if (luaL_newmetatable(L, BUFFER_MT)) {
        lua_pushcfunction(L, buffer_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "ferry.text.buffer");
        lua_setfield(L, -2, "__metatable");
    }
    lua_pop(L, 1);
    static const luaL_Reg fns[] = {
        {"sanitize", l_sanitize},        {"as_text", l_as_text},
        {"strip_html", l_strip_html},    {"collapse_spaces", l_collapse},
        {"normalise", l_normalise},      {"normalize", l_normalise},
        {"word_count", text_l_word_count}, {"hashtags", text_l_hashtags},
        {"language", text_l_language},   {"categorize", text_l_categorize},
        {"is_word_codepoint", text_l_is_word},
        {"lower", text_l_lower},         {"upper", text_l_upper},
        {"slug", text_l_slug},           {"sha256", text_l_sha256},
        {"md5", text_l_md5},             {NULL, NULL},
    };
    luaL_newlib(L, fns);
}
