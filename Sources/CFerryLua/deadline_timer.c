// The per-thread timer that enforces the time limit without a count hook: one POSIX timer
// per OS thread that runs calls, aimed at that thread (SIGEV_THREAD_ID), whose signal handler
// asks limits.c to set the hook on the Lua thread running there once the deadline passed.
//
// Why a signal on the same thread: lua_sethook may be called from a signal handler on the
// thread running the VM (ldebug.c says so; lua.c stops a script on Ctrl-C this way), but not
// from another thread, while the VM changes the call frames it walks. With any count hook
// set, Lua 5.4's VM traps on every instruction (docs/performance.md), so no hook at all while
// the deadline is far is what saves that cost.
//
// The timer is armed lazily: a call only re-arms it when it is idle or set to fire after the
// call's deadline. When it fires for an earlier call's deadline, the handler re-arms it for
// the current call's (or leaves it idle between calls), so a thread running many short calls
// takes one signal per time limit, not a system call per call.

#define _GNU_SOURCE
#include "internal.h"

#ifndef __linux__
// No thread-directed timers (SIGEV_THREAD_ID) here: every call falls back to the count hook.
ferry_thread_timer *ferry_timer_for_this_thread(void) { return NULL; }
void ferry_timer_begin(ferry_thread_timer *t, ferry_lua *s, uint64_t deadline_ns) { (void)t, (void)s, (void)deadline_ns; }
void ferry_timer_end(ferry_thread_timer *t, ferry_lua *s) { (void)t, (void)s; }
#else

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

struct ferry_thread_timer {
    timer_t id;
    _Atomic uint64_t expiry;       // when the timer fires (monotonic ns), 0 = idle
    ferry_lua *_Atomic current;    // the state in a call on this thread, or NULL
};

// Read by the handler: initial-exec TLS needs no allocation on first access.
static _Thread_local ferry_thread_timer *tl_timer __attribute__((tls_model("initial-exec")));
static _Thread_local int tl_timer_failed __attribute__((tls_model("initial-exec")));

static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_key_t timer_key;
static int installed;

// A real-time signal of ours: glibc reserves the ones below SIGRTMIN; nothing else in the
// process (libcurl, SQLite, the Swift runtime) uses real-time signals.
static int timer_signal(void) { return SIGRTMIN + 5; }

static void set_expiry(ferry_thread_timer *t, uint64_t deadline_ns) {
    // The expiry is written first: a signal of the old setting arriving before timer_settime
    // clears it and re-arms from the current call, which leaves both consistent.
    atomic_store_explicit(&t->expiry, deadline_ns, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    struct itimerspec when = {0};
    when.it_value.tv_sec = (time_t)(deadline_ns / 1000000000u);
    when.it_value.tv_nsec = (long)(deadline_ns % 1000000000u);
    timer_settime(t->id, TIMER_ABSTIME, &when, NULL);   // async-signal-safe
}

static void on_timer_signal(int sig) {
    (void)sig;
    int saved = errno;
    ferry_thread_timer *t = tl_timer;
    if (t) {
        atomic_store_explicit(&t->expiry, 0, memory_order_relaxed);
        atomic_signal_fence(memory_order_seq_cst);
        ferry_lua *s = atomic_load_explicit(&t->current, memory_order_relaxed);
        // No call running: stay idle (the next call arms it again).
        uint64_t later = s ? ferry_deadline_signal(s) : 0;
        if (later) set_expiry(t, later);
    }
    errno = saved;
}

static void thread_exit(void *p) {
    ferry_thread_timer *t = p;
    tl_timer = NULL;   // a signal still pending finds nothing to do
    atomic_signal_fence(memory_order_seq_cst);
    timer_delete(t->id);
    free(t);
}

static void install(void) {
    if (pthread_key_create(&timer_key, thread_exit) != 0) return;
    struct sigaction action = {0};
    action.sa_handler = on_timer_signal;
    sigemptyset(&action.sa_mask);
    // Interrupted system calls of this thread (a lookup's SQLite read, stdin) restart.
    action.sa_flags = SA_RESTART;
    installed = sigaction(timer_signal(), &action, NULL) == 0;
}

// This thread's timer, created on first use; NULL when the system refuses one (the caller
// then falls back to the count hook).
static ferry_thread_timer *this_thread_timer(void) {
    if (tl_timer) return tl_timer;
    if (tl_timer_failed) return NULL;
    pthread_once(&install_once, install);
    ferry_thread_timer *t = installed ? calloc(1, sizeof *t) : NULL;
    struct sigevent event = {0};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = timer_signal();
    event.sigev_notify_thread_id = gettid();
    if (!t || timer_create(CLOCK_MONOTONIC, &event, &t->id) != 0) {
        free(t);
        tl_timer_failed = 1;
        return NULL;
    }
    if (pthread_setspecific(timer_key, t) != 0) {
        timer_delete(t->id);
        free(t);
        tl_timer_failed = 1;
        return NULL;
    }
    // A thread may have inherited a mask that blocks it (threads started from a blocked one).
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, timer_signal());
    pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
    tl_timer = t;
    return t;
}

ferry_thread_timer *ferry_timer_for_this_thread(void) { return this_thread_timer(); }

void ferry_timer_begin(ferry_thread_timer *t, ferry_lua *s, uint64_t deadline_ns) {
    s->timer_prev = atomic_load_explicit(&t->current, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    atomic_store_explicit(&t->current, s, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    uint64_t expiry = atomic_load_explicit(&t->expiry, memory_order_relaxed);
    if (expiry == 0 || expiry > deadline_ns) set_expiry(t, deadline_ns);
}

void ferry_timer_end(ferry_thread_timer *t, ferry_lua *s) {
    ferry_lua *outer = s->timer_prev;
    atomic_store_explicit(&t->current, outer, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    s->timer_prev = NULL;
    // A call of another state on this thread continues (nested): its deadline holds again.
    uint64_t expiry = atomic_load_explicit(&t->expiry, memory_order_relaxed);
    if (outer && outer->deadline_ns && (expiry == 0 || expiry > outer->deadline_ns))
        set_expiry(t, outer->deadline_ns);
}

#endif
