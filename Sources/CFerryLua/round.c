// ferry.round(x [, digits]): rounds x as it is written in decimal, half away from zero, so
// 0.285 -> 0.29 and 1.005 -> 1.01 (where floor(x * 100 + 0.5) gives 28 and 100, because the
// doubles nearest those numbers are a hair below them). "As written" is the shortest decimal
// that reads back as the same double (what JSON and tostring show).

#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

// The shortest "%.*e" spelling of x that reads back as x: its digits (no dot) and exponent.
static void shortest(double x, char digits[32], int *ndigits, int *exponent) {
    char buf[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        if (p == 17 || strtod(buf, NULL) == x) break;
    }
    int n = 0;
    const char *c = buf;
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9') digits[n++] = *c;
    *ndigits = n;
    *exponent = atoi(c + 1);
}

// |x| rounded at `places` decimal places (negative: tens, hundreds, ...).
static double round_magnitude(double x, int places) {
    char digits[32];
    int n, e;
    shortest(x, digits, &n, &e);
    int keep = e + 1 + places;            // digits at or above the 10^-places place
    if (keep >= n) return x;              // already that short
    if (keep < 0) return 0.0;
    int up = digits[keep] >= '5';
    char buf[48];
    int len = 0;
    if (keep == 0) {                      // everything is dropped: 0 or one unit of the place
        if (!up) return 0.0;
        len = snprintf(buf, sizeof buf, "1e%d", -places);
    } else {
        memcpy(buf, digits, (size_t)keep);
        int i = keep - 1;
        while (up && i >= 0) {
            if (buf[i] == '9') { buf[i] = '0'; i--; }
            else { buf[i]++; up = 0; }
        }
        if (up) {                        // 999.5 -> 1000: one more digit
            memmove(buf + 1, buf, (size_t)keep);
            buf[0] = '1';
            keep++;
            e++;
        }
        len = keep;
        len += snprintf(buf + len, sizeof buf - (size_t)len, "e%d", e - keep + 1);
    }
    (void)len;
    return strtod(buf, NULL);
}

int ferry_round(lua_State *L) {
    lua_Integer places = luaL_optinteger(L, 2, 0);
    luaL_argcheck(L, places >= -308 && places <= 308, 2, "digits must be between -308 and 308");
    if (lua_isinteger(L, 1) && places >= 0) {
        lua_settop(L, 1);
        return 1;
    }
    lua_Number x = luaL_checknumber(L, 1);
    if (isnan(x) || isinf(x) || x == 0) {
        lua_pushnumber(L, x);
        return 1;
    }
    double r = round_magnitude(fabs(x), (int)places);
    if (x < 0) r = -r;
    // No fraction digits asked for: an integer, like math.floor, when it fits.
    lua_Integer i;
    if (places <= 0 && r >= -0x1p63 && r < 0x1p63 && (i = (lua_Integer)r, (lua_Number)i == r)) {
        lua_pushinteger(L, i);
        return 1;
    }
    lua_pushnumber(L, r);
    return 1;
}
