// Wrappers that keep the limits of limits.c in force around the standard functions that can
// catch errors (pcall, xpcall, the coroutine functions) or loop in C without running a VM
// instruction or allocating (sort, move, rep). Functions that allocate as they work (concat,
// format, upper, ...) are bounded through the allocator (ferry_charge_alloc).

#include <limits.h>
#include <string.h>
#include <lualib.h>
#include "internal.h"

// ---- pcall / xpcall --------------------------------------------------------------------

static int after_protected(lua_State *L, int status, lua_KContext ctx) {
    (void)status;
    (void)ctx;
    if (ferry_state(L)->doomed) return ferry_raise_limit(L);
    return lua_gettop(L);
}

// pcall(f, ...) and xpcall(f, h, ...) run the stock functions (upvalue 1) and re-raise a
// limit that fired inside. lua_callk keeps yields across them working inside coroutines.
static int sb_pcall(lua_State *L) {
    if (ferry_state(L)->doomed) return ferry_raise_limit(L);
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, n, LUA_MULTRET, 0, after_protected);
    return after_protected(L, LUA_OK, 0);
}

// The message handler xpcall gets: skips the script's handler once a limit fired (Lua runs
// the handler of an error raised by a hook with hooks off, where an endless handler would
// never be stopped).
static int guarded_handler(lua_State *L) {
    if (ferry_state(L)->doomed) {
        lua_settop(L, 1);
        return 1;
    }
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, 1);
    return 1;
}

static int sb_xpcall(lua_State *L) {
    if (ferry_state(L)->doomed) return ferry_raise_limit(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    int n = lua_gettop(L);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, n, LUA_MULTRET, 0, after_protected);
    return after_protected(L, LUA_OK, 0);
}

// ---- coroutines ------------------------------------------------------------------------
// resume, wrap and close are reimplemented (same results and messages as the stock ones) so
// that a coroutine a limit stopped is remembered ("poisoned") and never closed: Lua left its
// hooks off, so its pending __close handlers would run unbounded.

enum { CO_RUNNING, CO_SUSPENDED, CO_NORMAL, CO_DEAD };

static int co_status(lua_State *L, lua_State *co) {
    if (L == co) return CO_RUNNING;
    switch (lua_status(co)) {
    case LUA_YIELD: return CO_SUSPENDED;
    case LUA_OK: {
        lua_Debug ar;
        if (lua_getstack(co, 0, &ar)) return CO_NORMAL;
        return lua_gettop(co) == 0 ? CO_DEAD : CO_SUSPENDED;
    }
    default: return CO_DEAD;
    }
}

// co_idx is where L holds the coroutine. (Pushing it with lua_pushthread(co) would write to
// the dead coroutine's stack, which an error can leave full: that overflowed into the heap.)
static void poison(lua_State *L, int co_idx) {
    ferry_lua *s = ferry_state(L);
    co_idx = lua_absindex(L, co_idx);
    luaL_checkstack(L, 3, NULL);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->poisoned_ref);
    lua_pushvalue(L, co_idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static int is_poisoned(lua_State *L, int idx) {
    ferry_lua *s = ferry_state(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->poisoned_ref);
    lua_pushvalue(L, idx);
    int yes = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return yes;
}

// Resumes co (held by L at co_idx) with narg values from L's top. Returns the number of
// results moved to L, or -1 with the error message on L's top. Raises the limit when it
// fired inside.
static int resume_co(lua_State *L, lua_State *co, int co_idx, int narg) {
    ferry_lua *s = ferry_state(L);
    if (s->doomed) return ferry_raise_limit(L);
    int st = co_status(L, co);
    if (st != CO_SUSPENDED) {
        lua_pushstring(L, st == CO_DEAD ? "cannot resume dead coroutine" : "cannot resume non-suspended coroutine");
        return -1;
    }
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    lua_State *prev = s->running;
    ferry_set_running(s, co);
    int nres = 0;
    int status = lua_resume(co, L, narg, &nres);
    ferry_set_running(s, prev);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    if (s->doomed) {
        poison(L, co_idx);
        return ferry_raise_limit(L);
    }
    lua_xmove(co, L, 1);
    return -1;
}

static lua_State *check_co(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    return co;
}

static int sb_resume(lua_State *L) {
    lua_State *co = check_co(L);
    int r = resume_co(L, co, 1, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

static int close_thread(lua_State *L, lua_State *co) {
#if LUA_VERSION_RELEASE_NUM >= 50406
    return lua_closethread(co, L);
#else
    (void)L;
    return lua_resetthread(co);
#endif
}

static int wrapped_call(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = resume_co(L, co, lua_upvalueindex(1), lua_gettop(L));
    if (r >= 0) return r;
    // The stock wrap closes the coroutine and adds position information to a string error.
    int dead = lua_status(co) != LUA_OK && lua_status(co) != LUA_YIELD;
    if (dead) {
        ferry_lua *s = ferry_state(L);
        lua_State *prev = s->running;
        ferry_set_running(s, co);
        int st = close_thread(L, co);
        ferry_set_running(s, prev);
        if (s->doomed) return ferry_raise_limit(L);
        if (st != LUA_OK) {
            lua_settop(L, 0);
            lua_xmove(co, L, 1);
        }
        if (lua_type(L, -1) == LUA_TSTRING) {
            luaL_where(L, 1);
            lua_insert(L, -2);
            lua_concat(L, 2);
        }
    }
    return lua_error(L);
}

static int sb_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, wrapped_call, 1);
    return 1;
}

static int sb_close(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    lua_State *co = check_co(L);
    if (s->doomed) return ferry_raise_limit(L);
    int st = co_status(L, co);
    if (st != CO_SUSPENDED && st != CO_DEAD)
        return luaL_error(L, "cannot close a %s coroutine", st == CO_RUNNING ? "running" : "normal");
    if (is_poisoned(L, 1)) {   // its hooks are off: its __close handlers must not run
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "the coroutine was stopped by a sandbox limit");
        return 2;
    }
    lua_State *prev = s->running;
    ferry_set_running(s, co);
    int status = close_thread(L, co);
    ferry_set_running(s, prev);
    if (s->doomed) return ferry_raise_limit(L);
    if (status == LUA_OK) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1);
    return 2;
}

