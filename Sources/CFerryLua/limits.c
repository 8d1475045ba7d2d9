// The per-call limits: a work counter (VM instructions, C loop steps, allocated bytes) with
// an optional budget, the wall-clock deadline, and the "doomed" state that keeps raising once
// a limit fired, so no pcall, message handler, coroutine or __close can swallow it.
//
// Why each piece exists:
// - With only a time limit (the default), no hook is set while the deadline is far: with any
//   count hook set, Lua 5.4's VM traps on every instruction (~8% of a transform). The thread's
//   timer (deadline_timer.c) signals the thread when the deadline passes, and the handler sets
//   the hook on the Lua thread running (ferry_lua.running), which stops at its next instruction.
//   Every switch of the running thread (resume, close) goes through ferry_set_running, so a
//   signal that lands mid-switch still reaches the thread that runs on.
// - With a work budget (or when the system refuses a timer), the count hook fires every
//   HOOK_INSTRUCTIONS VM instructions; it adds them to the work counter and checks the clock.
// - C functions of the sandbox that loop (the pattern matcher, sort, move, ...) call
//   ferry_charge, which checks the same limits every CHECK_EVERY units of work.
// - Lua runs a message handler for an error raised by a hook with hooks off, and leaves a
//   coroutine that died from such an error with hooks off for good. So once a limit fired,
//   the state is doomed: message handlers are skipped (see guarded_handler in protect.c),
//   the wrappers of pcall/xpcall/resume re-raise, and such coroutines are never closed.
// - A hook a call leaves behind (on the main thread or a coroutine kept in an upvalue) is
//   harmless: the next call clears the main thread's, and the hook itself, finding no limit
//   over, goes back to the call's normal setting.

#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "internal.h"

#define HOOK_INSTRUCTIONS 1000
#define CHECK_EVERY 4096

uint64_t ferry_monotonic_ns(void) { return ferry_now_ns(); }

uint64_t ferry_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// Which limit is over (1 time, 2 work), or 0.
static int limit_reached(ferry_lua *s) {
    if (!s->armed) return 0;
    if (s->work_budget && s->work >= s->work_budget) return 2;
    if (s->deadline_hit) return 1;
    if (s->deadline_ns && ferry_now_ns() >= s->deadline_ns) return 1;
    return 0;
}

static void limit_hook(lua_State *L, lua_Debug *ar);

// The hook a thread runs with while no limit fired: the count hook when counting, none when
// the timer watches the deadline.
static void normal_hook(ferry_lua *s, lua_State *L) {
    if (s->counting) lua_sethook(L, limit_hook, LUA_MASKCOUNT, HOOK_INSTRUCTIONS);
    else lua_sethook(L, NULL, 0, 0);
}

// Marks the state doomed and records the message (with the location, when known) that every
// later raise in this call repeats. Allocates nothing: it runs inside the hook.
static void doom(ferry_lua *s, int which, const char *src, int line) {
    s->doomed = 1;
    char what[96];
    if (which == 2)
        snprintf(what, sizeof what, "work limit of %llu units exceeded", (unsigned long long)s->work_budget);
    else
        snprintf(what, sizeof what, "time limit of %lld ms exceeded", (long long)s->time_limit_ms);
    if (src && line > 0) snprintf(s->limit_msg, sizeof s->limit_msg, "%s:%d: %s", src, line, what);
    else snprintf(s->limit_msg, sizeof s->limit_msg, "%s", what);
}

int ferry_raise_limit(lua_State *L) {
    ferry_lua *s = ferry_state(L);
    // This thread runs no more Lua code unhooked: a __close or handler met while the error
    // unwinds it stops at its first instruction.
    lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
    lua_pushstring(L, s->limit_msg);
    return lua_error(L);
}

