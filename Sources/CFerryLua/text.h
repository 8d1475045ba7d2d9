#ifndef FERRY_TEXT_H
#define FERRY_TEXT_H
// Shared between the C files of `ferry.text` (text*.c, hash.c); not part of the public header.
// Every function here reads valid UTF-8 unless it says otherwise: text_arg() is the one door
// through which Lua values come in, and it replaces invalid bytes with U+FFFD.

#include <stddef.h>
#include <stdint.h>
#include "internal.h"

// A growable byte buffer kept as a userdata (Lua's allocator, so the memory limit applies and
// a Lua error never leaks it). Used as a plain C buffer between pushes.
typedef struct {
    char *p;
    size_t len, cap;
} text_out;

// Pushes a fresh text_out userdata; its memory is freed by the garbage collector.
text_out *text_out_new(lua_State *L, size_t cap);
// Room for `extra` more bytes (raises a memory error when the allocator refuses).
char *text_out_room(lua_State *L, text_out *o, size_t extra);
void text_out_add(lua_State *L, text_out *o, const char *p, size_t n);

// The text a Lua value stands for, as the Lua module always read it: strings (invalid UTF-8
// bytes as U+FFFD), numbers and booleans as tostring, an array (ferry.array) as its string
// elements joined with a space, anything else "". Pushes that text as a Lua string (one
// slot) and returns its bytes, valid while the slot stays on the stack.
const char *text_arg(lua_State *L, int idx, size_t *len);

// Strip HTML / collapse whitespace into `o` (which the caller has emptied).
void text_strip_html(lua_State *L, const char *s, size_t n, text_out *o);
void text_collapse(lua_State *L, const char *s, size_t n, text_out *o);

// Character classes (see transforms/text.lua for why each range is where it is).
int text_is_word(uint32_t cp);
int text_is_space(uint32_t cp);
int text_is_cjk(uint32_t cp);
// Decodes the code point at p (valid UTF-8, p < end) and returns its length in bytes.
static inline size_t text_decode(const unsigned char *p, uint32_t *cp) {
    unsigned c = p[0];
    if (c < 0x80) { *cp = c; return 1; }
    if (c < 0xE0) { *cp = ((c & 0x1F) << 6) | (p[1] & 0x3F); return 2; }
    if (c < 0xF0) { *cp = ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F); return 3; }
    *cp = ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
}
size_t text_encode(uint32_t cp, char *out);   // 1..4 bytes
size_t text_word_count(const char *s, size_t n);
// Byte classes (ASCII only; bytes >= 0x80 have none) and ASCII lowercase, as tables: the
// scanning loops look at every byte, so one load beats a chain of comparisons.
enum { TEXT_ALNUM = 1, TEXT_SPACE = 2 };
extern const unsigned char text_class[256];
extern const unsigned char text_lower[256];
static inline int text_ascii_alnum(unsigned char c) { return text_class[c] & TEXT_ALNUM; }
static inline unsigned char text_ascii_lower(unsigned char c) { return text_lower[c]; }
static inline int text_ascii_space(unsigned char c) { return text_class[c] & TEXT_SPACE; }

// The Lua functions, registered by ferry_open_text.
int text_l_word_count(lua_State *L);
int text_l_hashtags(lua_State *L);
int text_l_language(lua_State *L);
int text_l_is_word(lua_State *L);
int text_l_categorize(lua_State *L);
int text_l_lower(lua_State *L);
int text_l_upper(lua_State *L);
int text_l_slug(lua_State *L);
int text_l_sha256(lua_State *L);
int text_l_md5(lua_State *L);

// Hashes (hash.c): hex digest of n bytes into out (65 / 33 bytes with the NUL).
void ferry_sha256_hex(const void *data, size_t n, char out[65]);
void ferry_md5_hex(const void *data, size_t n, char out[33]);

#endif