// ---- C loops ---------------------------------------------------------------------------

// Calls the stock function (upvalue 1) with all arguments.
static int call_stock(lua_State *L) {
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L);
}

// string.rep: the stock one loops n times even when the result is empty. Its size check is
// repeated here so that its error keeps the caller's line (errors raised inside the stock
// function, called from C, would have none).
static int sb_rep(lua_State *L) {
    size_t l, lsep = 0;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || (l == 0 && lsep == 0)) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || l + lsep > (size_t)INT_MAX / (size_t)n) return luaL_error(L, "resulting string too large");
    return call_stock(L);
}

static int charged_less(lua_State *L) {
    ferry_charge(L, 1);
    if (lua_isnoneornil(L, lua_upvalueindex(1))) {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
        return 1;
    }
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

// table.sort(t [, comp]): every comparison goes through charged_less.
static int sb_sort(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    lua_pushcclosure(L, charged_less, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 0);
    return 0;
}

// table.move(a1, f, e, t [, a2]) with the stock checks and messages, charged per element
// (the stock one loops over a range of nils without limit).
static int sb_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    luaL_checkany(L, 1);
    luaL_checkany(L, tt);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        int forward = t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ));
        for (lua_Integer i = 0; i < n; i++) {
            if ((i & 1023) == 0) ferry_charge(L, 1024);
            lua_Integer k = forward ? i : n - 1 - i;
            lua_geti(L, 1, f + k);
            lua_seti(L, tt, t + k);
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

// Replaces lib[name] by a C closure of fn over the stock function.
static void wrap(lua_State *L, int lib, const char *name, lua_CFunction fn) {
    lib = lua_absindex(L, lib);
    lua_getfield(L, lib, name);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, lib, name);
}

static void replace(lua_State *L, int lib, const char *name, lua_CFunction fn) {
    lib = lua_absindex(L, lib);
    lua_pushcfunction(L, fn);
    lua_setfield(L, lib, name);
}

void ferry_protect_libs(lua_State *L, ferry_lua *s) {
    lua_newtable(L);   // poisoned coroutines, weak keys
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    s->poisoned_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    lua_pushglobaltable(L);
    wrap(L, -1, "pcall", sb_pcall);
    wrap(L, -1, "xpcall", sb_xpcall);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_COLIBNAME);
    replace(L, -1, "resume", sb_resume);
    replace(L, -1, "wrap", sb_wrap);
    replace(L, -1, "close", sb_close);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_TABLIBNAME);
    wrap(L, -1, "sort", sb_sort);
    replace(L, -1, "move", sb_move);
    lua_pop(L, 1);

    lua_getglobal(L, LUA_STRLIBNAME);
    wrap(L, -1, "rep", sb_rep);
    lua_pop(L, 1);
}
