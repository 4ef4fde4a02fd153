/*
 * test_fed.c — federation's signatures (issue 17 §2): the RFC 9421
 * signature base, signing and verifying requests, Content-Digest, and the
 * signed items of the change feed.
 */
#include "t.h"
#include "fed/fed.h"
#include "fed/httpsig.h"
#include "challenge/challenge.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "store/store.h"
#include <stdio.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void keypair(unsigned char pk[32], unsigned char sk[64], unsigned char seed_byte)
{
    unsigned char seed[32];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
}

TEST(fed_content_digest_is_rfc9530)
{
    /* SHA-256 of the empty string and of "hello", base64. */
    char *d = kj_content_digest("", 0);
    CHECK_STR(d, "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
    free(d);
    d = kj_content_digest("hello", 5);
    CHECK_STR(d, "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:");
    free(d);
}

TEST(fed_signature_base_is_rfc9421)
{
    unsigned char pk[32], sk[64];
    keypair(pk, sk, 7);
    kj_httpsig_headers h;
    const char *body = "{\"type\":\"eoi\"}";
    REQUIRE(kj_httpsig_sign("POST", "https://b.example/api/v1/federation/inbox", body, strlen(body), "KEY", sk,
                            1700000000, 1700000060, "n0nce", &h) == 0);
    CHECK_STR(h.signature_input, "kj=(\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;expires=1700000060;"
                                 "nonce=\"n0nce\";keyid=\"KEY\";alg=\"ed25519\"");
    kj_httpsig s;
    const char *why = NULL;
    REQUIRE(kj_httpsig_parse(h.signature_input, h.signature, &s, &why) == 0);
    CHECK_STR(s.label, "kj");
    CHECK_INT(s.ncomponents, 3);
    CHECK_INT(s.created, 1700000000);
    CHECK_INT(s.expires, 1700000060);
    CHECK_STR(s.nonce, "n0nce");
    CHECK_STR(s.keyid, "KEY");
    char *base = kj_httpsig_base(&s, "POST", "https://b.example/api/v1/federation/inbox", h.content_digest);
    char expect[1024];
    snprintf(expect, sizeof expect,
             "\"@method\": POST\n"
             "\"@target-uri\": https://b.example/api/v1/federation/inbox\n"
             "\"content-digest\": %s\n"
             "\"@signature-params\": (\"@method\" \"@target-uri\" \"content-digest\");created=1700000000;expires=1700000060;"
             "nonce=\"n0nce\";keyid=\"KEY\";alg=\"ed25519\"", h.content_digest);
    CHECK_STR(base, expect);
    /* The signature is Ed25519 over exactly that base. */
    CHECK(crypto_sign_verify_detached(s.sig, (const unsigned char *)base, strlen(base), pk) == 0);
    free(base);
    CHECK(kj_httpsig_verify(&s, "POST", "https://b.example/api/v1/federation/inbox", h.content_digest, pk));
    kj_httpsig_headers_free(&h);
}

TEST(fed_signature_refuses_changes)
{
    unsigned char pk[32], sk[64], pk2[32], sk2[64];
    keypair(pk, sk, 1);
    keypair(pk2, sk2, 2);
    kj_httpsig_headers h;
    REQUIRE(kj_httpsig_sign("GET", "http://a.example/api/v1/federation/feed?cursor=&limit=10", NULL, 0, "K", sk, 100, 160, "n", &h) == 0);
    CHECK(h.content_digest == NULL);
    kj_httpsig s;
    const char *why;
    REQUIRE(kj_httpsig_parse(h.signature_input, h.signature, &s, &why) == 0);
    CHECK(kj_httpsig_verify(&s, "GET", "http://a.example/api/v1/federation/feed?cursor=&limit=10", NULL, pk));
    CHECK(!kj_httpsig_verify(&s, "POST", "http://a.example/api/v1/federation/feed?cursor=&limit=10", NULL, pk));
    CHECK(!kj_httpsig_verify(&s, "GET", "http://a.example/api/v1/federation/feed?cursor=&limit=11", NULL, pk));
    CHECK(!kj_httpsig_verify(&s, "GET", "http://a.example/api/v1/federation/feed?cursor=&limit=10", NULL, pk2));
    /* A value with a line break cannot smuggle another base line. */
    CHECK(!kj_httpsig_verify(&s, "GET\n\"@target-uri\": x", "http://a.example/", NULL, pk));
    /* Changed parameters (a later expiry) break the signature. */
    char *longer = strdup(h.signature_input);
    char *at = strstr(longer, "expires=160");
    REQUIRE(at);
    at[9] = '9';
    kj_httpsig s2;
    REQUIRE(kj_httpsig_parse(longer, h.signature, &s2, &why) == 0);
    CHECK_INT(s2.expires, 190);
    CHECK(!kj_httpsig_verify(&s2, "GET", "http://a.example/api/v1/federation/feed?cursor=&limit=10", NULL, pk));
    free(longer);
    kj_httpsig_headers_free(&h);
}

TEST(fed_signature_parse_refuses_malformed)
{
    kj_httpsig s;
    const char *why = NULL;
    CHECK(kj_httpsig_parse(NULL, "kj=:AA==:", &s, &why) == -1);
    CHECK(kj_httpsig_parse("kj=(\"@method\"", "kj=:AA==:", &s, &why) == -1);
    CHECK(kj_httpsig_parse("kj=(\"@method\");created=x", "kj=:AA==:", &s, &why) == -1);
    CHECK(kj_httpsig_parse("kj=(\"@method\");bogus=1", "kj=:AA==:", &s, &why) == -1);
    /* A signature of the wrong length, or for another label. */
    CHECK(kj_httpsig_parse("kj=(\"@method\");created=1", "kj=:AA==:", &s, &why) == -1);
    CHECK(kj_httpsig_parse("kj=(\"@method\");created=1", "other=:AA==:", &s, &why) == -1);
    CHECK(why != NULL);
}

TEST(fed_items_signed_over_canonical_form)
{
    unsigned char pk[32], sk[64], pk2[32], sk2[64];
    keypair(pk, sk, 3);
    keypair(pk2, sk2, 4);
    json_t *item = json_pack("{s:s, s:s, s:s, s:I, s:b, s:{s:s, s:s, s:i}}", "type", "listing", "origin", "01J0000000000000000000000A",
                             "id", "01J0000000000000000000000B", "version", (json_int_t)1700000000123LL, "deleted", 0,
                             "data", "title", "高原光伏运维", "kind", "achievement", "trl", 5);
    /* Keys sorted at every level, compact, UTF-8 as is. */
    char *c = kj_fed_item_canonical(item);
    CHECK_STR(c, "kejiyun-item-v1\n{\"data\":{\"kind\":\"achievement\",\"title\":\"高原光伏运维\",\"trl\":5},\"deleted\":false,"
                 "\"id\":\"01J0000000000000000000000B\",\"origin\":\"01J0000000000000000000000A\",\"type\":\"listing\","
                 "\"version\":1700000000123}");
    free(c);
    REQUIRE(kj_fed_item_sign(item, sk) == 0);
    CHECK(kj_fed_item_verify(item, pk));
    CHECK(!kj_fed_item_verify(item, pk2));
    /* The same item parsed back from its JSON still verifies. */
    char *text = json_dumps(item, JSON_COMPACT);
    json_t *back = json_loads(text, 0, NULL);
    CHECK(kj_fed_item_verify(back, pk));
    /* Tampered: content, version, origin. */
    json_object_set_new(json_object_get(back, "data"), "title", json_string("别的标题"));
    CHECK(!kj_fed_item_verify(back, pk));
    json_decref(back);
    back = json_loads(text, 0, NULL);
    json_object_set_new(back, "origin", json_string("01J0000000000000000000000C"));
    CHECK(!kj_fed_item_verify(back, pk));
    json_decref(back);
    free(text);
    json_decref(item);
    unsigned char dec[32];
    char b64[64];
    kj_b64_encode(pk, 32, b64, sizeof b64);
    CHECK(kj_fed_key_decode(b64, dec) && !memcmp(dec, pk, 32));
    CHECK(!kj_fed_key_decode("abc", dec));
}

/* The feed of 揭榜 (kinds.c): a published entry is served with its public
 * fields only; once its applications close it is served as deleted, so
 * that peers withdraw their copy. */
TEST(fed_feed_serves_closed_challenge_as_deleted)
{
    char dir[] = "/tmp/kj-fedfeed-XXXXXX", path[64], err[200], cmd[512];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.db", dir);
    snprintf(cmd, sizeof cmd, "mkdir %s/m && cp migrations/sqlite/00[123]_*.sql migrations/sqlite/008_challenge.sql "
             "migrations/sqlite/010_popsci.sql migrations/sqlite/014_popsci_more.sql migrations/sqlite/018_org_membership.sql "
             "migrations/sqlite/026_org_verification.sql migrations/sqlite/036_federation.sql migrations/sqlite/046_fed17.sql %s/m/",
             dir, dir);
    REQUIRE(system(cmd) == 0);
    char mdir[64];
    snprintf(mdir, sizeof mdir, "%s/m", dir);
    kj_store *store = kj_store_open(&kj_sqlite_backend, path, 1, NULL, NULL, err, sizeof err);
    REQUIRE(store);
    REQUIRE(kj_store_migrate(store, mdir, err, sizeof err) >= 0);
    kj_db *db = kj_store_acquire(store);
    /* The instance id the domains write as origin (meta, kj_instance_id). */
    kj_id me = kj_id_new();
    char *have = kj_db_text(db, "SELECT value FROM meta WHERE key = 'instance_id'", "");
    if (have) { snprintf(me.s, sizeof me.s, "%s", have); free(have); }
    else REQUIRE(kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('instance_id', ?)", "s", me.s) == 1);
    REQUIRE(kj_fed_init(dir, me.s, NULL, err, sizeof err) == 0);
    kj_id uid = kj_id_new(), aid = kj_id_new(), lid = kj_id_new();
    REQUIRE(kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, created_at, updated_at) "
                       "VALUES (?, ?, 'sci@example.cn', '科学家', '-', 'scientist', 0, 0)", "ss", uid.s, me.s) == 1);
    REQUIRE(kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, created_at, updated_at) "
                       "VALUES (?, ?, 'admin@example.cn', '管理员', '-', 'admin', 0, 0)", "ss", aid.s, me.s) == 1);
    REQUIRE(kj_db_exec(db, "INSERT INTO challenge_lists(id, origin, title, period_start, period_end, created_by, created_at) "
                       "VALUES (?, ?, '测试榜单', '2026-01-01', '2026-12-31', ?, 0)", "sss", lid.s, me.s, aid.s) == 1);
    json_t *sci = json_pack("{s:s, s:s}", "id", uid.s, "role", "scientist");
    json_t *admin = json_pack("{s:s, s:s}", "id", aid.s, "role", "admin");
    char deadline[16], id[KJ_ID_LEN + 1];
    kj_format_date(kj_now_ms() + 5 * 86400000LL, deadline, sizeof deadline);
    json_t *in = json_pack("{s:s, s:s, s:s, s:[{s:s, s:s, s:s}], s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                           "direction", "market_wanted", "title", "成果找市场测试", "problem", "一项需要找到应用市场的成果说明。",
                           "indicators", "name", "效率", "target", "90%", "verification", "检测报告",
                           "deliverables", "样品", "bounty", "10", "payment_terms", "一次性", "task_period", "6 个月",
                           "ip_terms", "transfer", "deadline", deadline, "contact", "科学家 13800000000");
    kj_err e = { 0 };
    REQUIRE(kj_challenge_create(db, sci, lid.s, in, id, &e) == 0);
    kj_clock_set_offset(3000);   /* past the feed's settling time */
    json_t *page = kj_fed_feed(db, "challenge", "", 10);
    REQUIRE(page);
    CHECK_INT((long long)json_array_size(json_object_get(page, "items")), 0);   /* submitted: never shared */
    json_t *none = json_object();
    REQUIRE(kj_challenge_act(db, admin, id, "approve", none, &e) == 0);
    kj_clock_set_offset(6000);
    json_t *page2 = kj_fed_feed(db, "challenge", json_string_value(json_object_get(page, "next_cursor")), 10);
    REQUIRE(page2);
    json_t *it = json_array_get(json_object_get(page2, "items"), 0);
    REQUIRE(it);
    CHECK_STR(json_string_value(json_object_get(it, "id")), id);
    CHECK(json_is_false(json_object_get(it, "deleted")));
    json_t *data = json_object_get(it, "data");
    CHECK_STR(json_string_value(json_object_get(data, "list_title")), "测试榜单");
    CHECK(json_object_get(data, "contact") == NULL);
    CHECK(kj_fed_item_verify(it, kj_fed_self_get()->pk));
    kj_clock_set_offset(6 * 86400000LL);
    CHECK_INT(kj_challenge_tick(db), 1);
    kj_clock_set_offset(6 * 86400000LL + 3000);
    json_t *page3 = kj_fed_feed(db, "challenge", json_string_value(json_object_get(page2, "next_cursor")), 10);
    REQUIRE(page3);
    it = json_array_get(json_object_get(page3, "items"), 0);
    REQUIRE(it);
    CHECK_STR(json_string_value(json_object_get(it, "id")), id);
    CHECK(json_is_true(json_object_get(it, "deleted")));
    CHECK(json_object_get(it, "data") == NULL);
    CHECK(kj_fed_feed(db, "bogus", "", 10) == NULL);
    /* What is offered (offer.c): every kind until chosen; a stored choice
     * keeps the kinds this version knows, in their order. */
    json_t *offered = kj_fed_offered(db);
    CHECK_INT((long long)json_array_size(offered), 4);
    json_decref(offered);
    CHECK(kj_fed_offers(db, "challenge") && kj_fed_offers(db, NULL));
    REQUIRE(kj_db_exec(db, "INSERT INTO meta(key, value) VALUES ('fed_shares', '[\"popsci\",\"bogus\",\"listing\"]')", "") == 1);
    offered = kj_fed_offered(db);
    CHECK_INT((long long)json_array_size(offered), 2);
    CHECK_STR(json_string_value(json_array_get(offered, 0)), "listing");
    CHECK_STR(json_string_value(json_array_get(offered, 1)), "popsci");
    json_decref(offered);
    CHECK(!kj_fed_offers(db, "challenge") && !kj_fed_offers(db, "studio") && kj_fed_offers(db, "") && kj_fed_offers(db, "popsci"));
    json_t *doc = kj_fed_instance_doc(db);
    CHECK_INT((long long)json_array_size(json_object_get(doc, "shares")), 2);
    CHECK(kj_fed_item_verify(doc, kj_fed_self_get()->pk));
    json_decref(doc);
    kj_clock_set_offset(0);
    json_decref(page);
    json_decref(page2);
    json_decref(page3);
    json_decref(none);
    json_decref(in);
    json_decref(sci);
    json_decref(admin);
    kj_store_release(store, db);
    kj_store_close(store);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}
