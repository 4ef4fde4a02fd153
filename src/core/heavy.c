/*
 * heavy.c — the worker pool for CPU-heavy requests and the password hash
 * gate (see heavy.h).
 */
#include "core/heavy.h"
#include "core/log.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How much lower than the HTTP threads the workers run (see heavy.h). */
#define WORKER_NICE 5

struct job { kj_heavy_fn fn; void *arg; };

/* Whether this thread is a pool worker, and whether a pool serves (then a
 * password hash anywhere else is a route that lacks KJ_HEAVY). */
static _Thread_local bool on_worker;
static _Atomic int pools;

struct kj_heavy {
    pthread_mutex_t lock;
    pthread_cond_t wake;          /* a job was queued, or stopping */
    int nworkers, queue_max;
    pthread_t *threads;
    struct job *ring;             /* capacity workers + queue_max */
    int cap, head, count;         /* queued jobs */
    int reserved, running;
    bool stopping;
    int64_t done, refused;
};

static void *worker(void *arg)
{
    kj_heavy *h = arg;
    on_worker = true;
    /* Per-thread on Linux: the thread's id names it. Lowering one's own
     * priority needs no privilege. */
    int tid = (int)syscall(SYS_gettid);
    if (setpriority(PRIO_PROCESS, (id_t)tid, getpriority(PRIO_PROCESS, (id_t)tid) + WORKER_NICE) != 0)
        kj_log_info("heavy: cannot lower the workers' priority");
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (!h->count && !h->stopping) pthread_cond_wait(&h->wake, &h->lock);
        if (!h->count) break;                     /* stopping, and nothing left */
        struct job j = h->ring[h->head];
        h->head = (h->head + 1) % h->cap;
        h->count--;
        h->running++;
        pthread_mutex_unlock(&h->lock);
        j.fn(j.arg);
        pthread_mutex_lock(&h->lock);
        h->running--;
        h->done++;
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

kj_heavy *kj_heavy_start(int workers, int queue)
{
    if (workers < 1) workers = 1;
    if (queue < 0) queue = 0;
    kj_heavy *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->queue_max = queue;
    h->cap = workers + queue;
    h->ring = calloc((size_t)h->cap, sizeof *h->ring);
    h->threads = calloc((size_t)workers, sizeof *h->threads);
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->wake, NULL);
    for (int i = 0; h->ring && h->threads && i < workers; i++) {
        if (pthread_create(&h->threads[i], NULL, worker, h) != 0) break;
        h->nworkers++;
    }
    if (!h->nworkers) {
        kj_heavy_stop(h);
        return NULL;
    }
    atomic_fetch_add(&pools, 1);
    return h;
}

int kj_heavy_reserve(kj_heavy *h)
{
    pthread_mutex_lock(&h->lock);
    /* Running, queued and promised jobs together: at most one per worker
     * plus the queue. */
    bool room = !h->stopping && h->running + h->count + h->reserved < h->nworkers + h->queue_max;
    if (room) h->reserved++;
    else h->refused++;
    pthread_mutex_unlock(&h->lock);
    return room ? 0 : -1;
}

void kj_heavy_submit(kj_heavy *h, kj_heavy_fn fn, void *arg)
{
    pthread_mutex_lock(&h->lock);
    h->reserved--;
    h->ring[(h->head + h->count) % h->cap] = (struct job){ fn, arg };
    h->count++;
    pthread_cond_signal(&h->wake);
    pthread_mutex_unlock(&h->lock);
}

void kj_heavy_stats(kj_heavy *h, kj_heavy_counts *out)
{
    memset(out, 0, sizeof *out);
    if (!h) return;
    pthread_mutex_lock(&h->lock);
    out->workers = h->nworkers;
    out->running = h->running;
    out->queued = h->count;
    out->queue_max = h->queue_max;
    out->done = h->done;
    out->refused = h->refused;
    pthread_mutex_unlock(&h->lock);
}

void kj_heavy_stop(kj_heavy *h)
{
    if (!h) return;
    if (h->nworkers) atomic_fetch_sub(&pools, 1);
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_broadcast(&h->wake);
    pthread_mutex_unlock(&h->lock);
    for (int i = 0; i < h->nworkers; i++) pthread_join(h->threads[i], NULL);
    pthread_cond_destroy(&h->wake);
    pthread_mutex_destroy(&h->lock);
    free(h->threads);
    free(h->ring);
    free(h);
}

/* ---- the password hash gate ---- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_free = PTHREAD_COND_INITIALIZER;
static int gate_max = 4, gate_used;    /* guarded by gate_lock */

void kj_hash_gate_set(int n)
{
    pthread_mutex_lock(&gate_lock);
    gate_max = n > 0 ? n : 1;
    pthread_cond_broadcast(&gate_free);
    pthread_mutex_unlock(&gate_lock);
}

void kj_hash_gate_enter(void)
{
    if (!on_worker && atomic_load(&pools) > 0)
        kj_log_error("heavy: a password hash on an HTTP thread; its route needs the KJ_HEAVY flag");
    pthread_mutex_lock(&gate_lock);
    while (gate_used >= gate_max) pthread_cond_wait(&gate_free, &gate_lock);
    gate_used++;
    pthread_mutex_unlock(&gate_lock);
}

void kj_hash_gate_leave(void)
{
    pthread_mutex_lock(&gate_lock);
    gate_used--;
    pthread_cond_signal(&gate_free);
    pthread_mutex_unlock(&gate_lock);
}
