/*
 * log.c — timestamped log lines (see log.h).
 */
#include "core/log.h"
#include "core/clock.h"
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

static atomic_bool quiet;
static _Thread_local const char *request_id;   /* per thread: see kj_log_set_request */

void kj_log_set_request(const char *id) { request_id = id; }

void kj_log_set_quiet(bool q) { atomic_store(&quiet, q); }

/* The format attribute lets the compiler check callers and accept the
 * non-literal format here (clang warns otherwise). */
__attribute__((format(printf, 2, 0)))
static void emit(const char *level, const char *fmt, va_list ap)
{
    char msg[2048], ts[32];
    vsnprintf(msg, sizeof msg, fmt, ap);
    kj_format_iso(kj_now_ms(), ts, sizeof ts);
    if (request_id) fprintf(stderr, "%s %s [req %s] %s\n", ts, level, request_id, msg);
    else fprintf(stderr, "%s %s %s\n", ts, level, msg);
}

void kj_log_info(const char *fmt, ...)
{
    if (atomic_load(&quiet)) return;
    va_list ap;
    va_start(ap, fmt);
    emit("info", fmt, ap);
    va_end(ap);
}

void kj_log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("error", fmt, ap);
    va_end(ap);
}
