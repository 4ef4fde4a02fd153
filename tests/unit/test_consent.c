/*
 * test_consent.c — the consent check read with the session (issue 14 §7):
 * a version in force is accepted only when that very version was
 * accepted. The check once joined "document:version" pairs with commas
 * and searched the string, so a version holding ",terms:V" made terms V
 * look accepted, and a long version was cut to its prefix.
 */
#include "t.h"
#include "scratch.h"
#include "account/account.h"
#include "account/privacy.h"
#include <stdlib.h>
#include <string.h>

static bool needed(kj_db *db, const char *token, const char *terms, const char *privacy)
{
    kj_policy_versions v = { terms, privacy };
    json_t *u = kj_session_user(db, token, &v);
    if (!u) return true;
    bool n = kj_consent_needed_for(u, &v);
    json_decref(u);
    return n;
}

TEST(consent_versions_with_commas_and_colons)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "consent") == 0);
    kj_registration r = { .email = "c@example.cn", .password = "Kj-Test-2026!", .name = "C", .role = "scientist" };
    char id[32], token[80];
    kj_err f = { 0 };
    REQUIRE(kj_account_register(s.db, &r, true, id, &f) == 0);
    REQUIRE(kj_session_create(s.db, id, "web", 3600, NULL, NULL, token) == 0);
    /* Accepted: terms 2026-1 and a privacy version holding ",terms:2028-1". */
    kj_policy_versions old = { "2026-1", "2027,terms:2028-1" };
    REQUIRE(kj_consent_accept(s.db, id, &old, &f) == 0);
    CHECK(!needed(s.db, token, "2026-1", "2027,terms:2028-1"));
    CHECK(!kj_consent_needed(s.db, id, &old));
    /* Terms 2028-1 were never accepted: asked again (was: looked accepted). */
    CHECK(needed(s.db, token, "2028-1", "2027,terms:2028-1"));
    CHECK(needed(s.db, token, "2026-1", "2027"));
    /* Long versions differing only at their end (was: cut at 96 bytes). */
    char a[200], b[200];
    memset(a, 'v', 150);
    a[150] = 0;
    memcpy(b, a, sizeof b);
    a[149] = 'a', b[149] = 'b';
    kj_policy_versions longer = { a, "2027,terms:2028-1" };
    REQUIRE(kj_consent_accept(s.db, id, &longer, &f) == 0);
    CHECK(!needed(s.db, token, a, "2027,terms:2028-1"));
    CHECK(needed(s.db, token, b, "2027,terms:2028-1"));
    /* An empty version asks nothing for that document. */
    CHECK(!needed(s.db, token, "", "2027,terms:2028-1"));
    kj_scratch_close(&s);
}
