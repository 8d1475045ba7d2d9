// Words for `ferry.text`: the character classes, word_count, hashtags and language, with the
// rules of transforms/text.lua (which documents them).

#include <string.h>
#include "text.h"

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
        uint32_t cp;
        p += text_decode(p, &cp);
        if (cp < 128) {
            if (text_ascii_space((unsigned char)cp)) in_word = 0;
            else if (!in_word && (text_ascii_alnum((unsigned char)cp) || cp == '_')) { words++; in_word = 1; }
        } else if (text_is_space(cp)) {
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

// The stop words of language(), by language: es, fr, de, en.
enum { EN, ES, FR, DE };
static int stop_word(const char *w, size_t n) {
    static const struct { const char *word; int lang; } STOP[] = {
        {"the", EN}, {"and", EN}, {"is", EN}, {"are", EN}, {"was", EN}, {"of", EN}, {"to", EN},
        {"that", EN}, {"this", EN}, {"with", EN}, {"for", EN}, {"you", EN}, {"it", EN}, {"not", EN},
        {"el", ES}, {"los", ES}, {"las", ES}, {"del", ES}, {"por", ES}, {"para", ES}, {"con", ES},
        {"una", ES}, {"es", ES}, {"y", ES}, {"lo", ES}, {"como", ES}, {"pero", ES}, {"muy", ES},
        {"le", FR}, {"les", FR}, {"des", FR}, {"est", FR}, {"et", FR}, {"une", FR}, {"pour", FR},
        {"dans", FR}, {"qui", FR}, {"du", FR}, {"avec", FR}, {"pas", FR}, {"sur", FR}, {"au", FR},
        {"der", DE}, {"die", DE}, {"das", DE}, {"und", DE}, {"ist", DE}, {"nicht", DE}, {"mit", DE},
        {"ein", DE}, {"eine", DE}, {"zu", DE}, {"den", DE}, {"von", DE}, {"auf", DE}, {"sich", DE},
    };
    if (n > 5) return -1;
    char lw[5];
    for (size_t i = 0; i < n; i++) lw[i] = (char)text_ascii_lower((unsigned char)w[i]);
    for (size_t i = 0; i < sizeof STOP / sizeof STOP[0]; i++)
        if (STOP[i].word[0] == lw[0] && strlen(STOP[i].word) == n && memcmp(STOP[i].word, lw, n) == 0)
            return STOP[i].lang;
    return -1;
}

// A deliberately tiny heuristic (see transforms/text.lua): mostly-CJK text by script, else
// counts of common function words; a language other than English needs 2+ hits and a strict win.
int text_l_language(lua_State *L) {
    size_t n;
    const unsigned char *s = (const unsigned char *)text_arg(L, 1, &n);
    size_t kana = 0, han = 0, hangul = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c < 0xE3 || c > 0xED || i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
            continue;
        if (c == 0xE3) { if (s[i + 1] >= 0x81 && s[i + 1] <= 0x83) kana++; else continue; }
        else if (c <= 0xE9) han++;
        else hangul++;
        i += 2;
    }
    size_t cjk = kana + han + hangul;
    if (cjk > 0 && cjk * 2 > text_word_count((const char *)s, n)) {
        lua_pushstring(L, kana ? "ja" : hangul > han ? "ko" : "zh");
        return 1;
    }
    lua_Integer hits[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n;) {
        if (!text_ascii_alnum(s[i])) { i++; continue; }
        size_t start = i;
        while (i < n && text_ascii_alnum(s[i])) i++;
        int lang = stop_word((const char *)s + start, i - start);
        if (lang >= 0) hits[lang]++;
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
