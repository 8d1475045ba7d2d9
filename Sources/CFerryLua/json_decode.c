// JSON bytes -> Lua values, straight onto the stack (no intermediate tree).
//   object -> plain table; array -> table with the shared array metatable (so [] stays [])
//   null -> ferry.null (lightuserdata NULL); integers in int64 -> Lua integers;
//   other integers (and floats that overflow a double) -> bignum keeping the exact text;
//   numbers with a fraction or exponent -> Lua floats.
// Errors are Lua errors carrying the byte offset; run only under a pcall.

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

typedef struct {
    lua_State *L;
    ferry_lua *s;
    const unsigned char *start, *p, *end;
    int mt;      // stack index of the array metatable
    int depth;
} decoder;

static void decode_value(decoder *d);

__attribute__((noreturn)) static void fail(decoder *d, const unsigned char *at, const char *msg) {
    luaL_error(d->L, "invalid JSON at byte %I: %s", (lua_Integer)(at - d->start), msg);
    abort();   // not reached: luaL_error longjmps
}

__attribute__((noreturn)) static void fail_memory(decoder *d) {
    d->s->mem_hit = 1;
    luaL_error(d->L, "not enough memory");
    abort();
}

static inline void skip_ws(decoder *d) {
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t')) d->p++;
}

static void enter(decoder *d) {
    if (++d->depth > FERRY_MAX_DEPTH)
        luaL_error(d->L, "JSON nesting deeper than %d levels (at byte %I)", FERRY_MAX_DEPTH,
                   (lua_Integer)(d->p - d->start));
    luaL_checkstack(d->L, 4, "JSON nesting");
}

static void decode_object(decoder *d) {
    lua_State *L = d->L;
    enter(d);
    d->p++;
    lua_createtable(L, 0, 0);
    skip_ws(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        d->depth--;
        return;
    }
    for (;;) {
        skip_ws(d);
        if (d->p >= d->end) fail(d, d->p, "unexpected end of input in an object");
        if (*d->p != '"') fail(d, d->p, "expected a string key");
        decode_value(d);   // the key
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':') fail(d, d->p, "expected ':' after an object key");
        d->p++;
        decode_value(d);
        lua_rawset(L, -3);   // duplicate keys: the last one wins
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') { d->p++; continue; }
        if (d->p < d->end && *d->p == '}') { d->p++; break; }
        fail(d, d->p, "expected ',' or '}' in an object");
    }
    d->depth--;
}

static void decode_array(decoder *d) {
    lua_State *L = d->L;
    enter(d);
    d->p++;
    lua_createtable(L, 0, 0);
    lua_pushvalue(L, d->mt);
    lua_setmetatable(L, -2);
    skip_ws(d);
    if (d->p < d->end && *d->p == ']') {
        d->p++;
        d->depth--;
        return;
    }
    for (lua_Integer i = 1;; i++) {
        decode_value(d);
        lua_rawseti(L, -2, i);
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') { d->p++; continue; }
        if (d->p < d->end && *d->p == ']') { d->p++; break; }
        fail(d, d->p, "expected ',' or ']' in an array");
    }
    d->depth--;
}

static void append(decoder *d, const void *bytes, size_t n) {
    ferry_buf *b = &d->s->scratch;
    if (!ferry_buf_reserve(b, n, d->s->mem_limit)) fail_memory(d);
    memcpy(b->p + b->len, bytes, n);
    b->len += n;
}

static unsigned hex4(decoder *d, const unsigned char *p) {
    if (d->end - p < 4) fail(d, p - 2, "truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], x;
        if (c >= '0' && c <= '9') x = c - '0';
        else if (c >= 'a' && c <= 'f') x = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') x = c - 'A' + 10;
        else fail(d, p - 2, "invalid \\u escape (expected 4 hex digits)");
        v = v * 16 + x;
    }
    return v;
}

static void append_utf8(decoder *d, unsigned cp) {
    unsigned char out[4];
    size_t n;
    if (cp < 0x80) { out[0] = (unsigned char)cp; n = 1; }
    else if (cp < 0x800) { out[0] = (unsigned char)(0xC0 | (cp >> 6)); out[1] = (unsigned char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12)); out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        out[0] = (unsigned char)(0xF0 | (cp >> 18)); out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (unsigned char)(0x80 | (cp & 0x3F)); n = 4;
    }
    append(d, out, n);
}

// Scans plain string bytes (no quote, backslash or control character), validating UTF-8.
static const unsigned char *scan_plain(decoder *d, const unsigned char *p) {
    const unsigned char *end = d->end;
    while (p < end) {
        if (end - p >= 8 && ferry_json_plain8(p)) { p += 8; continue; }
        unsigned c = *p;
        if (c == '"' || c == '\\' || c < 0x20) break;
        if (c < 0x80) { p++; continue; }
        size_t n = ferry_utf8_seq(p, end);
        if (!n) fail(d, p, "invalid UTF-8 in a string");
        p += n;
    }
    return p;
}

