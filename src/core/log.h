/*
 * log.h — one-line log records on stderr.
 *
 * Lines are written with a single fprintf, so lines from different
 * threads never interleave. kj_log_quiet silences info lines (tests).
 * Lines written while a request is served carry its id (kj_log_set_request).
 */
#ifndef KJ_LOG_H
#define KJ_LOG_H
#include <stdbool.h>
void kj_log_set_quiet(bool quiet);
void kj_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kj_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** The id of the request this thread is serving (NULL: none): every line
 *  the thread logs meanwhile carries it as "[req ID]", so that the line of
 *  a failure and the id shown to the user (X-Request-Id, a 500's body)
 *  lead to each other. Thread-local: each thread sets its own; id must
 *  live until it is cleared. */
void kj_log_set_request(const char *id);
#endif
