/*
 * test_popsci.c — popular science (popsci/popsci.h): region containment
 * and list helpers, and against a scratch database (fresh store in a
 * mkdtemp directory, removed afterwards) the feed ranking with fixed
 * fixtures (regional alert first, profile match above non-match, the
 * reason), profile deletion, and statistics hiding cells under 5 people.
 */
#include "t.h"
#include "scratch.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/id.h"
#include "popsci/popsci.h"
#include "search/search.h"
#include "text/analyzer.h"
#include "web/app.h"
#include <stdlib.h>
#include <unistd.h>

TEST(popsci_region_within)
{
    /* The real tree (data/regions.tsv, data/townships.tsv), installed by
     * opening a store as the server does. */
    kj_scratch sc;
    REQUIRE(kj_scratch_open(&sc, "popsci-within") == 0);
    CHECK(kj_popsci_region_within("510107", "510107001"));      /* a township of 武侯区 */
    CHECK(kj_popsci_region_within("510000", "510107001"));
    CHECK(!kj_popsci_region_within("511102", "511002"));        /* 乐山's 市中区 is not 内江's */
    CHECK(kj_popsci_region_within("510000", "510107"));
    CHECK(kj_popsci_region_within("510100", "510107"));
    CHECK(kj_popsci_region_within("510107", "510107"));
    CHECK(!kj_popsci_region_within("510107", "510100"));
    CHECK(!kj_popsci_region_within("511100", "510107"));
    CHECK(!kj_popsci_region_within(NULL, "510107"));
    CHECK(!kj_popsci_region_within("5101", "510107"));
    kj_scratch_close(&sc);
}

TEST(popsci_lists)
{
    kj_buf b = { 0 };
    json_t *s = json_string("rice, plantprot\nhealth");
    kj_popsci_join_list(s, &b);
    CHECK_STR(b.data, " rice plantprot health ");
    json_t *a = kj_popsci_split_list(b.data);
    CHECK_INT(json_array_size(a), 3);
    CHECK_STR(json_string_value(json_array_get(a, 1)), "plantprot");
    kj_buf_free(&b);
    json_t *arr = json_pack("[s, s, s]", "a", "", "b c");   /* empty and spaced items are dropped */
    kj_popsci_join_list(arr, &b);
    CHECK_STR(b.data, " a ");
    kj_buf_free(&b);
    json_decref(s);
    json_decref(a);
    json_decref(arr);
}

typedef kj_scratch scratch;

static json_t *add_user(scratch *s, const char *email, const char *role)
{
    kj_registration r = { .email = email, .password = "Popsci-2026!", .name = "P", .role = role };
    char id[KJ_ID_LEN + 1];
    kj_err fail;
    if (kj_account_register(s->db, &r, true, id, &fail)) return NULL;
    return kj_user_get(s->db, id);
}

static int scratch_open(scratch *s)
{
    return kj_scratch_open(s, "popsci") ? -1 : kj_popsci_ensure_topics(s->db, s->app.cfg.root);
}

static void scratch_close(scratch *s) { kj_scratch_close(s); }

/* Creates and publishes content by author, reviewed by admin. */
static void publish(scratch *s, json_t *author, json_t *admin, const char *json_in, char *id)
{
    json_t *in = json_loads(json_in, 0, NULL), *errors = json_object();
    kj_err pe = { .fields = errors };
    if (kj_popsci_create(s->db, author, in, id, &pe) || kj_popsci_review(s->db, admin, id, "approve", NULL, &pe))
        fprintf(stderr, "  publish failed: %s\n", json_dumps(errors, 0));
    json_decref(in);
    json_decref(errors);
}

static int index_of(json_t *feed, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(feed, i, it)
        if (!strcmp(json_string_value(json_object_get(it, "id")), id)) return (int)i;
    return -1;
}

