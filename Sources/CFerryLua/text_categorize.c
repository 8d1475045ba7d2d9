// categorize for `ferry.text`: a keyword table compiled once per Lua table (kept in a weak
// table, as the Lua module did), then one pass over the text's words scores every category.
// Keywords match whole ASCII words (%w+ runs, case-insensitive) with an optional plural "s";
// a keyword that is not one word is a phrase whose whitespace matches any whitespace run.

#include <string.h>
#include "text.h"

typedef struct {
    uint32_t off, len;   // len 0: empty slot
    int32_t cat;
    uint32_t hash;
} word_entry;

typedef struct {
    uint32_t off, len;
    int32_t cat;
} phrase_entry;

typedef struct {
    int32_t ncats;
    uint32_t mask, nphrases;
    uint8_t phrase_starts[32];   // bit set: some phrase starts with this (lowercase) byte
    word_entry *slots;
    phrase_entry *phrases;
    char *pool;
} compiled;

static char CACHE_KEY;   // registry key of the weak table: categories -> compiled

static uint32_t hash_lower(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ text_ascii_lower(p[i])) * 16777619u;
    return h;
}

static int is_one_word(const char *kw, size_t n) {
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (!text_ascii_alnum((unsigned char)kw[i])) return 0;
    return 1;
}

// Calls fn for each keyword: (category index, keyword bytes). Raises on a malformed table.
typedef void (*keyword_fn)(lua_State *L, void *ud, int cat, const char *kw, size_t n);
static int each_keyword(lua_State *L, int cats, keyword_fn fn, void *ud) {
    int ncats = 0;
    for (lua_Integer i = 1; lua_geti(L, cats, i) != LUA_TNIL; i++, ncats++) {
        if (lua_type(L, -1) != LUA_TTABLE)
            luaL_error(L, "text.categorize: category %d is a %s, expected a table", (int)i, luaL_typename(L, -1));
        if (lua_getfield(L, -1, "keywords") != LUA_TTABLE)
            luaL_error(L, "text.categorize: category %d has no keywords table", (int)i);
        for (lua_Integer k = 1; lua_geti(L, -1, k) != LUA_TNIL; k++) {
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "text.categorize: keyword %d of category %d is a %s, expected a string",
                           (int)k, (int)i, luaL_typename(L, -1));
            size_t n;
            const char *kw = lua_tolstring(L, -1, &n);
            fn(L, ud, (int)(i - 1), kw, n);
            lua_pop(L, 1);
        }
        lua_pop(L, 3);   // nil, keywords, category
    }
    lua_pop(L, 1);
    return ncats;
}

typedef struct { size_t words, phrases, bytes; } sizes;

static void count_keyword(lua_State *L, void *ud, int cat, const char *kw, size_t n) {
    (void)cat;
    sizes *z = ud;
    if (is_one_word(kw, n)) z->words++;
    else {
        size_t i = 0;
        while (i < n && !text_ascii_alnum((unsigned char)kw[i])) i++;
        if (i == n) luaL_error(L, "text.categorize: keyword \"%s\" has no letter or digit", kw);
        z->phrases++;
    }
    z->bytes += n;
}

typedef struct { compiled *c; size_t used, nphrases; } filling;

static void add_keyword(lua_State *L, void *ud, int cat, const char *kw, size_t n) {
    (void)L;
    filling *f = ud;
    compiled *c = f->c;
    uint32_t off = (uint32_t)f->used;
    for (size_t i = 0; i < n; i++) c->pool[off + i] = (char)text_ascii_lower((unsigned char)kw[i]);
    f->used += n;
    if (is_one_word(kw, n)) {
        uint32_t h = hash_lower((const unsigned char *)kw, n), slot = h & c->mask;
        while (c->slots[slot].len) slot = (slot + 1) & c->mask;
        c->slots[slot] = (word_entry){off, (uint32_t)n, cat, h};
    } else {
        c->phrases[f->nphrases++] = (phrase_entry){off, (uint32_t)n, cat};
        unsigned char first = (unsigned char)c->pool[off];
        c->phrase_starts[first >> 3] |= (uint8_t)(1u << (first & 7));
    }
}

