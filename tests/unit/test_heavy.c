/*
 * test_heavy.c — the pixel budget (media/image.h) read from headers before
 * decoding, its use by every attachment (market/attach.h), the heavy
 * worker pool's bounds (core/heavy.h) and the password hash gate.
 */
#include "t.h"
#include "core/heavy.h"
#include "market/attach.h"
#include "market/market.h"
#include "media/image.h"
#include "scratch.h"
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

/* The first 33 bytes of a PNG (signature, IHDR) declaring w × h. The
 * budget needs nothing more: no pixel is ever read. */
static void png_header(unsigned char *p, uint32_t w, uint32_t h)
{
    static const unsigned char head[16] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
    memcpy(p, head, sizeof head);
    for (int i = 0; i < 4; i++) {
        p[16 + i] = (unsigned char)(w >> (24 - 8 * i));
        p[20 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    memcpy(p + 24, "\x08\x02\x00\x00\x00\x00\x00\x00\x00", 9);
}

TEST(heavy_pixel_budget_from_the_header)
{
    unsigned char p[33];
    const char *err = NULL;
    CHECK_INT(kj_image_max_pixels(), KJ_IMAGE_DEFAULT_MAX_PIXELS);
    png_header(p, 6000, 4000);                                    /* 24 MP camera: passes */
    CHECK_INT(kj_image_check_pixels(p, sizeof p, "image/png", &err), 0);
    png_header(p, 4032, 3024);                                    /* 12 MP phone */
    CHECK_INT(kj_image_check_pixels(p, sizeof p, "image/png", &err), 0);
    png_header(p, 6000, 6000);                                    /* 36 MP: refused */
    CHECK_INT(kj_image_check_pixels(p, sizeof p, "image/png", &err), -1);
    CHECK_STR(err, "err.image.pixels");
    png_header(p, 6000, 4001);                                    /* one row over */
    CHECK_INT(kj_image_check_pixels(p, sizeof p, "image/png", &err), -1);
    /* A GIF declaring 65535 × 65535, a truncated header, a PDF. */
    static const unsigned char gif[] = { 'G', 'I', 'F', '8', '9', 'a', 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0 };
    CHECK_INT(kj_image_check_pixels(gif, sizeof gif, "image/gif", &err), -1);
    CHECK_STR(err, "err.image.pixels");
    CHECK_INT(kj_image_check_pixels(p, 20, "image/png", &err), -1);
    CHECK_STR(err, "err.image.corrupt");
    CHECK_INT(kj_image_check_pixels("%PDF-1.4", 8, "application/pdf", &err), 0);
    /* The setting moves the limit. */
    kj_image_set_max_pixels(1000);
    png_header(p, 40, 25);
    CHECK_INT(kj_image_check_pixels(p, sizeof p, "image/png", &err), 0);
    png_header(p, 40, 26);
    CHECK_INT(kj_image_check_pixels(p, sizeof p, "image/png", &err), -1);
    kj_image_set_max_pixels(KJ_IMAGE_DEFAULT_MAX_PIXELS);
}

/* A complete PNG (signature, IHDR, a token IDAT, IEND) declaring w × h:
 * enough for libmagic and the metadata stripper. */
static size_t whole_png(unsigned char *p, uint32_t w, uint32_t h)
{
    png_header(p, w, h);
    static const unsigned char tail[] = { 0, 0, 0, 2, 'I', 'D', 'A', 'T', 0x78, 0x9C, 0, 0, 0, 0,
                                          0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82 };
    memcpy(p + 33, tail, sizeof tail);
    return 33 + sizeof tail;
}

TEST(heavy_every_attachment_keeps_the_budget)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "heavy") == 0);
    REQUIRE(kj_scratch_importer(&s) == 0);
    const char *owner = json_string_value(json_object_get(s.admin, "id"));
    unsigned char p[64];
    char id[32];
    kj_err err = { 0 };
    size_t n = whole_png(p, 6000, 6000);
    CHECK_INT(kj_attach_store(s.db, s.dir, 1 << 20, owner, NULL, NULL, "bomb.png", p, n, false, id, &err), -1);
    CHECK_STR(err.key, "err.attach.pixels");
    CHECK_INT(err.kind, KJ_E_INVALID);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM attachments", ""), 0);     /* nothing left behind */
    n = whole_png(p, 640, 480);
    err = (kj_err){ 0 };
    CHECK_INT(kj_attach_store(s.db, s.dir, 1 << 20, owner, NULL, NULL, "ok.png", p, n, false, id, &err), 0);
    kj_scratch_close(&s);
}

/* ---- the pool ---- */

static pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t opened = PTHREAD_COND_INITIALIZER;
static int open_now, ran;

static void blocked_job(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&gate);
    while (!open_now) pthread_cond_wait(&opened, &gate);
    ran++;
    pthread_mutex_unlock(&gate);
}

TEST(heavy_pool_bounds_running_and_waiting_jobs)
{
    kj_heavy *h = kj_heavy_start(2, 3);
    REQUIRE(h != NULL);
    /* Two workers and three places in the queue: five jobs, the sixth is refused at once. */
    for (int i = 0; i < 5; i++) {
        REQUIRE(kj_heavy_reserve(h) == 0);
        kj_heavy_submit(h, blocked_job, NULL);
    }
    CHECK_INT(kj_heavy_reserve(h), -1);
    kj_heavy_counts c;
    for (int i = 0; i < 200; i++) {                                 /* the workers pick their jobs up */
        kj_heavy_stats(h, &c);
        if (c.running == 2) break;
        usleep(5000);
    }
    CHECK_INT(c.workers, 2);
    CHECK_INT(c.running, 2);
    CHECK_INT(c.queued, 3);
    CHECK_INT(c.refused, 1);
    pthread_mutex_lock(&gate);
    open_now = 1;
    pthread_cond_broadcast(&opened);
    pthread_mutex_unlock(&gate);
    kj_heavy_stop(h);                                               /* runs what is queued, then stops */
    CHECK_INT(ran, 5);
}

static _Atomic int inside, most;

static void *hash_like(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20; i++) {
        kj_hash_gate_enter();
        int now = ++inside;
        if (now > most) most = now;
        usleep(500);
        inside--;
        kj_hash_gate_leave();
    }
    return NULL;
}

TEST(heavy_hash_gate_limits_concurrent_hashes)
{
    kj_hash_gate_set(2);
    pthread_t t[6];
    for (int i = 0; i < 6; i++) pthread_create(&t[i], NULL, hash_like, NULL);
    for (int i = 0; i < 6; i++) pthread_join(t[i], NULL);
    CHECK(most >= 1 && most <= 2);
    kj_hash_gate_set(4);
}

TEST(heavy_anonymous_listing_numbers_redacted)
{
    json_t *l = json_pack("{s:i, s:s, s:s, s:[s], s:s}", "anonymous", 1, "owner_name", "张伟", "ip_type",
                          "invention_patent", "ip_numbers", "202310456789.0", "title", "t");
    kj_listing_redact(l, true);
    CHECK(json_object_get(l, "ip_numbers") != NULL);                /* may see the owner: kept */
    kj_listing_redact(l, false);
    CHECK(json_object_get(l, "ip_numbers") == NULL && json_object_get(l, "owner_name") == NULL);
    CHECK_STR(json_string_value(json_object_get(l, "ip_type")), "invention_patent");
    json_decref(l);
    l = json_pack("{s:i, s:[s]}", "anonymous", 0, "ip_numbers", "202310456789.0");
    kj_listing_redact(l, false);
    CHECK(json_object_get(l, "ip_numbers") != NULL);                /* a named listing's stay public */
    json_decref(l);
}
