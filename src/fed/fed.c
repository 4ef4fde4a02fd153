/*
 * fed.c — this instance's identity and key pair, signed items, peers and
 * the checks on signed requests received (fed.h).
 */
#include "fed/fed.h"
#include "fed/httpsig.h"
#include "fed/fed_int.h"
#include "audit/audit.h"
#include "authz/authz.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/json_util.h"
#include "core/log.h"
#include "instance/instance.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Set once by kj_fed_init before other threads start; read-only after. */
static kj_fed_self self;
static kj_fed_settings settings = { 15000, 300, 600, 2000, 10000 };
static bool self_set;

const kj_fed_self *kj_fed_self_get(void) { return self_set ? &self : NULL; }
const kj_fed_settings *kj_fed_settings_get(void) { return &settings; }

/* The key file holds the 64-byte secret key (seed and public key) in
 * base64 and nothing else; only the server's user may read it. */
static int load_or_create_key(const char *data_dir, char *err, size_t errlen)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/federation.key", data_dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[256] = "";
        bool got = fgets(line, sizeof line, f) != NULL;
        fclose(f);
        line[strcspn(line, "\r\n")] = 0;
        if (!got || kj_b64_decode(line, self.sk, sizeof self.sk) != 64) {
            snprintf(err, errlen, "%s: not a federation key (delete it to make a new one, peers must then be told the new key)", path);
            return -1;
        }
        crypto_sign_ed25519_sk_to_pk(self.pk, self.sk);
        return 0;
    }
    if (errno != ENOENT) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); return -1; }
    crypto_sign_keypair(self.pk, self.sk);
    char b64[128];
    kj_b64_encode(self.sk, sizeof self.sk, b64, sizeof b64);
    /* O_EXCL: two processes starting at once cannot both write a key. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return load_or_create_key(data_dir, err, errlen);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(b64);
    bool ok = write(fd, b64, n) == (ssize_t)n && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok) { snprintf(err, errlen, "%s: cannot write the key", path); unlink(path); return -1; }
    kj_log_info("federation: a new Ed25519 key pair in %s", path);
    return 0;
}

int kj_fed_init(const char *data_dir, const char *instance_id, const kj_fed_settings *s, char *err, size_t errlen)
{
    if (load_or_create_key(data_dir, err, errlen)) return -1;
    snprintf(self.instance_id, sizeof self.instance_id, "%s", instance_id);
    kj_b64_encode(self.pk, sizeof self.pk, self.pk_b64, sizeof self.pk_b64);
    if (s) {
        settings = *s;
        if (settings.sync_ms < 200) settings.sync_ms = 200;
        if (settings.window_s < 10) settings.window_s = 10;
        if (settings.page < 1 || settings.page > 5000) settings.page = 2000;
        if (settings.timeout_ms < 100) settings.timeout_ms = 10000;
    }
    self_set = true;
    return 0;
}

/* ---- signed items ---- */

char *kj_fed_item_canonical(json_t *item)
{
    json_t *copy = json_copy(item);
    json_object_del(copy, "signature");
    char *body = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    if (!body) return NULL;
    kj_buf b = { 0 };
    kj_buf_printf(&b, "kejiyun-item-v1\n%s", body);
    free(body);
    return kj_buf_steal(&b, NULL);
}

int kj_fed_item_sign(json_t *item, const unsigned char sk[64])
{
    char *c = kj_fed_item_canonical(item);
    if (!c) return -1;
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (const unsigned char *)c, strlen(c), sk);
    free(c);
    char b64[128];
    kj_b64_encode(sig, sizeof sig, b64, sizeof b64);
    json_object_set_new(item, "signature", json_string(b64));
    return 0;
}

bool kj_fed_item_verify(json_t *item, const unsigned char pk[32])
{
    unsigned char sig[64];
    if (kj_b64_decode(kj_jstr(item, "signature"), sig, sizeof sig) != 64) return false;
    char *c = kj_fed_item_canonical(item);
    if (!c) return false;
    bool ok = crypto_sign_verify_detached(sig, (const unsigned char *)c, strlen(c), pk) == 0;
    free(c);
    return ok;
}

