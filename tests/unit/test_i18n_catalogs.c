/* Every message key a template uses exists in every catalog, and the
 * catalogs have the same keys (nothing shown half-translated). */
#include "t.h"
#include "web/i18n.h"
#include "web/tmpl.h"
#include <stdlib.h>

struct missing { int count; };

static void check_key(void *ctx, const char *key, const char *tmpl)
{
    struct missing *m = ctx;
    for (int i = 0; i < kj_i18n_count(); i++) {
        if (!kj_i18n_has(kj_i18n_lang(i), key)) {
            fprintf(stderr, "  template %s uses %s, missing in %s\n", tmpl, key, kj_i18n_lang(i));
            m->count++;
        }
    }
}

struct pair { const char *other; int count; };

static void check_other(void *ctx, const char *key)
{
    struct pair *p = ctx;
    if (!kj_i18n_has(p->other, key)) {
        fprintf(stderr, "  %s lacks %s\n", p->other, key);
        p->count++;
    }
}

TEST(i18n_templates_use_only_known_keys)
{
    char err[512];
    REQUIRE(kj_i18n_load("i18n", err, sizeof err) == 0);
    kj_tmpl_set *set = kj_tmpl_load_dir("templates", err, sizeof err);
    if (!set) fprintf(stderr, "  %s\n", err);
    REQUIRE(set != NULL);
    struct missing m = { 0 };
    CHECK(kj_tmpl_each_message_key(set, check_key, &m) > 50);
    CHECK_INT(m.count, 0);
    kj_tmpl_free(set);
    kj_i18n_free();
}

TEST(i18n_catalogs_have_the_same_keys)
{
    char err[512];
    REQUIRE(kj_i18n_load("i18n", err, sizeof err) == 0);
    struct pair zh_in_en = { "en", 0 }, en_in_zh = { "zh-CN", 0 };
    kj_i18n_each_key("zh-CN", check_other, &zh_in_en);
    kj_i18n_each_key("en", check_other, &en_in_zh);
    CHECK_INT(zh_in_en.count, 0);
    CHECK_INT(en_in_zh.count, 0);
    kj_i18n_free();
}
