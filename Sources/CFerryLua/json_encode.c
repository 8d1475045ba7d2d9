// Lua value -> JSON text in the state's output buffer (reused between calls).
//   array-metatable table -> array (keys must be exactly 1..n)
//   plain table: empty -> {}, keys 1..n -> array, string keys -> object (keys sorted, so the
//   output is the same in every worker: Lua's hash order is seeded per state)
//   ferry.object table -> object; ferry.null -> null; bignum -> its exact digits
//   floats -> shortest text that round-trips, always with '.' or 'e' so they stay floats.
// Errors name the field path (e.g. metadata.tags[3]); run only under a pcall.

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

enum { T_PLAIN, T_ARRAY, T_OBJECT };

// 0: copy as is; 1: UTF-8 lead byte (validate); 'u': \u00XX; other: the escape letter.
static const unsigned char esc_tab[256] = {
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
    'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
    0, 0, '"', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '\\', 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

// Pushes the current field path, e.g. metadata.tags[3] or ["a key"].
static void push_path(lua_State *L, ferry_lua *s) {
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (s->pathdepth == 0) luaL_addstring(&b, "the top-level value");
    for (int i = 0; i < s->pathdepth; i++) {
        const ferry_pathseg *seg = &s->path[i];
        if (luaL_bufflen(&b) > 300) { luaL_addstring(&b, "..."); break; }
        if (!seg->key) {
            lua_pushfstring(L, "[%I]", seg->index);
            luaL_addvalue(&b);
            continue;
        }
        int plain = seg->keylen > 0;
        for (size_t j = 0; j < seg->keylen && plain; j++) {
            unsigned char c = (unsigned char)seg->key[j];
            if (c <= ' ' || c == '.' || c == '[' || c == ']' || c == '"' || c == 0x7F) plain = 0;
        }
        if (plain) {
            if (i > 0) luaL_addchar(&b, '.');
            luaL_addlstring(&b, seg->key, seg->keylen);
        } else {
            luaL_addstring(&b, "[\"");
            luaL_addlstring(&b, seg->key, seg->keylen);
            luaL_addstring(&b, "\"]");
        }
    }
    luaL_pushresult(&b);
}

// Raises "cannot encode <path>: <reason>".
__attribute__((noreturn)) static void fail(lua_State *L, ferry_lua *s, const char *fmt, ...) {
    s->fail_kind = FERRY_ERR_ENCODE;
    lua_pushliteral(L, "cannot encode ");
    push_path(L, s);
    lua_pushliteral(L, ": ");
    va_list ap;
    va_start(ap, fmt);
    lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    lua_concat(L, 4);
    lua_error(L);
    abort();
}

static void reserve(lua_State *L, ferry_lua *s, size_t n) {
    if (!ferry_buf_reserve(&s->out, n, s->mem_limit)) {
        s->mem_hit = 1;   // the output is capped by the memory limit too
        luaL_error(L, "not enough memory");
    }
}

static inline void put(lua_State *L, ferry_lua *s, const char *p, size_t n) {
    ferry_buf *b = &s->out;
    if (b->cap - b->len < n) reserve(L, s, n);
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void putc1(lua_State *L, ferry_lua *s, char c) { put(L, s, &c, 1); }

static void put_integer(lua_State *L, ferry_lua *s, lua_Integer v) {
    char buf[24];
    char *p = buf + sizeof buf;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do { *--p = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) *--p = '-';
    put(L, s, p, (size_t)(buf + sizeof buf - p));
}

static void put_float(lua_State *L, ferry_lua *s, lua_Number v) {
    if (isnan(v)) fail(L, s, "nan is not a JSON number");
    if (isinf(v)) fail(L, s, "%s is not a JSON number", v > 0 ? "inf" : "-inf");
    char buf[40];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, sizeof buf, "%.*g", prec, (double)v);
        if (strtod(buf, NULL) == v) break;
    }
    int has_mark = 0;
    for (int i = 0; i < n; i++) {
        if (buf[i] == ',') buf[i] = '.';   // a locale with a decimal comma
        if (buf[i] == '.' || buf[i] == 'e') has_mark = 1;
    }
    put(L, s, buf, (size_t)n);
    if (!has_mark) put(L, s, ".0", 2);   // keep a float a float: 100.0, -0.0
}

