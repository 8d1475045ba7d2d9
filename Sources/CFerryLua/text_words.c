// Words for `ferry.text`: the character classes, word_count, hashtags and language, with the
// rules of transforms/text.lua (which documents them).

#include <string.h>
#include "text.h"

const unsigned char text_class[256] = {
    ['0' ... '9'] = TEXT_ALNUM, ['A' ... 'Z'] = TEXT_ALNUM, ['a' ... 'z'] = TEXT_ALNUM,
    [' '] = TEXT_SPACE, ['\t'] = TEXT_SPACE, ['\n'] = TEXT_SPACE, ['\v'] = TEXT_SPACE,
    ['\f'] = TEXT_SPACE, ['\r'] = TEXT_SPACE,
};

#define L8(b) b, b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7
#define L32(b) L8(b), L8(b + 8), L8(b + 16), L8(b + 24)
const unsigned char text_lower[256] = {
    L32(0), L32(32), 64, L8(97), L8(105), L8(113), 121, 122, 91, 92, 93, 94, 95, L32(96),
    L32(128), L32(160), L32(192), L32(224),
};
#undef L8
#undef L32

int text_is_space(uint32_t cp) {
    return cp == 32 || (cp >= 9 && cp <= 13) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

int text_is_cjk(uint32_t cp) {
    return (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

int text_is_word(uint32_t cp) {
    if (cp < 128) return text_ascii_alnum((unsigned char)cp) || cp == '_';
    return !(cp <= 0xBF || cp == 0xD7 || cp == 0xF7 ||
             (cp >= 0x2000 && cp <= 0x2BFF) ||    // punctuation, arrows, math, dingbats
             (cp >= 0x2E00 && cp <= 0x2E7F) ||    // supplemental punctuation
             (cp >= 0x3000 && cp <= 0x303F) ||    // CJK symbols and punctuation
             (cp >= 0xFE00 && cp <= 0xFE6F) ||    // variation selectors, CJK compat forms
             cp == 0xFEFF || cp == 0xFFFD ||
             (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
             (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
             (cp >= 0x1F000 && cp <= 0x1FAFF) ||  // emoji, pictographs, skin tones
             (cp >= 0xE0000 && cp <= 0xE007F));   // emoji tag characters
}

size_t text_encode(uint32_t cp, char *out) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

// A word is a run of non-space characters containing a word character (punctuation neither
// starts nor ends one); each ideograph or kana is a word of its own.
size_t text_word_count(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    size_t words = 0;
    int in_word = 0;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {   // ASCII: a space ends a word, a letter, digit or "_" may start one
            p++;
            if (c <= ' ' && text_ascii_space((unsigned char)c)) in_word = 0;
            else if (!in_word && (text_ascii_alnum((unsigned char)c) || c == '_')) { words++; in_word = 1; }
            continue;
        }
        uint32_t cp;
        p += text_decode(p, &cp);
        if (text_is_space(cp)) {
            in_word = 0;
        } else if (text_is_cjk(cp)) {
            words++;
            in_word = 0;
        } else if (!in_word && text_is_word(cp)) {
            words++;
            in_word = 1;
        }
    }
    return words;
}

int text_l_word_count(lua_State *L) {
    size_t n;
    const char *s = text_arg(L, 1, &n);
    lua_pushinteger(L, (lua_Integer)text_word_count(s, n));
    return 1;
}

int text_l_is_word(lua_State *L) {
    lua_Integer cp = luaL_checkinteger(L, 1);
    lua_pushboolean(L, cp >= 0 && cp <= 0x7FFFFFFF && text_is_word((uint32_t)cp));
    return 1;
}

// Is the character ending just before s + i a word character?
static int word_before(const char *s, size_t i) {
    if (i == 0) return 0;
    size_t start = i - 1;
    while (start > 0 && ((unsigned char)s[start] & 0xC0) == 0x80) start--;
    uint32_t cp;
    text_decode((const unsigned char *)s + start, &cp);
    return text_is_word(cp);
}

static int same_tag(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (text_ascii_lower((unsigned char)a[i]) != text_ascii_lower((unsigned char)b[i])) return 0;
    return 1;
}

// hashtags(v, limit): "#" + word characters, not after a word character, not all digits;
// distinct ignoring ASCII case (first spelling wins), at most `limit`, HTML stripped first.
int text_l_hashtags(lua_State *L) {
    lua_Integer limit = LUA_MAXINTEGER;
    if (!lua_isnoneornil(L, 2)) {
        int isint;
        lua_Integer li = lua_tointegerx(L, 2, &isint);
        if (isint) limit = li;
        else {
            lua_Number x = luaL_checknumber(L, 2);   // a fraction admits one more: count < 2.5
            limit = x != x ? 0 : x >= 0x1p62 ? LUA_MAXINTEGER : x <= 0 ? 0 : (lua_Integer)x + (x > (lua_Integer)x);
        }
    }
    lua_settop(L, 1);
    size_t n;
    const char *s = text_arg(L, 1, &n);                  // 2
    if (memchr(s, '<', n) || memchr(s, '&', n)) {
        text_out *o = text_out_new(L, n);                // 3
        text_strip_html(L, s, n, o);
        lua_pushlstring(L, o->p, o->len);                // 4
        s = lua_tolstring(L, -1, &n);
    }
    int top = lua_gettop(L);
    lua_newtable(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ferry_state(L)->array_mt_ref);
    lua_setmetatable(L, -2);
    int tags = top + 1, seen = 0;                         // seen: a set table once tags pile up
    enum { FEW = 16 };
    struct { size_t at, len; } kept[FEW];
    lua_Integer count = 0;
    size_t pos = 0;
    while (count < limit) {
        const char *hash = pos < n ? memchr(s + pos, '#', n - pos) : NULL;
        if (!hash) break;
        size_t h = (size_t)(hash - s);
        pos = h + 1;
        if (word_before(s, h)) continue;
        size_t stop = h + 1;
        while (stop < n) {
            uint32_t cp;
            size_t k = text_decode((const unsigned char *)s + stop, &cp);
            if (!text_is_word(cp)) break;
            stop += k;
        }
        size_t at = h + 1, len = stop - at;
        pos = stop;
        int digits_only = 1;
        for (size_t i = at; i < stop && digits_only; i++) digits_only = s[i] >= '0' && s[i] <= '9';
        if (digits_only) continue;   // "#1", "#2024" and a lone "#" are not tags
        int dup = 0;
        if (count < FEW) {
            for (lua_Integer i = 0; i < count && !dup; i++)
                dup = kept[i].len == len && same_tag(s + kept[i].at, s + at, len);
            if (!dup) { kept[count].at = at; kept[count].len = len; }
        } else {
            if (!seen) {   // from here on, a table of lowercased tags
                lua_createtable(L, 0, FEW * 2);
                seen = lua_gettop(L);
                for (int i = 0; i < FEW; i++) {
                    luaL_Buffer b;
                    char *p = luaL_buffinitsize(L, &b, kept[i].len);
                    for (size_t j = 0; j < kept[i].len; j++) p[j] = (char)text_ascii_lower((unsigned char)s[kept[i].at + j]);
                    luaL_pushresultsize(&b, kept[i].len);
                    lua_pushboolean(L, 1);
                    lua_rawset(L, seen);
                }
            }
            luaL_Buffer b;
            char *p = luaL_buffinitsize(L, &b, len);
            for (size_t j = 0; j < len; j++) p[j] = (char)text_ascii_lower((unsigned char)s[at + j]);
            luaL_pushresultsize(&b, len);
            lua_pushvalue(L, -1);
            dup = lua_rawget(L, seen) != LUA_TNIL;
            lua_pop(L, 1);
            if (!dup) { lua_pushboolean(L, 1); lua_rawset(L, seen); }
            else lua_pop(L, 1);
        }
        if (dup) continue;
        lua_pushlstring(L, s + at, len);
        lua_rawseti(L, tags, ++count);
    }
    lua_settop(L, tags);
    return 1;
}

// The stop words of language(): each word's bytes packed little-endian into an integer
// (words have at most 5 letters), in a 128-slot open-addressing table (Fibonacci hash,
// linear probing; generated, an empty slot has key 0).
//   en: the and is are was of to that this with for you it not
//   es: el los las del por para con una es y lo como pero muy
//   fr: le les des est et une pour dans qui du avec pas sur au
//   de: der die das und ist nicht mit ein eine zu den von auf sich
enum { EN, ES, FR, DE };
static const struct { uint64_t key; int lang; } STOP[128] = {
    {0, 0}, {0, 0}, {0, 0}, {0x7469u, EN}, {0, 0}, {0x6C6564u, ES}, {0, 0}, {0, 0}, {0, 0}, {0, 0},
    {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0x697571u, FR}, {0, 0}, {0, 0}, {0, 0}, {0, 0},
    {0x7564u, FR}, {0x656E75u, FR}, {0, 0}, {0, 0}, {0x746F6Eu, EN}, {0, 0}, {0, 0}, {0, 0}, {0, 0},
    {0, 0}, {0, 0}, {0x736177u, EN}, {0x656874u, EN}, {0x79756Du, ES}, {0x616E75u, ES},
    {0x63657661u, FR}, {0x74696Du, DE}, {0x6E6F76u, DE}, {0x726F66u, EN}, {0x7561u, FR},
    {0x73656Cu, FR}, {0x68636973u, DE}, {0x646E61u, EN}, {0x7365u, ES}, {0, 0}, {0, 0}, {0, 0},
    {0x736564u, FR}, {0, 0}, {0, 0}, {0, 0}, {0x74616874u, EN}, {0, 0}, {0, 0}, {0, 0}, {0, 0},
    {0, 0}, {0x73616Cu, ES}, {0x736E6164u, FR}, {0x756F79u, EN}, {0, 0}, {0x73696874u, EN},
    {0x736F6Cu, ES}, {0x726F70u, ES}, {0x6F6D6F63u, ES}, {0x747365u, FR}, {0x72756F70u, FR},
    {0x736164u, DE}, {0x6E6965u, DE}, {0x6E6F63u, ES}, {0, 0}, {0x7465u, FR}, {0, 0}, {0, 0},
    {0x656964u, DE}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0x656Cu, FR}, {0x727573u, FR},
    {0, 0}, {0x656E6965u, DE}, {0, 0}, {0x657261u, EN}, {0, 0}, {0, 0}, {0x646E75u, DE},
    {0x666Fu, EN}, {0, 0}, {0, 0}, {0x61726170u, ES}, {0, 0}, {0x6F74u, EN}, {0x6F726570u, ES},
    {0x757Au, DE}, {0, 0}, {0, 0}, {0x79u, ES}, {0, 0}, {0x6F6Cu, ES}, {0x667561u, DE},
    {0x7369u, EN}, {0x68746977u, EN}, {0x6C65u, ES}, {0, 0}, {0x746863696Eu, DE}, {0, 0}, {0, 0},
    {0, 0}, {0, 0}, {0, 0}, {0x726564u, DE}, {0, 0}, {0, 0}, {0x736170u, FR}, {0, 0}, {0, 0},
    {0, 0}, {0, 0}, {0, 0}, {0, 0}, {0x747369u, DE}, {0, 0}, {0, 0}, {0x6E6564u, DE},
};

static int stop_word(uint64_t key) {
    for (unsigned slot = (unsigned)((key * 0x9E3779B97F4A7C15ull) >> 57);; slot = (slot + 1) & 127) {
        if (STOP[slot].key == key) return STOP[slot].lang;
        if (STOP[slot].key == 0) return -1;
    }
}

// A deliberately tiny heuristic (see transforms/text.lua): mostly-CJK text by script, else
// counts of common function words; a language other than English needs 2+ hits and a strict win.
int text_l_language(lua_State *L) {
    size_t n;
    const unsigned char *s = (const unsigned char *)text_arg(L, 1, &n);
    size_t kana = 0, han = 0, hangul = 0;
    lua_Integer hits[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (text_ascii_alnum((unsigned char)c)) {   // an ASCII word: a stop word?
            size_t start = i;
            while (i < n && text_ascii_alnum(s[i])) i++;
            if (i - start > 5) continue;
            uint64_t key = 0;
            for (size_t k = start; k < i; k++) key |= (uint64_t)text_ascii_lower(s[k]) << (8 * (k - start));
            int lang = stop_word(key);
            if (lang >= 0) hits[lang]++;
            continue;
        }
        i++;
        // Kana, Han and Hangul by their UTF-8 lead bytes (U+3040-30FF, U+4000-9FFF, U+A000-DFFF).
        if (c < 0xE3 || c > 0xED || i + 1 >= n || (s[i] & 0xC0) != 0x80 || (s[i + 1] & 0xC0) != 0x80) continue;
        if (c == 0xE3) { if (s[i] >= 0x81 && s[i] <= 0x83) kana++; else continue; }
        else if (c <= 0xE9) han++;
        else hangul++;
        i += 2;
    }
    size_t cjk = kana + han + hangul;
    if (cjk > 0 && cjk * 2 > text_word_count((const char *)s, n)) {
        lua_pushstring(L, kana ? "ja" : hangul > han ? "ko" : "zh");
        return 1;
    }
    static const char *const NAMES[] = {"en", "es", "fr", "de"};
    int best = EN;
    lua_Integer best_hits = hits[EN];
    for (int lang = ES; lang <= DE; lang++)
        if (hits[lang] >= 2 && hits[lang] > best_hits) { best = lang; best_hits = hits[lang]; }
    for (int lang = EN; lang <= DE; lang++)
        if (lang != best && best != EN && hits[lang] == best_hits) { best = EN; break; }
    lua_pushstring(L, NAMES[best]);
    return 1;
}