bool kj_fed_key_decode(const char *b64, unsigned char pk[32])
{
    unsigned char buf[64];
    return b64 && strlen(b64) == 44 && kj_b64_decode(b64, buf, sizeof buf) == 32 && (memcpy(pk, buf, 32), true);
}

/* The kinds a peer's items may be taken as (kinds.c). */
static const char *const *const shared_types = kj_fed_kind_names;

json_t *kj_fed_instance_doc(kj_db *db)
{
    if (!self_set) return NULL;
    char zh[128], en[128], url[256];
    kj_instance_name("zh-CN", zh, sizeof zh);
    kj_instance_name("en", en, sizeof en);
    kj_instance_url(url, sizeof url);
    json_t *shares = kj_fed_offered(db);   /* what the operator chose to share (offer.c) */
    json_t *doc = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:o, s:s, s:s}",
                            "instance_id", self.instance_id, "name", "zh-CN", zh, "en", en,
                            "url", url, "public_key", self.pk_b64, "algorithm", "ed25519", "shares", shares,
                            "protocol", "kejiyun-federation-1", "feed", "/api/v1/federation/feed");
    kj_fed_item_sign(doc, self.sk);
    return doc;
}

/* ---- the refusal log ---- */

void kj_fed_event(kj_db *db, const char *peer_id, const char *kind, const char *detail)
{
    kj_id id = kj_id_new();
    kj_log_error("federation: refused (%s) from peer %s: %s", kind, peer_id ? peer_id : "(unknown)", detail ? detail : "");
    kj_db_exec_optional(db, "federation event log", "INSERT INTO fed_events(id, peer_id, kind, detail, created_at) VALUES (?,?,?,?,?)",
                        "ssssi", id.s, peer_id, kind, detail ? detail : "", kj_now_ms());
}

/* ---- peers ---- */

static int refuse(kj_err *fail, kj_err_kind kind, const char *key, const char *field)
{
    return kj_err_set(fail, kind, key, field);
}

