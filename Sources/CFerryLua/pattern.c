// string.find, match, gmatch and gsub with Lua 5.4's pattern semantics, written for the
// sandbox: every matcher step is charged to the work counter (limits.c), so a backtracking
// pattern on a long subject ends at the time or instruction limit instead of running for
// minutes inside C. Plain searches use memmem (linear time). Results and error messages are
// the stock library's; Tests/FerryScriptingTests/PatternTests.swift compares them with the
// stock functions over generated patterns and subjects.

#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include <lualib.h>
#include "internal.h"

#define MAX_CAPTURES 32    // LUA_MAXCAPTURES
#define MAX_DEPTH 200      // the stock matcher's recursion limit ("pattern too complex")
#define CAP_OPEN (-1)
#define CAP_POS (-2)
#define CHARGE_EVERY 1024

typedef struct {
    const char *src, *src_end, *pat_end;
    lua_State *L;
    int depth, ncap;
    unsigned steps;
    struct { const char *at; ptrdiff_t len; } cap[MAX_CAPTURES];
} Matcher;

static void step(Matcher *m) {
    if (++m->steps == CHARGE_EVERY) {
        m->steps = 0;
        ferry_charge(m->L, CHARGE_EVERY);
    }
}

static void reset(Matcher *m) {
    m->ncap = 0;
    m->depth = MAX_DEPTH;
}

static int class_has(int c, int cls) {
    int yes;
    switch (tolower(cls)) {
    case 'a': yes = isalpha(c); break;
    case 'c': yes = iscntrl(c); break;
    case 'd': yes = isdigit(c); break;
    case 'g': yes = isgraph(c); break;
    case 'l': yes = islower(c); break;
    case 'p': yes = ispunct(c); break;
    case 's': yes = isspace(c); break;
    case 'u': yes = isupper(c); break;
    case 'w': yes = isalnum(c); break;
    case 'x': yes = isxdigit(c); break;
    default: return cls == c;   // %. and friends: the character itself
    }
    return isupper(cls) ? !yes : yes != 0;
}

// The end of the single-character item at p ("x", "%x", "[...]").
static const char *item_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == '%') {
        if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (p < m->pat_end && *p == '^') p++;
        // The first character of a set is never its end, so "[]]" is a set of ']'.
        do {
            if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (missing ']')");
            char d = *p++;
            if (d == '%' && p < m->pat_end) p++;
        } while (p >= m->pat_end || *p != ']');
        return p + 1;
    }
    return p;
}

// Whether c is in the set [p .. close), where p is at '[' and close at its ']'.
static int set_has(int c, const char *p, const char *close) {
    int want = 1;
    if (p[1] == '^') {
        want = 0;
        p++;
    }
    for (p++; p < close; p++) {
        if (*p == '%') {
            p++;
            if (class_has(c, (unsigned char)*p)) return want;
        } else if (p + 2 < close && p[1] == '-') {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return want;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return want;
        }
    }
    return !want;
}

static int item_matches(Matcher *m, const char *s, const char *p, const char *end) {
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return class_has(c, (unsigned char)p[1]);
    case '[': return set_has(c, p, end - 1);
    default: return (unsigned char)*p == c;
    }
}

static const char *match(Matcher *m, const char *s, const char *p);

