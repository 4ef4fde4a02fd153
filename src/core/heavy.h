/*
 * heavy.h — CPU-heavy work kept off the HTTP threads (owns: a bounded pool
 * of worker threads with a bounded queue, and the gate that limits how
 * many password hashes run at once).
 *
 * Why. The HTTP server runs `threads` libmicrohttpd threads (default: one
 * per core, 2 on the reference machine), and every connection belongs to
 * one of them. A request that computes for seconds on such a thread
 * stalls every connection of that thread; two of them stall the server.
 * Measured before this module (2 shared cores): four clients logging in
 * in a loop (argon2id: 64 MiB and 0.2–0.35 s of one core each) pushed
 * /healthz to 12 s in the review, 8.8 s in tests/http/test_heavy.py (with
 * a 36 MP PNG uploaded alongside); that PNG (35 KB, 6000 × 6000) took
 * 2.8 s to decode on an idle machine, 12–20 s under load, inside the
 * write transaction. After (same test): /healthz worst 0.13–0.40 s over
 * ~90 probes, another user's writes 1–170 ms, the PNG refused from its
 * header in 0.01 s (media/image.h).
 *
 * How. Routes marked KJ_HEAVY (http.h: login, registration, password
 * change, popular-science image uploads, contract PDFs) are handed whole
 * to this pool: the HTTP thread suspends the connection and goes back to
 * answering others; a worker runs the handler and resumes the connection.
 * At most `workers` heavy requests compute at once (default: one per core
 * — more would only share the same cores), at most `queue` wait (default
 * 32); one more is refused at once with 503 and Retry-After, so that a
 * flood of heavy requests costs a queue and never the HTTP threads.
 * Workers run at nice +5: when heavy work and page requests compete for
 * the cores, the page requests win (CFS gives a nice-0 thread about three
 * times the share of a nice-5 one).
 *
 * Password hashes also pass the gate kj_hash_gate_enter/leave (in
 * kj_password_hash/verify, whoever calls them — a worker, the command
 * line): argon2id takes 64 MiB each, so the gate (setting password_hashes,
 * default min(cores, 4): 256 MiB at most) bounds the memory a login storm
 * can take. Waiting at the gate is bounded by the pool's size. A hash
 * outside the pool while a pool serves is logged as an error: a route
 * that hashes passwords lacks KJ_HEAVY.
 *
 * Threading: every function may be called from any thread, except
 * kj_heavy_stop (once, by the owner) and kj_hash_gate_set (start-up).
 */
#ifndef KJ_CORE_HEAVY_H
#define KJ_CORE_HEAVY_H
#include <stdint.h>

/* Seconds a refused heavy request is told to wait (Retry-After): a
 * password hash takes well under one, a large image a few. */
#define KJ_HEAVY_RETRY_AFTER_S 2

typedef struct kj_heavy kj_heavy;
typedef void (*kj_heavy_fn)(void *arg);

/** Starts workers (≥ 1) threads running queued jobs in order; at most
 *  queue (≥ 0) jobs wait for a free worker. NULL when no thread could be
 *  started. */
kj_heavy *kj_heavy_start(int workers, int queue);

/** Holds one place for a job: 0, or -1 when every worker is busy and the
 *  queue is full (or the pool is stopping) — the caller answers 503.
 *  Never blocks. A held place must be used by kj_heavy_submit. Two steps
 *  so that the caller can refuse before it commits to anything (the
 *  server suspends the connection only once it holds a place). */
int kj_heavy_reserve(kj_heavy *h);
/** Queues fn(arg) in the place held by kj_heavy_reserve; never fails. */
void kj_heavy_submit(kj_heavy *h, kj_heavy_fn fn, void *arg);

typedef struct kj_heavy_counts {
    int workers, running, queued, queue_max;
    int64_t done, refused;
} kj_heavy_counts;
/** A snapshot of the pool's counters (for /metrics and tests). */
void kj_heavy_stats(kj_heavy *h, kj_heavy_counts *out);

/** Runs every job still queued, stops the workers and frees the pool.
 *  NULL is allowed. */
void kj_heavy_stop(kj_heavy *h);

/** Sets how many password hashes may run at once (≥ 1; default 4).
 *  Start-up only. */
void kj_hash_gate_set(int n);
/** Waits for a password hash place; pair with kj_hash_gate_leave. */
void kj_hash_gate_enter(void);
void kj_hash_gate_leave(void);
#endif
