/*
 * test_security_review.c — the pure rules of the security review (sec):
 * where a ?next= redirect may go (core/validate.h kj_local_path), which
 * addresses a peer URL may never reach (fed/netguard.c), and the
 * per-address hourly limit (account/address_limit.c) on a scratch store.
 */
#include "t.h"
#include "scratch.h"
#include "core/validate.h"
#include "core/clock.h"
#include "fed/fed.h"
#include "account/security.h"
#include "market/attach.h"
#include "core/ratelimit.h"
#include <stdio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

TEST(local_path_keeps_paths_on_this_site)
{
    CHECK_STR(kj_local_path("/dashboard", "D"), "/dashboard");
    CHECK_STR(kj_local_path("/listings?kind=demand&page=2#x", "D"), "/listings?kind=demand&page=2#x");
    CHECK_STR(kj_local_path("/..//evil.example", "D"), "/..//evil.example");   /* a path of this host */
    static const char *const away[] = {
        "//evil.example/", "/\\evil.example", "/\\/evil.example", "\\/evil.example", "https://evil.example/",
        "javascript:alert(1)", "/\t/evil.example", "/\r\n/evil.example", "/\n/evil.example", "/\x7f/x",
        "/x\\y", "evil.example", "", NULL,
    };
    for (int i = 0; away[i]; i++) {
        if (strcmp(kj_local_path(away[i], "D"), "D")) fprintf(stderr, "  accepted: %s\n", away[i]);
        CHECK_STR(kj_local_path(away[i], "D"), "D");
    }
    CHECK(kj_local_path(NULL, NULL) == NULL);
    char long_path[1100];
    memset(long_path, 'a', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[sizeof long_path - 1] = 0;
    CHECK_STR(kj_local_path(long_path, "D"), "D");
}

static bool v4(const char *a)
{
    struct sockaddr_in s = { .sin_family = AF_INET };
    inet_pton(AF_INET, a, &s.sin_addr);
    return kj_fed_addr_refused((struct sockaddr *)&s);
}

static bool v6(const char *a)
{
    struct sockaddr_in6 s = { .sin6_family = AF_INET6 };
    inet_pton(AF_INET6, a, &s.sin6_addr);
    return kj_fed_addr_refused((struct sockaddr *)&s);
}

TEST(fed_addresses_never_reached)
{
    CHECK(v4("169.254.169.254") && v4("169.254.0.23") && v4("100.100.100.200") && v4("0.0.0.0") && v4("0.1.2.3"));
    CHECK(v4("224.0.0.1") && v4("239.255.255.250") && v4("255.255.255.255"));
    CHECK(!v4("127.0.0.1") && !v4("10.1.2.3") && !v4("192.168.1.10") && !v4("172.16.0.5") && !v4("100.100.100.201"));
    CHECK(!v4("202.96.134.133") && !v4("100.64.0.1"));
    CHECK(v6("::") && v6("fe80::1") && v6("febf::1") && v6("ff02::1") && v6("fd00:ec2::254") && v6("::ffff:169.254.169.254"));
    CHECK(!v6("::1") && !v6("2001:db8::1") && !v6("fd00::1") && !v6("::ffff:127.0.0.1") && !v6("fec0::1"));
    CHECK(kj_fed_addr_refused(NULL));
}

TEST(fed_urls_with_refused_literals)
{
    static const char *const refused[] = {
        "http://169.254.169.254", "http://169.254.169.254/latest/meta-data", "https://169.254.169.254:8443/",
        "http://2852039166/", "http://0xA9FEA9FE/", "http://0251.0376.0251.0376/", "http://169.254.169.254./",
        "http://user:pw@169.254.169.254/", "http://[fe80::1]:8080/", "http://[::ffff:169.254.169.254]/",
        "http://100.100.100.200/latest/meta-data/", "http://0.0.0.0:8080", "http://[::]/", "not a url", NULL,
    };
    for (int i = 0; refused[i]; i++) {
        if (!kj_fed_url_refused(refused[i])) fprintf(stderr, "  not refused: %s\n", refused[i]);
        CHECK(kj_fed_url_refused(refused[i]));
    }
    static const char *const allowed[] = {
        "http://127.0.0.1:8080", "https://kejiyun.sc.example.cn", "http://10.0.0.11:8080/kejiyun", "http://[::1]:9000/",
        "http://metadata.example.cn/", NULL,
    };
    for (int i = 0; allowed[i]; i++) {
        if (kj_fed_url_refused(allowed[i])) fprintf(stderr, "  refused: %s\n", allowed[i]);
        CHECK(!kj_fed_url_refused(allowed[i]));
    }
}

TEST(address_limit_counts_per_window)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "addrlimit") == 0);
    kj_db *db = s.db;
    kj_clock_freeze(1800000000000LL);
    long retry = 0;
    for (int i = 0; i < 3; i++) CHECK(kj_address_limit_take(db, "register", "203.0.113.7", 3, 3600, &retry) == 0);
    CHECK(kj_address_limit_take(db, "register", "203.0.113.7", 3, 3600, &retry) == 1);
    CHECK(retry == 3600);
    /* Another address, another kind, no limit: each its own. */
    CHECK(kj_address_limit_take(db, "register", "203.0.113.8", 3, 3600, &retry) == 0);
    CHECK(kj_address_limit_take(db, "forgot", "203.0.113.7", 3, 3600, &retry) == 0);
    CHECK(kj_address_limit_take(db, "register", "203.0.113.7", 0, 3600, &retry) == 0);
    kj_clock_freeze(1800000000000LL + 1800 * 1000);
    CHECK(kj_address_limit_take(db, "register", "203.0.113.7", 3, 3600, &retry) == 1);
    CHECK(retry == 1800);
    /* The window ends: counted afresh. */
    kj_clock_freeze(1800000000000LL + 3600 * 1000);
    CHECK(kj_address_limit_take(db, "register", "203.0.113.7", 3, 3600, &retry) == 0);
    CHECK(kj_db_int(db, -1, "SELECT hits FROM address_limits WHERE kind = 'register' AND ip = '203.0.113.7'", "") == 1);
    kj_clock_freeze(0);
    kj_scratch_close(&s);
}

