/*
 * test_instance.c — the instance profile (src/instance): identity, names
 * with their fallbacks, the file's defaults under an administrator's rows,
 * validation before any write, and the audit record of each edit.
 */
#include "t.h"
#include "scratch.h"
#include "account/account.h"
#include "audit/audit.h"
#include "instance/instance.h"
#include "core/id.h"
#include "core/json_util.h"
#include <string.h>

static const char *const langs[] = { "zh-CN", "en", "bo", NULL };

TEST(instance_identity_is_the_database_id)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "instance") == 0);
    CHECK(kj_id_valid(kj_instance_self_id()));
    CHECK_STR(kj_instance_self_id(), kj_instance_id(s.db));
    kj_instance_profile p;
    kj_instance_get(&p);
    CHECK_STR(p.id, kj_instance_self_id());
    json_t *d = kj_instance_describe();
    CHECK_STR(kj_jstr(d, "id"), kj_instance_self_id());
    CHECK_STR(kj_jstr(json_object_get(d, "name"), "zh-CN"), "科技云 (demo)");
    json_decref(d);
    kj_scratch_close(&s);
}

TEST(instance_names_fall_back_and_edits_win_over_the_file)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "instance") == 0);
    char buf[128];
    CHECK_STR(kj_instance_name("en-US", buf, sizeof buf), "Kejiyun (demo)");
    CHECK_STR(kj_instance_name("bo", buf, sizeof buf), "科技云 (demo)");   /* no Tibetan name: zh-CN's */
    CHECK_STR(kj_instance_short_name("zh-CN", buf, sizeof buf), "科技云 (demo)");   /* no short name: the name */
    json_t *ch = json_pack("{s:s, s:s, s:s, s:s, s:s}", "name.zh-CN", "青科云（演示）", "name.bo", "མཚོ་སྔོན།",
                           "short_name.zh-CN", "青科云", "home_region", "630000", "color_primary", "#0a5c8a");
    kj_err e = { 0 };
    CHECK_INT(kj_instance_save(s.db, NULL, ch, langs, &e), 0);
    json_decref(ch);
    CHECK_STR(kj_instance_name("zh-CN", buf, sizeof buf), "青科云（演示）");
    CHECK_STR(kj_instance_name("bo", buf, sizeof buf), "མཚོ་སྔོན།");
    CHECK_STR(kj_instance_short_name("zh-CN", buf, sizeof buf), "青科云");
    CHECK_STR(kj_instance_home_region(buf, sizeof buf), "630000");
    json_t *log = kj_audit_list(s.db, "instance.", NULL, NULL, NULL, 0, 10);
    CHECK_INT((int)json_array_size(log), 1);
    json_t *detail = json_object_get(json_array_get(log, 0), "detail");
    CHECK_STR(kj_jstr(json_object_get(detail, "home_region"), "after"), "630000");
    json_decref(log);
    /* Clearing a row gives the file's value back. */
    ch = json_pack("{s:s}", "name.zh-CN", "");
    CHECK_INT(kj_instance_save(s.db, NULL, ch, langs, &e), 0);
    json_decref(ch);
    CHECK_STR(kj_instance_name("zh-CN", buf, sizeof buf), "科技云 (demo)");
    kj_scratch_close(&s);
}

TEST(instance_bad_values_write_nothing)
{
    kj_scratch s;
    REQUIRE(kj_scratch_open(&s, "instance") == 0);
    static const char *const bad[][2] = {
        { "color_primary", "red" }, { "color_accent", "#12345g" }, { "home_region", "999999" },
        { "default_language", "fr" }, { "languages", "zh-CN,,en" }, { "languages", "zh-CN,xx" },
        { "name.xx", "名" }, { "nonsense", "1" }, { "terms_version", "v 2" }, { "default_language", "bo" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_t *ch = json_pack("{s:s, s:s}", "footer_host", "四川省科学技术厅", bad[i][0], bad[i][1]);
        kj_err e = { 0 };
        CHECK_INT(kj_instance_save(s.db, NULL, ch, langs, &e), -1);
        CHECK_INT(e.kind, KJ_E_INVALID);
        json_decref(ch);
    }
    kj_instance_profile p;
    kj_instance_get(&p);
    CHECK_STR(p.footer_host, "");
    CHECK_INT((int)kj_db_int(s.db, -1, "SELECT COUNT(*) FROM instance_settings", ""), 0);
    kj_scratch_close(&s);
}