static const char *greedy(Matcher *m, const char *s, const char *p, const char *end) {
    ptrdiff_t n = 0;
    while (item_matches(m, s + n, p, end)) {
        n++;
        step(m);
    }
    for (; n >= 0; n--) {   // longest first, then give back one at a time
        const char *r = match(m, s + n, end + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *lazy(Matcher *m, const char *s, const char *p, const char *end) {
    for (;;) {
        const char *r = match(m, s, end + 1);
        if (r) return r;
        if (!item_matches(m, s, p, end)) return NULL;
        s++;
        step(m);
    }
}

static const char *open_capture(Matcher *m, const char *s, const char *p, ptrdiff_t kind) {
    if (m->ncap >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->cap[m->ncap].at = s;
    m->cap[m->ncap].len = kind;
    m->ncap++;
    const char *r = match(m, s, p);
    if (!r) m->ncap--;
    return r;
}

static const char *close_capture(Matcher *m, const char *s, const char *p) {
    int i = m->ncap - 1;
    while (i >= 0 && m->cap[i].len != CAP_OPEN) i--;
    if (i < 0) luaL_error(m->L, "invalid pattern capture");
    m->cap[i].len = s - m->cap[i].at;
    const char *r = match(m, s, p);
    if (!r) m->cap[i].len = CAP_OPEN;
    return r;
}

static const char *balance(Matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pat_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != p[0]) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    for (s++; s < m->src_end; s++) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *backref(Matcher *m, const char *s, int digit) {
    int i = digit - '1';
    if (i < 0 || i >= m->ncap || m->cap[i].len == CAP_OPEN)
        luaL_error(m->L, "invalid capture index %%%d", i + 1);
    ptrdiff_t len = m->cap[i].len;
    if (len < 0) return NULL;   // a position capture never matches text
    if (m->src_end - s >= len && memcmp(m->cap[i].at, s, (size_t)len) == 0) return s + len;
    return NULL;
}

static const char *match(Matcher *m, const char *s, const char *p) {
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m);
        if (p == m->pat_end) break;
        if (*p == '(') {
            if (p + 1 < m->pat_end && p[1] == ')') s = open_capture(m, s, p + 2, CAP_POS);
            else s = open_capture(m, s, p + 1, CAP_OPEN);
            break;
        }
        if (*p == ')') {
            s = close_capture(m, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == m->pat_end) {
            if (s != m->src_end) s = NULL;
            break;
        }
        if (*p == '%' && p + 1 < m->pat_end) {
            char next = p[1];
            if (next == 'b') {
                s = balance(m, s, p + 2);
                if (!s) break;
                p += 4;
                continue;
            }
            if (next == 'f') {
                p += 2;
                if (p >= m->pat_end || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *end = item_end(m, p);
                int before = s == m->src ? 0 : (unsigned char)s[-1];
                int here = s < m->src_end ? (unsigned char)*s : 0;
                if (!set_has(before, p, end - 1) && set_has(here, p, end - 1)) {
                    p = end;
                    continue;
                }
                s = NULL;
                break;
            }
            if (isdigit((unsigned char)next)) {
                s = backref(m, s, next);
                if (!s) break;
                p += 2;
                continue;
            }
        }
        // A single-character item, maybe followed by a repetition.
        const char *end = item_end(m, p);
        char rep = end < m->pat_end ? *end : '\0';
        if (!item_matches(m, s, p, end)) {
            if (rep == '*' || rep == '?' || rep == '-') {   // zero repetitions are fine
                p = end + 1;
                continue;
            }
            s = NULL;
            break;
        }
        if (rep == '?') {
            const char *r = match(m, s + 1, end + 1);
            if (r) {
                s = r;
                break;
            }
            p = end + 1;
            continue;
        }
        if (rep == '+') s = greedy(m, s + 1, p, end);
        else if (rep == '*') s = greedy(m, s, p, end);
        else if (rep == '-') s = lazy(m, s, p, end);
        else {
            s++;
            p = end;
            continue;
        }
        break;
    }
    m->depth++;
    return s;
}

// Pushes capture i (the whole match s..e when there are no captures and i is 0).
static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->ncap) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->cap[i].len;
    if (len == CAP_OPEN) luaL_error(m->L, "unfinished capture");
    if (len == CAP_POS) lua_pushinteger(m->L, (m->cap[i].at - m->src) + 1);
    else lua_pushlstring(m->L, m->cap[i].at, (size_t)len);
}

// Pushes every capture (or the whole match when s is given and there are none).
static int push_captures(Matcher *m, const char *s, const char *e) {
    int n = (m->ncap == 0 && s) ? 1 : m->ncap;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

static void init_matcher(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = p + lp;
    m->steps = 0;
    reset(m);
}

// A 1-based (or negative) position in a string of length len, as the stock functions read it.
static size_t start_index(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos;
    if (pos == 0) return 1;
    if (pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++)
        if (strchr("^$*+?.([%-", p[i]) && p[i] != '\0') return 1;
    return 0;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        ferry_charge(L, 1 + ((ls - init + 1 + lp) >> 6));   // memmem is linear
        const char *hit = memmem(s + init - 1, ls - init + 1, p, lp);
        if (!hit) {
            luaL_pushfail(L);
            return 1;
        }
        lua_pushinteger(L, (hit - s) + 1);
        lua_pushinteger(L, (hit - s) + (lua_Integer)lp);
        return 2;
    }
    Matcher m;
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    init_matcher(&m, L, s, ls, p, lp);
    const char *at = s + init - 1;
    do {
        reset(&m);
        const char *e = match(&m, at, p);
        if (e) {
            if (!find) return push_captures(&m, at, e);
            lua_pushinteger(L, (at - s) + 1);
            lua_pushinteger(L, e - s);
            return push_captures(&m, NULL, NULL) + 2;
        }
    } while (at++ < m.src_end && !anchored);
    luaL_pushfail(L);
    return 1;
}

static int str_find(lua_State *L) { return find_or_match(L, 1); }
static int str_match(lua_State *L) { return find_or_match(L, 0); }

// gmatch's state: where the next search starts and where the last match ended (offsets).
typedef struct {
    size_t next, last_end;
    int has_last;
} GmatchState;

static int gmatch_next(lua_State *L) {
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    GmatchState *g = lua_touserdata(L, lua_upvalueindex(3));
    if (g->next > ls) return 0;
    Matcher m;
    init_matcher(&m, L, s, ls, p, lp);
    for (const char *at = s + g->next; at <= m.src_end; at++) {
        reset(&m);
        const char *e = match(&m, at, p);
        if (e && !(g->has_last && (size_t)(e - s) == g->last_end)) {
            g->next = g->last_end = (size_t)(e - s);
            g->has_last = 1;
            return push_captures(&m, at, e);
        }
    }
    return 0;
}

static int str_gmatch(lua_State *L) {
    size_t ls;
    luaL_checklstring(L, 1, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls);
    if (init > ls + 1) init = ls + 2;   // past the end: no match at all, not even an empty one
    lua_settop(L, 2);
    GmatchState *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->next = init - 1;
    g->last_end = 0;
    g->has_last = 0;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

// Appends the replacement string (arg 3) with %0-%9 and %% expanded.
static void add_template(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    size_t len;
    const char *t = lua_tolstring(m->L, 3, &len);
    const char *end = t + len;
    for (const char *pct; (pct = memchr(t, '%', (size_t)(end - t))) != NULL; t = pct + 2) {
        luaL_addlstring(b, t, (size_t)(pct - t));
        char c = pct + 1 < end ? pct[1] : '\0';
        if (c == '%') {
            luaL_addchar(b, '%');
        } else if (c == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)c)) {
            push_capture(m, c - '1', s, e);
            luaL_tolstring(m->L, -1, NULL);   // a position capture becomes its digits
            lua_remove(m->L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(m->L, "invalid use of '%c' in replacement string", '%');
        }
    }
    luaL_addlstring(b, t, (size_t)(end - t));
}

// Appends the replacement for the match s..e: from a string, a table or a function.
static void add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (kind == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_template(m, b, s, e);
        return;
    }
    if (!lua_toboolean(L, -1)) {   // nil or false: keep the original text
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
    } else if (!lua_isstring(L, -1)) {
        luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    } else {
        luaL_addvalue(b);
    }
}

static int str_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int kind = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE,
                     3, "string/function/table");
    int anchored = lp > 0 && *p == '^';
    if (anchored) {
        p++;
        lp--;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    Matcher m;
    init_matcher(&m, L, s, ls, p, lp);
    const char *at = s, *last = NULL;
    lua_Integer n = 0;
    while (n < max) {
        reset(&m);
        const char *e = match(&m, at, p);
        if (e && e != last) {
            n++;
            add_replacement(&m, &b, at, e, kind);
            at = last = e;
        } else if (at < m.src_end) {
            luaL_addchar(&b, *at++);
        } else {
            break;
        }
        if (anchored) break;
    }
    luaL_addlstring(&b, at, (size_t)(m.src_end - at));
    luaL_pushresult(&b);
    lua_pushinteger(L, n);
    return 2;
}