static void limit_hook(lua_State *L, lua_Debug *ar) {
    ferry_lua *s = ferry_state(L);
    if (!s->doomed) {
        if (s->counting) s->work += (uint64_t)lua_gethookcount(L);
        int which = limit_reached(s);
        if (!which) {
            // Back to the normal setting (a signal, an early check or an old doomed coroutine
            // set the hook). Then look again: a signal that came between the check and the
            // reset had its hook undone, but it only comes once the deadline passed.
            normal_hook(s, L);
            if (s->counting) return;
            atomic_signal_fence(memory_order_seq_cst);
            which = limit_reached(s);
            if (!which) return;
        }
        int ok = lua_getinfo(L, "Sl", ar);
        doom(s, which, ok ? ar->short_src : NULL, ok ? ar->currentline : 0);
    }
    // Fire on every instruction of this thread from now on (ferry_raise_limit sets it).
    ferry_raise_limit(L);
}

uint64_t ferry_deadline_signal(ferry_lua *s) {
    if (!s->armed || !s->deadline_ns) return 0;
    uint64_t now = ferry_now_ns();
    if (now < s->deadline_ns) return s->deadline_ns;   // the timer was set for an earlier call
    s->deadline_hit = 1;
    atomic_signal_fence(memory_order_seq_cst);
    lua_State *L = s->running;
    if (L) lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
    return 0;
}

void ferry_set_running(ferry_lua *s, lua_State *L) {
    s->running = L;
    atomic_signal_fence(memory_order_seq_cst);
    // The signal came while the switch was under way, and hooked the thread left behind.
    if (s->deadline_hit) lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1);
}

void ferry_charge(lua_State *L, uint64_t units) {
    ferry_lua *s = ferry_state_if_sandbox(L);
    if (!s) return;
    s->work += units;
    if (s->doomed) ferry_raise_limit(L);
    if (s->work < s->next_check) return;
    s->next_check = s->work + CHECK_EVERY;
    int which = limit_reached(s);
    if (!which) return;
    lua_Debug ar;
    int ok = ferry_lua_frame(L, &ar);
    doom(s, which, ok ? ar.short_src : NULL, ok ? ar.currentline : 0);
    ferry_raise_limit(L);
}

int ferry_lua_frame(lua_State *L, lua_Debug *ar) {
    // C functions (pcall, table.insert, ...) may sit between the work and the script.
    for (int level = 1; lua_getstack(L, level, ar); level++)
        if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0) return 1;
    return 0;
}

void ferry_where(lua_State *L) {
    lua_Debug ar;
    if (ferry_lua_frame(L, &ar)) lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
    else lua_pushliteral(L, "");
}

void ferry_charge_alloc(ferry_lua *s, size_t bytes) {
    // Only counted: calling lua_sethook from inside the allocator (to ask for an early check)
    // corrupted call frames (it marks every frame on the CallInfo list mid-call).
    s->work += bytes >> 6;
}

void ferry_arm_deadline(ferry_lua *s) {
    s->armed = 0;
    s->doomed = 0;
    s->deadline_hit = 0;
    s->work = 0;
    s->next_check = CHECK_EVERY;
    s->alloc_since_check = 0;
    s->limit_msg[0] = '\0';
    uint64_t now = ferry_now_ns();
    uint64_t deadline = s->time_limit_ms > 0 ? now + (uint64_t)s->time_limit_ms * 1000000u : 0;
    ferry_thread_timer *timer = NULL;
    if (deadline && !s->work_budget) timer = ferry_timer_for_this_thread();
    s->counting = s->work_budget || (deadline && !timer);
    // The hook first: it clears one a signal left on the main thread after the last call,
    // before the timer can set a new one.
    normal_hook(s, s->L);
    s->running = s->L;
    s->deadline_ns = deadline;
    s->armed = 1;
    atomic_signal_fence(memory_order_seq_cst);
    s->timer = timer;
    if (timer) ferry_timer_begin(timer, s, deadline);
}

void ferry_disarm_deadline(ferry_lua *s) {
    if (s->timer) ferry_timer_end(s->timer, s);
    s->timer = NULL;
    atomic_signal_fence(memory_order_seq_cst);
    s->armed = 0;
    s->deadline_ns = 0;
    s->running = NULL;
}
