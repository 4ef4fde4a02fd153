/*
 * test_account_security.c — the password policy (libzxcvbn with pinyin
 * and the account's own words) and the User-Agent summary.
 */
#include "t.h"
#include "account/account.h"
#include "account/security.h"
#include <stdlib.h>
#include <time.h>

TEST(password_policy_refuses_guessable)
{
    static const char *weak[] = { "password1", "Qwerty123", "12345678a", "woaini520", "woaini1314", "P@ssw0rd",
                                  "zhangwei123", "abcdefgh12", "iloveyou1", "aaaaaaaa1", "first password", NULL };
    for (const char **p = weak; *p; p++) {
        const char *why = kj_password_problem(*p);
        if (!why || strcmp(why, "err.password.weak")) fprintf(stderr, "  accepted or wrong reason: %s\n", *p);
        CHECK(why && !strcmp(why, "err.password.weak"));
    }
    CHECK_STR(kj_password_problem("1234567"), "err.password.short");
    CHECK_STR(kj_password_problem("123456789012"), "err.password.digits");
}

TEST(password_policy_accepts_demo_style)
{
    static const char *ok[] = { "Demo-2026!", "Admin-2026!", "Operator-2026!", "Kj-Test-2026!", "correct horse 1",
                                "long enough pw", "durable pw 1", "Browser-Test-2026!", NULL };
    for (const char **p = ok; *p; p++) {
        const char *why = kj_password_problem(*p);
        if (why) fprintf(stderr, "  refused: %s (%s)\n", *p, why);
        CHECK(why == NULL);
    }
}

TEST(password_policy_knows_the_account)
{
    CHECK(kj_password_problem("Lixiaoming-88") == NULL);
    CHECK_STR(kj_password_problem_for("Lixiaoming-88", "lixiaoming@example.cn", "Li Xiaoming"), "err.password.weak");
}

TEST(password_check_is_fast)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 200; i++) (void)kj_password_problem("woaini520");
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6) / 200;
    fprintf(stderr, "  password check: %.3f ms\n", ms);
    CHECK(ms < 5);   /* ~0.01 ms in a release build; generous for sanitizers */
}

TEST(user_agent_summary)
{
    char out[64];
    kj_user_agent_summary("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/120.0 Safari/537.36 Edg/120.0", out, sizeof out);
    CHECK_STR(out, "Edge · Windows");
    kj_user_agent_summary("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 "
                          "Mobile/15E148 Safari/604.1", out, sizeof out);
    CHECK_STR(out, "Safari · iPhone");
    kj_user_agent_summary("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", out, sizeof out);
    CHECK_STR(out, "Firefox · Linux");
    kj_user_agent_summary("curl/7.88.1", out, sizeof out);
    CHECK_STR(out, "curl");
    kj_user_agent_summary("", out, sizeof out);
    CHECK_STR(out, "");
    kj_user_agent_summary(NULL, out, sizeof out);
    CHECK_STR(out, "");
}

#include "scratch.h"
#include "core/clock.h"

/* Self-registered accounts start unverified; command-line (and demo)
 * accounts verified. A link verifies once, and not after 48 hours. */
TEST(email_verification_states)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "verify") == 0);
    kj_registration cli = { .email = "cli@example.cn", .password = "Kj-Test-2026!", .name = "CLI", .role = "admin" };
    kj_registration self = { .email = "self@example.cn", .password = "Kj-Test-2026!", .name = "Self", .role = "scientist" };
    char a[32], b[32];
    kj_err f = { 0 };
    REQUIRE(kj_account_register(s.db, &cli, true, a, &f) == 0);
    REQUIRE(kj_account_signup(s.db, &self, &f) == 0);
    char *bid = kj_db_text(s.db, "SELECT id FROM users WHERE email = 'self@example.cn'", "");
    REQUIRE(bid);
    snprintf(b, sizeof b, "%s", bid);
    free(bid);
    CHECK(kj_account_email_verified(s.db, a));
    CHECK(!kj_account_email_verified(s.db, b));
    CHECK(!kj_account_email_verified(s.db, "no such user"));
    CHECK_INT(kj_email_verify(s.db, "not-a-token"), KJ_VERIFY_UNKNOWN);
    CHECK_INT(kj_email_verification_resend(s.db, b), KJ_RESEND_TOO_SOON);
    kj_clock_set_offset(KJ_VERIFY_RESEND_MS + 1000);
    CHECK_INT(kj_email_verification_resend(s.db, b), KJ_RESEND_SENT);
    CHECK_INT(kj_email_verification_resend(s.db, a), KJ_RESEND_ALREADY);
    kj_clock_set_offset(0);
    /* Signing up again with a taken address changes nothing and succeeds. */
    CHECK(kj_account_signup(s.db, &self, &f) == 0);
    CHECK_INT(kj_db_int(s.db, 0, "SELECT count(*) FROM users WHERE email = 'self@example.cn'", ""), 1);
    CHECK_INT(kj_db_int(s.db, 0, "SELECT count(*) FROM mail_queue WHERE category = 'account.signup_again'", ""), 1);
    kj_scratch_close(&s);
}