void ferry_open_patterns(lua_State *L) {
    static const luaL_Reg fns[] = {
        {"find", str_find}, {"match", str_match}, {"gmatch", str_gmatch}, {"gsub", str_gsub}, {NULL, NULL},
    };
    lua_getglobal(L, LUA_STRLIBNAME);
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
}

int ferry_pattern_test_run(const char *script, size_t len, char *out, size_t out_cap) {
    static const luaL_Reg fns[] = {
        {"sandbox_find", str_find}, {"sandbox_match", str_match}, {"sandbox_gmatch", str_gmatch},
        {"sandbox_gsub", str_gsub}, {NULL, NULL},
    };
    lua_State *L = luaL_newstate();
    if (!L) return 1;
    luaL_openlibs(L);
    lua_getglobal(L, LUA_STRLIBNAME);
    luaL_setfuncs(L, fns, 0);
    lua_pop(L, 1);
    int st = luaL_loadbuffer(L, script, len, "=differential");
    if (st == LUA_OK) st = lua_pcall(L, 0, 1, 0);
    size_t n = 0;
    const char *text = lua_tolstring(L, -1, &n);
    if (!text) text = "(no string result)", n = strlen(text);
    if (out_cap) {
        if (n >= out_cap) n = out_cap - 1;
        memcpy(out, text, n);
        out[n] = '\0';
    }
    lua_close(L);
    return st == LUA_OK ? 0 : 1;
}