TEST(uploads_refuse_active_content)
{
    /* An SVG carrying a script, with and without an XML prolog, and an HTML
     * page dressed as a picture: none is a kind a user may upload. */
    static const char svg[] = "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    static const char svg_xml[] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    static const char html_gif[] = "<html><body><img src=x onerror=alert(1)>GIF89a</body></html>";
    kj_err e = { 0 };
    CHECK(kj_attach_sniff(svg, sizeof svg - 1, &e) == NULL);
    CHECK(kj_attach_sniff(svg_xml, sizeof svg_xml - 1, &e) == NULL);
    CHECK(kj_attach_sniff(html_gif, sizeof html_gif - 1, &e) == NULL);
    /* A GIF whose bytes are also a script (a polyglot) stays a GIF: served as
     * image/gif with nosniff and "default-src 'none'", never run. */
    static const char poly[] = "GIF89a/*\x01\x00\x01\x00\x00\x00\x00;*/=alert(1);";
    const char *m = kj_attach_sniff(poly, sizeof poly - 1, &e);
    CHECK(m == NULL || !strcmp(m, "image/gif"));
}

TEST(ratelimit_buckets_refill_and_stay_bounded)
{
    kj_ratelimit *r = kj_ratelimit_new(64);
    REQUIRE(r);
    long retry = 0;
    int64_t t = 1000000;
    for (int i = 0; i < 10; i++) CHECK(kj_ratelimit_take(r, "203.0.113.7", 60, 10, t, &retry));
    CHECK(!kj_ratelimit_take(r, "203.0.113.7", 60, 10, t, &retry));
    CHECK(retry == 1);                                             /* one a second comes back */
    CHECK(kj_ratelimit_take(r, "203.0.113.8", 60, 10, t, &retry)); /* another address: its own bucket */
    CHECK(kj_ratelimit_take(r, "203.0.113.7", 60, 10, t + 1000, &retry));
    CHECK(!kj_ratelimit_take(r, "203.0.113.7", 60, 10, t + 1000, &retry));
    CHECK(kj_ratelimit_take(r, "203.0.113.7", 0, 10, t, &retry));  /* no limit */
    /* A flood of new addresses: the table stays its size and every new one
     * is served; the early address may start afresh, never be locked out. */
    char a[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(a, sizeof a, "198.51.%d.%d", i / 250, i % 250);
        CHECK(kj_ratelimit_take(r, a, 60, 10, t + 2000, &retry));
    }
    CHECK(kj_ratelimit_take(r, "203.0.113.8", 60, 10, t + 2000, &retry));
    kj_ratelimit_free(r);
}
