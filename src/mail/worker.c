/*
 * worker.c — the mail worker thread: every second (or at once when woken
 * for shutdown) it runs the housekeeping (reminders, digests) and sends
 * the due e-mails. One thread; its state is guarded by w->lock.
 */
#include "mail/mail.h"
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct kj_mail_worker {
    kj_store *store;
    const kj_config *cfg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

static void *run(void *arg)
{
    kj_mail_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    while (!w->stop) {
        pthread_mutex_unlock(&w->lock);
        /* Only the job leader sends (store.h: kj_store_leader); the
         * claims in kj_mail_send_due cover a change of leader mid-send. */
        int sent = 0;
        if (kj_store_leader(w->store)) {
            kj_db *db = kj_store_acquire(w->store);
            kj_mail_housekeeping(db);
            sent = kj_mail_send_due(db, w->cfg, 20);
            kj_store_release(w->store, db);
        }
        pthread_mutex_lock(&w->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += sent ? 0 : 1;
        if (!w->stop) pthread_cond_timedwait(&w->wake, &w->lock, &until);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

kj_mail_worker *kj_mail_worker_start(kj_store *store, const kj_config *cfg)
{
    if (!*cfg->smtp_host) return NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);   /* idempotent; before any thread uses libcurl */
    kj_mail_worker *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->store = store;
    w->cfg = cfg;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (pthread_create(&w->thread, NULL, run, w)) { free(w); return NULL; }
    return w;
}

void kj_mail_worker_stop(kj_mail_worker *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}
