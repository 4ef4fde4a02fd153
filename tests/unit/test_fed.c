/*
 * test_fed.c — federation's signatures (issue 17 §2): the RFC 9421
 * signature base, signing and verifying requests, Content-Digest, and the
 * signed items of the change feed.
 */
#include "t.h"
#include "fed/fed.h"
#include "fed/httpsig.h"
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
