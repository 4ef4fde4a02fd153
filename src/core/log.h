/*
 * log.h — one-line log records on stderr.
 *
 * Lines are written with a single fprintf, so lines from different
 * threads never interleave. kj_log_quiet silences info lines (tests).
 */
#ifndef KJ_LOG_H
#define KJ_LOG_H
#include <stdbool.h>
void kj_log_set_quiet(bool quiet);
void kj_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kj_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