static void put_string(lua_State *L, ferry_lua *s, const char *str, size_t len) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)str, *end = p + len, *run = p;
    reserve(L, s, len + 2);
    putc1(L, s, '"');
    while (p < end) {
        if (end - p >= 8 && ferry_json_plain8(p)) { p += 8; continue; }
        unsigned char e = esc_tab[*p];
        if (!e) { p++; continue; }
        if (e == 1) {
            size_t n = ferry_utf8_seq(p, end);
            if (!n) fail(L, s, "string is not valid UTF-8 (bad byte at offset %I)", (lua_Integer)(p - (const unsigned char *)str));
            p += n;
            continue;
        }
        put(L, s, (const char *)run, (size_t)(p - run));
        if (e == 'u') {
            char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            put(L, s, u, 6);
        } else {
            char esc[2] = {'\\', (char)e};
            put(L, s, esc, 2);
        }
        run = ++p;
    }
    put(L, s, (const char *)run, (size_t)(p - run));
    putc1(L, s, '"');
}

static int key_less(const ferry_keyref *a, const ferry_keyref *b) {
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->p, b->p, n);
    return c < 0 || (c == 0 && a->len < b->len);
}

static int key_cmp(const void *x, const void *y) {
    const ferry_keyref *a = x, *b = y;
    return key_less(a, b) ? -1 : key_less(b, a) ? 1 : 0;
}

static void sort_keys(ferry_keyref *k, size_t n) {
    if (n > 16) { qsort(k, n, sizeof *k, key_cmp); return; }
    for (size_t i = 1; i < n; i++) {   // documents' objects are small: insertion sort wins
        ferry_keyref v = k[i];
        size_t j = i;
        while (j > 0 && key_less(&v, &k[j - 1])) { k[j] = k[j - 1]; j--; }
        k[j] = v;
    }
}

static void push_key(lua_State *L, ferry_lua *s, const char *p, size_t len) {
    if (s->nkeys == s->keycap) {
        size_t cap = s->keycap ? s->keycap * 2 : 64;
        ferry_keyref *k = realloc(s->keys, cap * sizeof *k);
        if (!k) { s->mem_hit = 1; luaL_error(L, "not enough memory"); }
        s->keys = k;
        s->keycap = cap;
    }
    s->keys[s->nkeys].p = p;
    s->keys[s->nkeys].len = len;
    s->nkeys++;
}

static void encode_value(lua_State *L, ferry_lua *s, int idx, int require_object);

static void describe_key(lua_State *L, ferry_lua *s, int idx, char *out, size_t outlen) {
    if (lua_isinteger(L, idx)) snprintf(out, outlen, "integer key %lld", (long long)lua_tointeger(L, idx));
    else if (lua_type(L, idx) == LUA_TNUMBER) snprintf(out, outlen, "float key %.14g", (double)lua_tonumber(L, idx));
    else if (lua_type(L, idx) == LUA_TSTRING) snprintf(out, outlen, "string key \"%.40s\"", lua_tostring(L, idx));
    else snprintf(out, outlen, "%s key", ferry_typename(L, s, idx));
}

