// strip_html and collapse_spaces for `ferry.text`: the passes of the Lua module, in the same
// order and with the same matching rules (each pass is one of its gsub patterns, so text a
// pass produces is seen by the next one exactly as before).

#define _GNU_SOURCE   // memmem
#include <string.h>
#include "text.h"

// Every pass writes at most as many bytes as it reads (tags, comments and entities all get
// shorter), so the output buffer is sized once per pass and written without checks.
typedef struct {
    char *p;
    size_t len;
} sink;

static inline void put(sink *o, const char *p, size_t n) {
    memcpy(o->p + o->len, p, n);
    o->len += n;
}

static int ci_eq(const char *p, const char *lower_word, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (text_ascii_lower((unsigned char)p[i]) != (unsigned char)lower_word[i]) return 0;
    return 1;
}

static const char *next_lt(const char *s, size_t n, size_t from) {
    return from < n ? memchr(s + from, '<', n - from) : NULL;
}

// s:gsub("<!%-%-.-%-%->", "")
static int pass_comments(const char *s, size_t n, sink *o) {
    const char *open = memmem(s, n, "<!--", 4);
    if (!open) return 0;
    size_t i = 0;
    while (open) {
        size_t a = (size_t)(open - s);
        const char *close = memmem(s + a + 4, n - a - 4, "-->", 3);
        if (!close) break;   // and no later "<!--" has one either
        put(o, s + i, a - i);
        i = (size_t)(close - s) + 3;
        open = i < n ? memmem(s + i, n - i, "<!--", 4) : NULL;
    }
    put(o, s + i, n - i);
    return 1;
}

// drop_element: "<name" followed by space, ">" or "/" (or at the very end) up to the first
// "</name" space* ">" after it becomes " "; an unclosed element runs to the end.
static int pass_drop(const char *s, size_t n, const char *name, size_t nl, sink *o) {
    size_t i = 0;
    int changed = 0;
    for (;;) {
        size_t a = (size_t)-1;
        for (const char *q = next_lt(s, n, i); q; q = next_lt(s, n, (size_t)(q - s) + 1)) {
            size_t j = (size_t)(q - s);
            if (j + 1 + nl < n && ci_eq(q + 1, name, nl)) {
                unsigned char c = (unsigned char)q[1 + nl];
                if (text_ascii_space(c) || c == '>' || c == '/') { a = j; break; }
            }
        }
        if (a == (size_t)-1) {
            if (n >= nl + 1 && n - nl - 1 >= i && s[n - nl - 1] == '<' && ci_eq(s + n - nl, name, nl))
                a = n - nl - 1;
            else
                break;
        }
        changed = 1;
        put(o, s + i, a - i);
        size_t b = (size_t)-1;
        for (const char *q = next_lt(s, n, a); q; q = next_lt(s, n, (size_t)(q - s) + 1)) {
            size_t k = (size_t)(q - s) + 2 + nl;
            if (k <= n && q[1] == '/' && ci_eq(q + 2, name, nl)) {
                while (k < n && text_ascii_space((unsigned char)s[k])) k++;
                if (k < n && s[k] == '>') { b = k; break; }
            }
        }
        if (b == (size_t)-1) { i = n; break; }
        put(o, " ", 1);
        i = b + 1;
    }
    if (!changed) return 0;
    put(o, s + i, n - i);
    return 1;
}

// Elements that separate words become " ", other tags "".
static int is_block(const char *name, size_t n) {
    static const char *const BLOCK[] = {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
    };
    if (n > 10) return 0;
    for (size_t i = 0; i < sizeof BLOCK / sizeof BLOCK[0]; i++)
        if (strlen(BLOCK[i]) == n && ci_eq(name, BLOCK[i], n)) return 1;
    return 0;
}

static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// s:gsub("<(/?)(%a[%w:%-]*)[^>]*>", block and " " or "")
static int pass_tags(const char *s, size_t n, sink *o) {
    size_t i = 0, j = 0;
    int changed = 0;
    const char *q;
    while ((q = next_lt(s, n, j))) {
        size_t k = (size_t)(q - s) + 1;
        if (k < n && s[k] == '/') k++;
        if (k < n && is_alpha((unsigned char)s[k])) {
            size_t name = k++;
            while (k < n && (text_ascii_alnum((unsigned char)s[k]) || s[k] == ':' || s[k] == '-')) k++;
            const char *gt = memchr(s + k, '>', n - k);
            if (!gt) break;   // no ">" ahead: no later tag can end either
            put(o, s + i, (size_t)(q - s) - i);
            if (is_block(s + name, k - name)) put(o, " ", 1);
            i = j = (size_t)(gt - s) + 1;
            changed = 1;
        } else {
            j = (size_t)(q - s) + 1;
        }
    }
    if (!changed) return 0;
    put(o, s + i, n - i);
    return 1;
}

// s:gsub("<![^>]*>", "")
static int pass_bang(const char *s, size_t n, sink *o) {
    size_t i = 0, j = 0;
    int changed = 0;
    const char *q;
    while ((q = next_lt(s, n, j))) {
        size_t k = (size_t)(q - s) + 1;
        if (k < n && s[k] == '!') {
            const char *gt = memchr(s + k, '>', n - k);
            if (!gt) break;
            put(o, s + i, (size_t)(q - s) - i);
            i = j = (size_t)(gt - s) + 1;
            changed = 1;
        } else {
            j = k;
        }
    }
    if (!changed) return 0;
    put(o, s + i, n - i);
    return 1;
}

