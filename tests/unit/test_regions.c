/*
 * test_regions.c — the region tree in memory (ref/regions.h) on the real
 * data files, as a store opened like the server's installs it: full names
 * from the city down, children, ancestors, depth, unknown codes.
 */
#include "t.h"
#include "scratch.h"
#include "ref/regions.h"
#include <stdlib.h>

static void check_name(int *t_failed_, const kj_regions *t, const char *code, const char *lang, const char *want)
{
    char *got = kj_region_full_name(t, code, lang);
    if (!want) { CHECK(got == NULL); free(got); return; }
    if (!got || strcmp(got, want)) fprintf(stderr, "  %s (%s): got \"%s\", want \"%s\"\n", code, lang, got ? got : "(null)", want);
    CHECK(got && !strcmp(got, want));
    free(got);
}

TEST(regions_full_names_from_the_city_down)
{
    kj_scratch sc;
    REQUIRE(kj_scratch_open(&sc, "regions-names") == 0);
    const kj_regions *t = kj_regions_current();
    REQUIRE(t != NULL);
    check_name(t_failed_, t, "511102", "zh-CN", "乐山市市中区");
    check_name(t_failed_, t, "511002", "zh-CN", "内江市市中区");
    check_name(t_failed_, t, "510603001", "zh-CN", "德阳市旌阳区旌阳街道");
    check_name(t_failed_, t, "510600", "zh-CN", "德阳市");
    check_name(t_failed_, t, "510000", "zh-CN", "四川省");
    check_name(t_failed_, t, "110101", "zh-CN", "北京市东城区");      /* a municipality: no city level */
    check_name(t_failed_, t, "511102", "en", "Shizhong District, Leshan");
    check_name(t_failed_, t, "510199", "zh-CN", NULL);
    check_name(t_failed_, t, NULL, "zh-CN", NULL);
    kj_scratch_close(&sc);
}

TEST(regions_children_ancestors_depth)
{
    kj_scratch sc;
    REQUIRE(kj_scratch_open(&sc, "regions-tree") == 0);
    const kj_regions *t = kj_regions_current();
    const kj_region *const *kids;
    CHECK_INT((int)kj_regions_children(t, NULL, &kids), 34);
    CHECK_INT((int)kj_regions_children(t, "510000", &kids), 21);
    size_t n = kj_regions_children(t, "510603", &kids);
    CHECK(n >= 10);
    for (size_t i = 0; i < n; i++) CHECK(!strcmp(kids[i]->parent, "510603") && !strcmp(kids[i]->level, "township"));
    CHECK_INT((int)kj_regions_children(t, "510603001", &kids), 0);
    CHECK_INT((int)kj_regions_children(t, "nope", &kids), 0);
    CHECK_INT(kj_region_depth("510603001"), 3);
    CHECK_INT(kj_region_depth("110101"), 1);
    CHECK_INT(kj_region_depth("999999"), -1);
    CHECK_STR(kj_region_ancestor_code("510603001", 1), "510600");
    CHECK_STR(kj_region_ancestor_code("510603001", 0), "510000");
    CHECK(kj_region_ancestor_code("510600", 2) == NULL);
    CHECK(kj_regions_count(t) > 6700);   /* all of China to county level + 四川 and 青海 townships */
    kj_scratch_close(&sc);
    /* Closed: nothing installed, nothing known. */
    CHECK(kj_regions_current() == NULL);
    CHECK_INT(kj_region_depth("510000"), -1);
}
