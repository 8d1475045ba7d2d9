// Unicode-aware lower / upper and slug for `ferry.text`. Case mapping is Unicode's simple
// (one code point to one code point) mapping for ASCII, Latin-1 Supplement, Latin Extended-A
// and -B, Greek and Coptic, Cyrillic and Cyrillic Supplement, and Latin Extended Additional
// (tables generated from Python's unicodedata 14.0); every other character is kept as it is.
// No context rules: "ß" stays "ß" in upper, "Σ" always lowers to "σ", "İ" lowers to "i".

#include <string.h>
#include "text.h"

#include "text_case_tables.h"

static uint32_t map_case(uint32_t cp, const uint32_t (*table)[2], size_t count) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (table[mid][0] == cp) return table[mid][1];
        if (table[mid][0] < cp) lo = mid + 1;
        else hi = mid;
    }
    return cp;
}

static uint32_t to_lower(uint32_t cp) {
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp | 0x20 : cp;
    return map_case(cp, LOWER, sizeof LOWER / sizeof LOWER[0]);
}

static uint32_t to_upper(uint32_t cp) {
    if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp & ~0x20u : cp;
    return map_case(cp, UPPER, sizeof UPPER / sizeof UPPER[0]);
}

static int convert(lua_State *L, uint32_t (*map)(uint32_t)) {
    size_t n;
    const unsigned char *s = (const unsigned char *)text_arg(L, 1, &n);
    text_out *o = text_out_new(L, n + 8);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += text_decode(s + i, &cp);
        char *p = text_out_room(L, o, 4);
        o->len += text_encode(map(cp), p);
    }
    lua_pushlstring(L, o->p, o->len);
    return 1;
}

int text_l_lower(lua_State *L) { return convert(L, to_lower); }
int text_l_upper(lua_State *L) { return convert(L, to_upper); }

// slug(v [, max_bytes]): lowercase, Latin letters with diacritics spelled in ASCII ("é" -> "e",
// "ß" -> "ss"), other word characters (Greek, Cyrillic, CJK, ...) kept, every run of anything
// else ("_" included) one "-", none at either end; cut to max_bytes at a character boundary.
int text_l_slug(lua_State *L) {
    lua_Integer max = luaL_optinteger(L, 2, LUA_MAXINTEGER);
    luaL_argcheck(L, max >= 0, 2, "max_bytes must not be negative");
    lua_settop(L, 1);
    size_t n;
    const unsigned char *s = (const unsigned char *)text_arg(L, 1, &n);
    text_out *o = text_out_new(L, n + 8);
    int pending = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += text_decode(s + i, &cp);
        cp = to_lower(cp);
        char buf[4];
        const char *piece = buf;
        size_t len = 0;
        if (cp >= 0xC0 && cp < 0x180 && FOLD[cp - 0xC0]) {
            piece = FOLD[cp - 0xC0];
            len = strlen(piece);
        } else if (cp != '_' && text_is_word(cp)) {
            len = text_encode(cp, buf);
        } else {
            pending = 1;
            continue;
        }
        size_t dash = pending && o->len ? 1 : 0;
        if ((lua_Integer)(o->len + dash + len) > max) break;
        char *p = text_out_room(L, o, dash + len);
        if (dash) *p++ = '-';
        memcpy(p, piece, len);
        o->len += dash + len;
        pending = 0;
    }
    lua_pushlstring(L, o->p, o->len);
    return 1;
}