static void encode_table(lua_State *L, ferry_lua *s, int idx, int require_object) {
    if (s->pathdepth >= FERRY_MAX_DEPTH)
        fail(L, s, "nested deeper than %d levels (does a table contain itself?)", FERRY_MAX_DEPTH);
    luaL_checkstack(L, 6, "JSON encode");
    int kind = T_PLAIN;
    if (lua_getmetatable(L, idx)) {
        const void *mt = lua_topointer(L, -1);
        lua_pop(L, 1);
        if (mt == s->array_mt) kind = T_ARRAY;
        else if (mt == s->object_mt) kind = T_OBJECT;
        // any other metatable: encoded by its raw contents, like a plain table
    }
    // One pass over the keys: collect string keys, count integer keys 1..n, note the first odd key.
    size_t base = s->nkeys, nstr = 0, nint = 0, nother = 0;
    lua_Integer maxint = 0;
    char odd[80] = "";
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int kt = lua_type(L, -2);
        if (kt == LUA_TSTRING) {
            size_t len;
            const char *k = lua_tolstring(L, -2, &len);
            push_key(L, s, k, len);
            nstr++;
        } else if (kt == LUA_TNUMBER && lua_isinteger(L, -2) && lua_tointeger(L, -2) >= 1) {
            lua_Integer k = lua_tointeger(L, -2);
            if (k > maxint) maxint = k;
            nint++;
        } else {
            if (!nother) describe_key(L, s, -2, odd, sizeof odd);
            nother++;
        }
        lua_pop(L, 1);
    }
    int as_array;
    if (kind == T_ARRAY) {
        if (nstr || nother) {
            if (!nother) {
                lua_pushlstring(L, s->keys[base].p, s->keys[base].len);
                describe_key(L, s, -1, odd, sizeof odd);
            }
            fail(L, s, "an array (ferry.array) has a %s; arrays need integer keys 1..n", odd);
        }
        as_array = 1;
    } else if (kind == T_OBJECT) {
        if (nint || nother) {
            if (!nother) snprintf(odd, sizeof odd, "integer key");
            fail(L, s, "an object (ferry.object) has a %s; JSON object keys are strings", odd);
        }
        as_array = 0;
    } else {
        if (nother) fail(L, s, "table has a %s; JSON needs string keys (object) or 1..n (array)", odd);
        if (nint && nstr) fail(L, s, "table mixes string keys and integer keys; use one or the other");
        as_array = nint > 0;
    }
    if (as_array && (lua_Integer)nint != maxint) {   // distinct keys >= 1 are exactly 1..n iff count == max
        lua_Integer hole = 1;
        while (hole <= maxint && lua_rawgeti(L, idx, hole) != LUA_TNIL) { lua_pop(L, 1); hole++; }
        fail(L, s, "array has a hole at index %I (length %I); arrays need keys 1..n without nil gaps", hole, maxint);
    }
    if (as_array && require_object)
        fail(L, s, "the document must be a JSON object, but the step returned an array");

    if (as_array) {
        putc1(L, s, '[');
        for (lua_Integer i = 1; i <= maxint; i++) {
            if (i > 1) putc1(L, s, ',');
            ferry_pathseg *seg = &s->path[s->pathdepth++];
            seg->key = NULL;
            seg->index = i;
            lua_rawgeti(L, idx, i);
            encode_value(L, s, lua_gettop(L), 0);
            lua_pop(L, 1);
            s->pathdepth--;
        }
        putc1(L, s, ']');
        return;
    }
    sort_keys(s->keys + base, nstr);
    putc1(L, s, '{');
    for (size_t i = 0; i < nstr; i++) {
        ferry_keyref k = s->keys[base + i];   // copy: nested tables may grow (move) s->keys
        if (i > 0) putc1(L, s, ',');
        ferry_pathseg *seg = &s->path[s->pathdepth++];
        seg->key = k.p;
        seg->keylen = k.len;
        put_string(L, s, k.p, k.len);
        putc1(L, s, ':');
        lua_pushlstring(L, k.p, k.len);
        lua_rawget(L, idx);
        encode_value(L, s, lua_gettop(L), 0);
        lua_pop(L, 1);
        s->pathdepth--;
    }
    putc1(L, s, '}');
    s->nkeys = base;
}

static void encode_value(lua_State *L, ferry_lua *s, int idx, int require_object) {
    switch (lua_type(L, idx)) {
    case LUA_TTABLE: encode_table(L, s, idx, require_object); return;
    case LUA_TSTRING: {
        size_t len;
        const char *str = lua_tolstring(L, idx, &len);
        put_string(L, s, str, len);
        return;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) put_integer(L, s, lua_tointeger(L, idx));
        else put_float(L, s, lua_tonumber(L, idx));
        return;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx)) put(L, s, "true", 4);
        else put(L, s, "false", 5);
        return;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) { put(L, s, "null", 4); return; }
        break;
    case LUA_TUSERDATA:
        if (lua_getmetatable(L, idx)) {
            const void *mt = lua_topointer(L, -1);
            lua_pop(L, 1);
            if (mt == s->bignum_mt) {
                put(L, s, (const char *)lua_touserdata(L, idx), lua_rawlen(L, idx));
                return;
            }
        }
        break;
    case LUA_TNIL:
        fail(L, s, "nil is not a JSON value (use ferry.null for null)");
    default:
        break;
    }
    fail(L, s, "a %s is not a JSON value", ferry_typename(L, s, idx));
}

void ferry_json_encode(lua_State *L, ferry_lua *s, int idx, int require_object) {
    idx = lua_absindex(L, idx);
    s->out.len = 0;
    s->pathdepth = 0;
    s->nkeys = 0;
    if (require_object && lua_type(L, idx) != LUA_TTABLE)
        fail(L, s, "the document must be a JSON object, got a %s", ferry_typename(L, s, idx));
    encode_value(L, s, idx, require_object);
}