/* A base URL: http(s)://host[:port][/path], no query, no spaces; stored without a trailing slash. */
static bool url_ok(const char *u)
{
    if (!u || strlen(u) > 200) return false;
    if (strncmp(u, "http://", 7) && strncmp(u, "https://", 8)) return false;
    for (const char *p = u; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' || *p == '"' || (unsigned char)*p >= 0x7f) return false;
    const char *host = strstr(u, "://") + 3;
    return *host && *host != '/';
}

int kj_fed_peer_add(kj_db *db, json_t *actor, const char *url, const char *public_key, const char *reason,
                    char *id_out, kj_err *fail)
{
    unsigned char pk[32];
    if (actor && !kj_authz_may_manage_federation(actor)) return refuse(fail, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    if (!url_ok(url)) return refuse(fail, KJ_E_INVALID, "err.fed.url", "url");
    if (kj_fed_url_refused(url)) return refuse(fail, KJ_E_INVALID, "err.fed.url_refused", "url");
    if (!kj_fed_key_decode(public_key, pk)) return refuse(fail, KJ_E_INVALID, "err.fed.key", "public_key");
    if (self_set && !memcmp(pk, self.pk, 32)) return refuse(fail, KJ_E_CONFLICT, "err.fed.own_key", "public_key");
    char base[256];
    snprintf(base, sizeof base, "%s", url);
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/') base[--n] = 0;
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
    /* Every kind is taken from a new peer; its operator may narrow that (kj_fed_peer_kinds). */
    json_t *all = json_array();
    for (const char *const *k = kj_fed_kind_names; *k; k++) json_array_append_new(all, json_string(*k));
    int rc = kj_db_exec(db, "INSERT INTO fed_peers(id, url, public_key, state, accepted_kinds, created_at, updated_at) "
                            "VALUES (?,?,?,'pending',?,?,?)", "sssjii", id.s, base, public_key, all, now, now);
    json_decref(all);
    if (rc == KJ_DB_CONSTRAINT) { kj_db_rollback(db); return refuse(fail, KJ_E_CONFLICT, "err.fed.duplicate", "public_key"); }
    json_t *detail = json_pack("{s:s, s:s}", "url", base, "public_key", public_key);
    if (rc < 0 || kj_audit_write(db, kj_user_id(actor), "fed.peer.add", "fed_peer", id.s, reason ? reason : "", detail) ||
        kj_db_commit(db)) {
        json_decref(detail);
        kj_db_rollback(db);
        return refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
    }
    json_decref(detail);
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

int kj_fed_peer_set(kj_db *db, json_t *actor, const char *peer_id, const char *action, const char *reason,
                    kj_err *fail)
{
    if (actor && !kj_authz_may_manage_federation(actor)) return refuse(fail, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    bool suspend = !strcmp(action, "suspend");
    if (!suspend && strcmp(action, "resume")) return refuse(fail, KJ_E_INVALID, "err.fed.action", "action");
    if (!kj_id_valid(peer_id)) return refuse(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    if (kj_db_begin(db)) return refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
    char *state = kj_db_text(db, "SELECT state FROM fed_peers WHERE id = ?", "s", peer_id);
    int rc = 0;
    if (!state) rc = refuse(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
    else if (suspend == !strcmp(state, "suspended")) rc = refuse(fail, KJ_E_CONFLICT, "err.fed.state", NULL);
    else {
        json_t *detail = json_pack("{s:s, s:s}", "from", state, "to", suspend ? "suspended" : "pending");
        /* Resumed: tried at once, its backoff forgotten. */
        if (kj_db_exec(db, "UPDATE fed_peers SET state = ?, updated_at = ?, failures = 0, next_sync_at = NULL WHERE id = ?", "sis",
                       suspend ? "suspended" : "pending", kj_now_ms(), peer_id) < 0 ||
            kj_audit_write(db, kj_user_id(actor), suspend ? "fed.peer.suspend" : "fed.peer.resume", "fed_peer", peer_id,
                           reason ? reason : "", detail) || kj_db_commit(db))
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
        json_decref(detail);
    }
    free(state);
    if (rc) kj_db_rollback(db);
    return rc;
}

int kj_fed_peer_kinds(kj_db *db, json_t *actor, const char *peer_id, json_t *kinds, kj_err *fail)
{
    if (actor && !kj_authz_may_manage_federation(actor)) return refuse(fail, KJ_E_FORBIDDEN, "err.auth.forbidden", NULL);
    json_t *clean = json_array(), *k;
    size_t i;
    json_array_foreach(kinds, i, k) {
        if (!kj_in_list(shared_types, json_string_value(k))) { json_decref(clean); return refuse(fail, KJ_E_INVALID, "err.fed.kind", "kinds"); }
        json_array_append(clean, k);
    }
    if (!kj_id_valid(peer_id)) { json_decref(clean); return refuse(fail, KJ_E_NOT_FOUND, "err.not_found", NULL); }
    int rc = 0;
    if (kj_db_begin(db)) rc = refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
    else {
        int n = kj_db_exec(db, "UPDATE fed_peers SET accepted_kinds = ?, updated_at = ? WHERE id = ?", "jis", clean, kj_now_ms(), peer_id);
        json_t *detail = json_pack("{s:O}", "kinds", clean);
        if (n == 0) rc = refuse(fail, KJ_E_NOT_FOUND, "err.not_found", NULL);
        else if (n < 0 || kj_audit_write(db, kj_user_id(actor), "fed.peer.kinds", "fed_peer", peer_id, "", detail) || kj_db_commit(db))
            rc = refuse(fail, KJ_E_INTERNAL, "err.internal", NULL);
        json_decref(detail);
        if (rc) kj_db_rollback(db);
    }
    json_decref(clean);
    return rc;
}

#define PEER_COLUMNS "id, url, public_key, instance_id, name_zh, name_en, state, accepted_kinds AS accepted_kinds__json, " \
                     "cursor, proxy_user_id, items, last_sync_at, last_ok_at, last_error, failures, next_sync_at, created_at, updated_at"

json_t *kj_fed_peer_get(kj_db *db, const char *peer_id)
{
    return kj_id_valid(peer_id) ? kj_db_row(db, "SELECT " PEER_COLUMNS " FROM fed_peers WHERE id = ?", "s", peer_id) : NULL;
}

json_t *kj_fed_peers(kj_db *db)
{
    json_t *rows = kj_db_rows(db, "SELECT " PEER_COLUMNS " FROM fed_peers ORDER BY created_at", "");
    if (!rows) return NULL;
    size_t i;
    json_t *p;
    json_array_foreach(rows, i, p) {
        json_t *ev = kj_db_rows(db, "SELECT kind, detail, created_at FROM fed_events WHERE peer_id = ? "
                                    "ORDER BY created_at DESC, id DESC LIMIT 10", "s", kj_jstr(p, "id"));
        json_object_set_new(p, "errors", ev ? ev : json_array());
        json_object_set_new(p, "hidden_items", json_integer(kj_db_int(db, 0, "SELECT count(*) FROM fed_items WHERE peer_id = ? AND hidden = 1",
                                                                      "s", kj_jstr(p, "id"))));
    }
    return rows;
}

json_t *kj_fed_peer_names(kj_db *db, const char *lang)
{
    bool en = lang && !strcmp(lang, "en");
    json_t *rows = kj_db_rows(db, "SELECT instance_id, name_zh, name_en, url FROM fed_peers WHERE instance_id IS NOT NULL "
                                  "ORDER BY name_zh, instance_id", "");
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *name = en && *kj_jstr_or_empty(r, "name_en") ? kj_jstr(r, "name_en") : kj_jstr_or_empty(r, "name_zh");
        json_array_append_new(out, json_pack("{s:s, s:s}", "instance_id", kj_jstr(r, "instance_id"),
                                             "name", *name ? name : kj_jstr_or_empty(r, "url")));
    }
    json_decref(rows);
    return out;
}

/* The origin object of a peer's item from its fed_peers row p (NULL: a
 * peer not, or no longer, known here: named by its id). */
static json_t *peer_origin(const char *origin, json_t *p, bool en)
{
    const char *name = p ? (en && *kj_jstr_or_empty(p, "name_en") ? kj_jstr(p, "name_en") : kj_jstr(p, "name_zh")) : NULL;
    return json_pack("{s:s, s:s, s:s, s:b}", "instance_id", origin, "name", name && *name ? name : origin,
                     "url", p ? kj_jstr_or_empty(p, "url") : "", "local", 0);
}

static bool origin_is_local(const char *origin)
{
    return !origin || !self_set || !strcmp(origin, self.instance_id);
}

static json_t *local_origin(const char *origin, const char *lang)
{
    char name[128], url[256];
    return json_pack("{s:s?, s:s, s:s, s:b}", "instance_id", origin, "name", kj_instance_name(lang ? lang : "zh-CN", name, sizeof name),
                     "url", kj_instance_url(url, sizeof url), "local", 1);
}

json_t *kj_fed_origin(kj_db *db, const char *origin, const char *lang)
{
    if (origin_is_local(origin)) return local_origin(origin, lang);
    json_t *p = kj_db_row(db, "SELECT url, name_zh, name_en FROM fed_peers WHERE instance_id = ?", "s", origin);
    json_t *o = peer_origin(origin, p, lang && !strcmp(lang, "en"));
    json_decref(p);
    return o;
}

json_t *kj_fed_origin_book(kj_db *db)
{
    return kj_rows_index(json_object(), kj_db_rows(db, "SELECT instance_id, url, name_zh, name_en FROM fed_peers WHERE instance_id IS NOT NULL", ""),
                         "instance_id");
}

json_t *kj_fed_origin_in(kj_db *db, json_t **book, const char *origin, const char *lang)
{
    if (origin_is_local(origin)) return local_origin(origin, lang);
    if (!*book) *book = kj_fed_origin_book(db);
    return peer_origin(origin, json_object_get(*book, origin), lang && !strcmp(lang, "en"));
}

/* ---- per-peer rate limit ----
 * A fixed one-minute window per peer, in memory (a restart forgives):
 * guarded by rate_lock. At most RATE_SLOTS peers are tracked; more share
 * the last slot (a deployment has a handful of peers). */
#define RATE_SLOTS 64
static struct { char peer[32]; int64_t window; int count; } rate[RATE_SLOTS];
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;

static bool rate_ok(const char *peer_id, int64_t now_s)
{
    pthread_mutex_lock(&rate_lock);
    int slot = RATE_SLOTS - 1;
    for (int i = 0; i < RATE_SLOTS; i++) {
        if (!strcmp(rate[i].peer, peer_id)) { slot = i; break; }
        if (!*rate[i].peer) { snprintf(rate[i].peer, sizeof rate[i].peer, "%s", peer_id); slot = i; break; }
    }
    int64_t w = now_s / 60;
    if (rate[slot].window != w) { rate[slot].window = w; rate[slot].count = 0; }
    bool ok = ++rate[slot].count <= settings.rate_per_min;
    pthread_mutex_unlock(&rate_lock);
    return ok;
}

/* ---- nonces of signed reads, in memory ----
 * A signed GET (a feed page) changes nothing: its nonce is remembered in
 * this process only, so that serving a feed page writes nothing and never
 * waits for the database's write lock (behind the match queue's
 * transactions, that wait made a 100,000-listing harvest crawl). A replay
 * is refused by this node; replayed at another node of a several-node
 * deployment it would get a public feed page its signer may read anyway
 * (and counts against the peer's rate). A POST (the inbox, which writes)
 * keeps its nonce in the database, refused on every node.
 * Open addressing over NONCE_SLOTS, guarded by nonce_lock; an entry is
 * free once expired. When the table is too full of live nonces, the
 * database is used instead (never a nonce forgotten early). */
#define NONCE_SLOTS 16384
typedef struct { uint64_t h; int64_t expires_ms; } nonce_slot;
static nonce_slot nonces[NONCE_SLOTS];
static int nonce_live;
static pthread_mutex_t nonce_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t nonce_hash(const char *peer_id, const char *nonce)
{
    unsigned char h[8];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)peer_id, strlen(peer_id) + 1);
    crypto_generichash_update(&st, (const unsigned char *)nonce, strlen(nonce));
    crypto_generichash_final(&st, h, sizeof h);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return v ? v : 1;
}

/* 1 taken (first use), 0 seen before, -1 no room (use the database). */
static int nonce_take_memory(const char *peer_id, const char *nonce, int64_t expires_ms, int64_t now_ms)
{
    uint64_t h = nonce_hash(peer_id, nonce);
    pthread_mutex_lock(&nonce_lock);
    if (nonce_live > NONCE_SLOTS * 3 / 4) {
        /* Forget the expired ones: the live ones are put in again, so that
         * no probe chain is cut by an emptied slot. */
        static nonce_slot keep[NONCE_SLOTS];   /* under nonce_lock */
        int n = 0;
        for (int i = 0; i < NONCE_SLOTS; i++)
            if (nonces[i].h && nonces[i].expires_ms >= now_ms) keep[n++] = nonces[i];
        memset(nonces, 0, sizeof nonces);
        for (int k = 0; k < n; k++) {
            size_t i = keep[k].h % NONCE_SLOTS;
            while (nonces[i].h) i = (i + 1) % NONCE_SLOTS;
            nonces[i].h = keep[k].h;
            nonces[i].expires_ms = keep[k].expires_ms;
        }
        nonce_live = n;
    }
    int rc = -1;
    if (nonce_live <= NONCE_SLOTS * 3 / 4) {
        /* Linear probing; expired entries stay until the sweep above. */
        for (size_t i = h % NONCE_SLOTS, n = 0; n < NONCE_SLOTS; i = (i + 1) % NONCE_SLOTS, n++) {
            if (nonces[i].h == h) { rc = nonces[i].expires_ms >= now_ms ? 0 : 1; if (rc) nonces[i].expires_ms = expires_ms; break; }
            if (!nonces[i].h) { nonces[i].h = h; nonces[i].expires_ms = expires_ms; nonce_live++; rc = 1; break; }
        }
    }
    pthread_mutex_unlock(&nonce_lock);
    return rc;
}

/* ---- signed requests received ---- */

json_t *kj_fed_check_request(kj_db *db, const kj_fed_request *r, kj_err *fail)
{
    kj_httpsig s;
    const char *why = NULL;
    if (kj_httpsig_parse(r->signature_input, r->signature, &s, &why)) {
        kj_fed_event(db, NULL, "bad_signature", why);
        refuse(fail, KJ_E_FORBIDDEN, "err.fed.signature", NULL);
        return NULL;
    }
    json_t *peer = kj_db_row(db, "SELECT " PEER_COLUMNS " FROM fed_peers WHERE public_key = ?", "s", s.keyid);
    if (!peer) {
        kj_fed_event(db, NULL, "unknown_key", s.keyid);
        refuse(fail, KJ_E_FORBIDDEN, "err.fed.unknown_peer", NULL);
        return NULL;
    }
    const char *pid = kj_jstr(peer, "id");
    unsigned char pk[32];
    int64_t now = kj_now_ms() / 1000;
    char detail[256];
    const char *kind = NULL;
    kj_err_kind ek = KJ_E_FORBIDDEN;
    const char *key = "err.fed.signature";
    bool body = r->body_len > 0;
    if (!strcmp(kj_jstr_or_empty(peer, "state"), "suspended")) { kind = "suspended"; key = "err.fed.suspended"; snprintf(detail, sizeof detail, "peer suspended"); }
    else if (!kj_fed_key_decode(s.keyid, pk)) { kind = "bad_key"; snprintf(detail, sizeof detail, "stored key unreadable"); }
    else if (!kj_httpsig_covers(&s, "@method") || !kj_httpsig_covers(&s, "@target-uri") ||
             (body && !kj_httpsig_covers(&s, "content-digest"))) {
        kind = "bad_signature"; snprintf(detail, sizeof detail, "required components not covered");
    } else if (!kj_httpsig_verify(&s, r->method, r->target_uri, r->content_digest, pk) &&
               !(r->alt_target_uri && kj_httpsig_verify(&s, r->method, r->alt_target_uri, r->content_digest, pk))) {
        kind = "forged_signature"; snprintf(detail, sizeof detail, "signature does not verify over %s %s", r->method, r->target_uri);
    } else if (s.created < 0 || s.expires < 0 || !*s.nonce) {
        kind = "bad_signature"; ek = KJ_E_BAD_REQUEST; key = "err.fed.stale";
        snprintf(detail, sizeof detail, "created, expires and nonce are required");
    } else if (s.created > now + 30 || s.created < now - settings.window_s || s.expires <= now ||
               s.expires - s.created > settings.window_s) {
        kind = "stale"; ek = KJ_E_BAD_REQUEST; key = "err.fed.stale";
        snprintf(detail, sizeof detail, "created %lld, expires %lld, now %lld", (long long)s.created, (long long)s.expires, (long long)now);
    } else if (body) {
        char *d = kj_content_digest(r->body, r->body_len);
        if (!r->content_digest || strcmp(d, r->content_digest)) {
            kind = "bad_digest"; snprintf(detail, sizeof detail, "content-digest does not match the body");
        }
        free(d);
    }
    if (!kind && !rate_ok(pid, now)) {
        kind = "rate_limited"; ek = KJ_E_LIMITED; key = "err.fed.rate";
        snprintf(detail, sizeof detail, "over %d requests a minute", settings.rate_per_min);
    }
    int mem = -1;
    if (!kind && !strcmp(r->method, "GET")) {
        mem = nonce_take_memory(pid, s.nonce, (s.expires + 60) * 1000, kj_now_ms());
        if (mem == 0) { kind = "replayed"; ek = KJ_E_CONFLICT; key = "err.fed.replayed"; snprintf(detail, sizeof detail, "nonce %s seen before", s.nonce); }
    }
    if (!kind && mem < 0) {
        /* The nonce: single use while the signature is valid. Expired ones go first. */
        int64_t now_ms = kj_now_ms();
        if (kj_db_exec(db, "DELETE FROM fed_nonces WHERE expires_at < ?", "i", now_ms) < 0) {
            kind = "internal"; ek = KJ_E_INTERNAL; key = "err.internal"; snprintf(detail, sizeof detail, "nonce store");
        } else {
            int n = kj_db_exec(db, "INSERT INTO fed_nonces(peer_id, nonce, expires_at) VALUES (?,?,?) ON CONFLICT (peer_id, nonce) DO NOTHING",
                               "ssi", pid, s.nonce, (s.expires + 60) * 1000);
            if (n < 0) { kind = "internal"; ek = KJ_E_INTERNAL; key = "err.internal"; snprintf(detail, sizeof detail, "nonce store"); }
            else if (n == 0) { kind = "replayed"; ek = KJ_E_CONFLICT; key = "err.fed.replayed"; snprintf(detail, sizeof detail, "nonce %s seen before", s.nonce); }
        }
    }
    if (kind) {
        kj_fed_event(db, pid, kind, detail);
        json_decref(peer);
        refuse(fail, ek, key, NULL);
        return NULL;
    }
    return peer;
}