// decode_entity: "#123" / "#x1F" (at most 8 characters with the "#", a code point other than
// 0 and the surrogates) or one of the named entities; 0 leaves "&...;" as written.
static size_t decode_entity(const char *body, size_t n, char *out) {
    static const struct { const char *name, *text; } NAMED[] = {
        {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
        {"ndash", "\u2013"}, {"mdash", "\u2014"}, {"hellip", "\u2026"}, {"copy", "\u00A9"},
        {"lsquo", "\u2018"}, {"rsquo", "\u2019"}, {"ldquo", "\u201C"}, {"rdquo", "\u201D"},
    };
    if (body[0] != '#') {
        for (size_t i = 0; i < sizeof NAMED / sizeof NAMED[0]; i++)
            if (strlen(NAMED[i].name) == n && memcmp(NAMED[i].name, body, n) == 0) {
                size_t len = strlen(NAMED[i].text);
                memcpy(out, NAMED[i].text, len);
                return len;
            }
        return 0;
    }
    uint32_t cp = 0;
    size_t i = 1;
    int hex = n >= 3 && (body[1] == 'x' || body[1] == 'X');
    int digits = 1;
    for (size_t k = 1; k < n; k++) digits &= body[k] >= '0' && body[k] <= '9';
    if (!digits && hex) {
        i = 2;
        for (size_t k = 2; k < n; k++) {
            unsigned char c = (unsigned char)body[k];
            if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'))) return 0;
        }
    } else if (!digits) {
        return 0;
    }
    if (n > 8) return 0;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)body[i];
        uint32_t d = c <= '9' ? (uint32_t)(c - '0') : (uint32_t)((c | 0x20) - 'a' + 10);
        cp = cp * (digits ? 10 : 16) + d;
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return text_encode(cp, out);
}

// s:gsub("&(#?[%w]+);", decode_entity)
static int pass_entities(const char *s, size_t n, sink *o) {
    size_t i = 0, j = 0;
    int changed = 0;
    const char *q;
    while (j < n && (q = memchr(s + j, '&', n - j))) {
        size_t body = (size_t)(q - s) + 1, k = body;
        if (k < n && s[k] == '#') k++;
        size_t run = k;
        while (k < n && text_ascii_alnum((unsigned char)s[k])) k++;
        if (k > run && k < n && s[k] == ';') {
            char cp[4];
            size_t len = decode_entity(s + body, k - body, cp);
            if (len) {
                put(o, s + i, (size_t)(q - s) - i);
                put(o, cp, len);
                i = k + 1;
                changed = 1;
            }
            j = k + 1;
        } else {
            j = body;
        }
    }
    if (!changed) return 0;
    put(o, s + i, n - i);
    return 1;
}

void text_strip_html(lua_State *L, const char *s, size_t n, text_out *out) {
    text_out *tmp = text_out_new(L, n);
    text_out_room(L, out, n);
    text_out *bufs[2] = {tmp, out};
    const char *cur = s;
    size_t len = n;
    int next = 0;   // the buffer the next pass writes
#define PASS(call)                                          \
    do {                                                    \
        sink o = {bufs[next]->p, 0};                        \
        if (call) {                                         \
            cur = o.p;                                      \
            len = o.len;                                    \
            next ^= 1;                                      \
        }                                                   \
    } while (0)
    PASS(pass_comments(cur, len, &o));
    PASS(pass_drop(cur, len, "script", 6, &o));
    PASS(pass_drop(cur, len, "style", 5, &o));
    PASS(pass_tags(cur, len, &o));
    PASS(pass_bang(cur, len, &o));
    PASS(pass_entities(cur, len, &o));
#undef PASS
    if (cur != out->p) memmove(out->p, cur, len);
    out->len = len;
    lua_pop(L, 1);   // tmp
}

// Length of the Unicode space (U+0085, U+00A0, U+1680, U+2000-200A, U+2028, U+2029, U+202F,
// U+205F, U+3000) or ASCII whitespace at p, else 0.
static size_t space_at(const unsigned char *p, const unsigned char *end) {
    unsigned c = p[0];
    if (c < 0x80) return text_ascii_space((unsigned char)c) ? 1 : 0;
    if (c == 0xC2) return (end - p >= 2 && (p[1] == 0x85 || p[1] == 0xA0)) ? 2 : 0;
    if (end - p < 3) return 0;
    if (c == 0xE1) return (p[1] == 0x9A && p[2] == 0x80) ? 3 : 0;
    if (c == 0xE2) {
        if (p[1] == 0x80) return (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF) ? 3 : 0;
        return (p[1] == 0x81 && p[2] == 0x9F) ? 3 : 0;
    }
    if (c == 0xE3) return (p[1] == 0x80 && p[2] == 0x80) ? 3 : 0;
    return 0;
}

// Every run of whitespace (ASCII or the Unicode spaces above) becomes one " "; trimmed.
void text_collapse(lua_State *L, const char *s, size_t n, text_out *out) {
    char *o = text_out_room(L, out, n);
    size_t len = 0;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    int pending = 0;
    while (p < end) {
        size_t sp = space_at(p, end);
        if (sp) {
            pending = 1;
            p += sp;
            continue;
        }
        if (pending && len) o[len++] = ' ';
        pending = 0;
        o[len++] = (char)*p++;
        while (p < end && *p > ' ' && *p < 0x80) o[len++] = (char)*p++;
    }
    out->len += len;
}