TEST(popsci_feed_profile_and_stats)
{
    scratch s;
    REQUIRE(scratch_open(&s) == 0);
    json_t *admin = add_user(&s, "admin@popsci.test", "admin");
    json_t *author = add_user(&s, "author@popsci.test", "scientist");
    json_t *reader = add_user(&s, "reader@popsci.test", "scientist");
    REQUIRE(admin && author && reader);
    char rice[KJ_ID_LEN + 1], health[KJ_ID_LEN + 1], elsewhere[KJ_ID_LEN + 1], alert[KJ_ID_LEN + 1];
    /* The non-matching item is the freshest: the profile must outweigh freshness. */
    publish(&s, author, admin, "{\"title\":\"水稻分蘖期管理\",\"body\":\"b\",\"topic\":\"rice\",\"regions\":[\"511100\"]}", rice);
    publish(&s, author, admin, "{\"title\":\"青海牦牛\",\"body\":\"b\",\"topic\":\"rice\",\"regions\":[\"630100\"]}", elsewhere);
    publish(&s, author, admin, "{\"title\":\"冬季养生\",\"body\":\"b\",\"topic\":\"health\"}", health);
    json_t *errors = json_object();
    kj_err pe = { .fields = errors };
    json_t *notice = json_pack("{s:s, s:s, s:s, s:s, s:i}", "title", "暴雨预警", "body", "防汛", "topic", "disaster",
                               "region", "511100", "hours", 24);
    CHECK_INT(kj_popsci_notice(s.db, admin, notice, alert, &pe), 0);
    json_t *prof = json_pack("{s:[s], s:s}", "topics", "rice", "region", "511102");
    CHECK_INT(kj_popsci_profile_set(s.db, json_string_value(json_object_get(reader, "id")), prof, &pe), 0);

    json_t *feed = kj_popsci_feed(s.db, reader, "zh-CN", kj_now_ms(), 20);
    CHECK_INT(index_of(feed, alert), 0);
    CHECK(index_of(feed, rice) > 0 && index_of(feed, health) > index_of(feed, rice));
    CHECK_INT(index_of(feed, elsewhere), -1);
    json_t *reason = json_object_get(json_array_get(feed, (size_t)index_of(feed, rice)), "reason");
    CHECK_STR(json_string_value(json_object_get(reason, "code")), "topic");
    CHECK_STR(json_string_value(json_object_get(reason, "topic_name")), "水稻种植");
    CHECK_STR(json_string_value(json_object_get(reason, "region_name")), "乐山市");
    json_decref(feed);

    /* Reading events, then deletion removes profile and history. */
    CHECK_INT(kj_popsci_event(s.db, reader, health, "useful", &pe), 0);
    CHECK_INT(kj_popsci_event(s.db, reader, health, "useful", &pe), 0);   /* kept once */
    const char *rid = json_string_value(json_object_get(reader, "id"));
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM popsci_events WHERE user_id = ?", "s", rid), 1);
    CHECK_INT(kj_popsci_profile_delete(s.db, rid), 0);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM popsci_events WHERE user_id = ?", "s", rid), 0);
    CHECK_INT(kj_db_int(s.db, -1, "SELECT count(*) FROM popsci_profiles WHERE user_id = ?", "s", rid), 0);

    /* 5 readers in one region make a cell; 4 in another do not. */
    for (int i = 0; i < 9; i++) {
        char email[64];
        snprintf(email, sizeof email, "r%d@popsci.test", i);
        json_t *u = add_user(&s, email, "scientist");
        REQUIRE(u);
        json_t *p = json_pack("{s:s}", "region", i < 5 ? "630102" : "630103");
        kj_popsci_profile_set(s.db, json_string_value(json_object_get(u, "id")), p, &pe);
        kj_popsci_event(s.db, u, rice, "open", &pe);
        json_decref(p);
        json_decref(u);
    }
    json_t *st = kj_popsci_stats(s.db);
    json_t *reading = json_object_get(st, "reading");
    CHECK_INT(json_array_size(reading), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(reading, 0), "region")), "630102");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(reading, 0), "views")), 5);
    CHECK(json_integer_value(json_object_get(st, "suppressed")) >= 1);
    json_decref(st);

    json_decref(errors);
    json_decref(notice);
    json_decref(prof);
    json_decref(admin);
    json_decref(author);
    json_decref(reader);
    scratch_close(&s);
}