// Pushes the compiled form of the categories table at `cats` (cached per table).
static compiled *compile(lua_State *L, int cats) {
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &CACHE_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &CACHE_KEY);
    }
    lua_pushvalue(L, cats);
    if (lua_rawget(L, -2) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return lua_touserdata(L, -1);
    }
    lua_pop(L, 1);
    sizes z = {0, 0, 0};
    int ncats = each_keyword(L, cats, count_keyword, &z);
    uint32_t nslots = 8;
    while (nslots < z.words * 2) nslots *= 2;
    size_t size = sizeof(compiled) + nslots * sizeof(word_entry) + z.phrases * sizeof(phrase_entry) + z.bytes;
    compiled *c = lua_newuserdatauv(L, size, 1);
    memset(c, 0, size);
    c->ncats = ncats;
    c->mask = nslots - 1;
    c->nphrases = (uint32_t)z.phrases;
    c->slots = (word_entry *)(c + 1);
    c->phrases = (phrase_entry *)(c->slots + nslots);
    c->pool = (char *)(c->phrases + z.phrases);
    filling f = {c, 0, 0};
    each_keyword(L, cats, add_keyword, &f);
    lua_createtable(L, ncats, 0);   // the names, returned as they are
    for (int i = 1; i <= ncats; i++) {
        lua_geti(L, cats, i);
        lua_getfield(L, -1, "name");
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, cats);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);   // cache[cats] = compiled
    lua_remove(L, -2);
    return c;
}

// FNV-1a over lowercase bytes; `score_word` is given the hash so the plural's singular
// (the same bytes but the last) costs no second pass.
static void score_word(const compiled *c, const unsigned char *w, size_t n, uint32_t h, lua_Integer *scores) {
    for (uint32_t slot = h & c->mask; c->slots[slot].len; slot = (slot + 1) & c->mask) {
        const word_entry *e = &c->slots[slot];
        if (e->hash != h || e->len != n) continue;
        size_t i = 0;
        while (i < n && text_ascii_lower(w[i]) == (unsigned char)c->pool[e->off + i]) i++;
        if (i == n) scores[e->cat]++;
    }
}

// %f[%W] at e: a word character before, none at e.
static int word_ends(const unsigned char *s, size_t n, size_t e) {
    return e > 0 && text_ascii_alnum(s[e - 1]) && (e == n || !text_ascii_alnum(s[e]));
}

// The end of the phrase kw matched at word start i, or 0.
static size_t phrase_at(const unsigned char *s, size_t n, size_t i, const unsigned char *kw, size_t kl) {
    for (size_t k = 0; k < kl;) {
        if (text_ascii_space(kw[k])) {
            while (k < kl && text_ascii_space(kw[k])) k++;
            if (i >= n || !text_ascii_space(s[i])) return 0;
            while (i < n && text_ascii_space(s[i])) i++;
        } else {
            if (i >= n || text_ascii_lower(s[i]) != kw[k]) return 0;
            i++;
            k++;
        }
    }
    if (i < n && text_ascii_lower(s[i]) == 's' && word_ends(s, n, i + 1)) return i + 1;
    return word_ends(s, n, i) ? i : 0;
}

// categorize(v, categories): the category whose keywords occur most often (ties: the first
// in the table), or "general" when none occurs.
int text_l_categorize(lua_State *L) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    size_t n;
    const unsigned char *s = (const unsigned char *)text_arg(L, 1, &n);   // 3
    compiled *c = compile(L, 2);                                           // 4
    lua_Integer *scores = lua_newuserdatauv(L, (size_t)(c->ncats + 1) * sizeof(lua_Integer), 0);
    size_t *next = lua_newuserdatauv(L, (c->nphrases + 1) * sizeof(size_t), 0);
    memset(scores, 0, (size_t)(c->ncats + 1) * sizeof(lua_Integer));
    memset(next, 0, (c->nphrases + 1) * sizeof(size_t));
    for (size_t i = 0; i < n;) {
        if (!text_ascii_alnum(s[i])) { i++; continue; }
        size_t start = i;
        uint32_t h = 2166136261u, before_last = h;
        while (i < n && text_ascii_alnum(s[i])) {
            before_last = h;
            h = (h ^ text_ascii_lower(s[i++])) * 16777619u;
        }
        size_t len = i - start;
        score_word(c, s + start, len, h, scores);
        if (len >= 2 && text_ascii_lower(s[i - 1]) == 's') score_word(c, s + start, len - 1, before_last, scores);
        unsigned char first = text_ascii_lower(s[start]);
        if (!(c->phrase_starts[first >> 3] & (1u << (first & 7)))) continue;
        for (uint32_t p = 0; p < c->nphrases; p++) {
            const phrase_entry *ph = &c->phrases[p];
            if (start < next[p] || (unsigned char)c->pool[ph->off] != text_ascii_lower(s[start])) continue;
            size_t end = phrase_at(s, n, start, (const unsigned char *)c->pool + ph->off, ph->len);
            if (end) { scores[ph->cat]++; next[p] = end; }
        }
    }
    int best = -1;
    lua_Integer best_score = 0;
    for (int i = 0; i < c->ncats; i++)
        if (scores[i] > best_score) { best = i; best_score = scores[i]; }
    if (best < 0) {
        lua_pushliteral(L, "general");
        return 1;
    }
    lua_getiuservalue(L, 4, 1);
    lua_rawgeti(L, -1, best + 1);
    return 1;
}