static void decode_string(decoder *d) {
    const unsigned char *open = d->p, *start = d->p + 1;
    const unsigned char *p = scan_plain(d, start);
    if (p < d->end && *p == '"') {   // fast path: no escapes
        lua_pushlstring(d->L, (const char *)start, (size_t)(p - start));
        d->p = p + 1;
        return;
    }
    d->s->scratch.len = 0;
    append(d, start, (size_t)(p - start));
    for (;;) {
        if (p >= d->end) fail(d, open, "unterminated string");
        unsigned c = *p;
        if (c == '"') break;
        if (c < 0x20) fail(d, p, "control character in a string (it must be escaped)");
        if (c != '\\') {
            const unsigned char *run = p;
            p = scan_plain(d, p);
            append(d, run, (size_t)(p - run));
            continue;
        }
        if (p + 1 >= d->end) fail(d, open, "unterminated string");
        char ch;
        switch (p[1]) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            const unsigned char *esc = p;
            unsigned cp = hex4(d, p + 2);
            p += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo = 0;
                if (d->end - p >= 6 && p[0] == '\\' && p[1] == 'u') lo = hex4(d, p + 2);
                if (lo < 0xDC00 || lo > 0xDFFF) fail(d, esc, "lone UTF-16 surrogate in a \\u escape");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                fail(d, esc, "lone UTF-16 surrogate in a \\u escape");
            }
            append_utf8(d, cp);
            continue;
        }
        default: fail(d, p, "invalid escape in a string");
        }
        append(d, &ch, 1);
        p += 2;
    }
    lua_pushlstring(d->L, d->s->scratch.p, d->s->scratch.len);
    d->p = p + 1;
}

static inline int is_digit(const unsigned char *p, const unsigned char *end) {
    return p < end && *p >= '0' && *p <= '9';
}

static void decode_number(decoder *d) {
    lua_State *L = d->L;
    const unsigned char *start = d->p, *p = d->p, *end = d->end;
    int neg = 0, is_float = 0;
    if (*p == '-') { neg = 1; p++; }
    if (!is_digit(p, end)) fail(d, start, "invalid number");
    if (*p == '0') {
        p++;
        if (is_digit(p, end)) fail(d, start, "invalid number (leading zero)");
    } else {
        while (is_digit(p, end)) p++;
    }
    const unsigned char *int_end = p;
    if (p < end && *p == '.') {
        p++;
        if (!is_digit(p, end)) fail(d, p, "expected a digit after '.'");
        while (is_digit(p, end)) p++;
        is_float = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!is_digit(p, end)) fail(d, p, "expected a digit in the exponent");
        while (is_digit(p, end)) p++;
        is_float = 1;
    }
    size_t len = (size_t)(p - start);
    d->p = p;
    if (!is_float) {
        uint64_t u = 0;
        int overflow = 0;
        for (const unsigned char *q = start + neg; q < int_end; q++) {
            unsigned digit = (unsigned)(*q - '0');
            if (u > (UINT64_MAX - digit) / 10) { overflow = 1; break; }
            u = u * 10 + digit;
        }
        if (!overflow && !neg && u <= (uint64_t)LUA_MAXINTEGER) { lua_pushinteger(L, (lua_Integer)u); return; }
        if (!overflow && neg && u <= (uint64_t)LUA_MAXINTEGER) { lua_pushinteger(L, -(lua_Integer)u); return; }
        if (!overflow && neg && u == (uint64_t)LUA_MAXINTEGER + 1) { lua_pushinteger(L, LUA_MININTEGER); return; }
        ferry_push_bignum(L, d->s, (const char *)start, len);
        return;
    }
    // lua_stringtonumber needs a NUL-terminated copy; it also copes with the C locale's decimal point.
    char small[64];
    char *text = small;
    if (len >= sizeof small) {
        d->s->scratch.len = 0;
        append(d, start, len);
        append(d, "", 1);
        text = d->s->scratch.p;
    } else {
        memcpy(small, start, len);
        small[len] = '\0';
    }
    if (lua_stringtonumber(L, text) == 0) fail(d, start, "invalid number");
    // Out of a double's range (1e400, or 1e-400 flushed to 0): keep the exact text rather than lose it.
    lua_Number v = lua_tonumber(L, -1);
    int lost = isinf(v);
    if (v == 0) {
        for (const unsigned char *q = start; q < p && *q != 'e' && *q != 'E'; q++)
            if (*q >= '1' && *q <= '9') { lost = 1; break; }
    }
    if (lost) {
        lua_pop(L, 1);
        ferry_push_bignum(L, d->s, (const char *)start, len);
    }
}

static void literal(decoder *d, const char *word, size_t n) {
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) fail(d, d->p, "invalid literal");
    d->p += n;
}

static void decode_value(decoder *d) {
    skip_ws(d);
    if (d->p >= d->end) fail(d, d->p, "unexpected end of input");
    switch (*d->p) {
    case '{': decode_object(d); return;
    case '[': decode_array(d); return;
    case '"': decode_string(d); return;
    case 't': literal(d, "true", 4); lua_pushboolean(d->L, 1); return;
    case 'f': literal(d, "false", 5); lua_pushboolean(d->L, 0); return;
    case 'n': literal(d, "null", 4); lua_pushlightuserdata(d->L, NULL); return;
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) { decode_number(d); return; }
        if (*d->p >= 0x20 && *d->p < 0x7F) {
            char msg[40];
            snprintf(msg, sizeof msg, "unexpected character '%c'", *d->p);
            fail(d, d->p, msg);
        }
        fail(d, d->p, "unexpected byte");
    }
}

void ferry_json_decode(lua_State *L, ferry_lua *s, const char *json, size_t len) {
    if (!json) { json = ""; len = 0; }
    decoder d = {L, s, (const unsigned char *)json, (const unsigned char *)json,
                 (const unsigned char *)json + len, 0, 0};
    luaL_checkstack(L, 4, "JSON decode");
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->array_mt_ref);
    d.mt = lua_gettop(L);
    decode_value(&d);
    skip_ws(&d);
    if (d.p != d.end) fail(&d, d.p, "unexpected data after the JSON value");
    lua_replace(L, d.mt);
}
