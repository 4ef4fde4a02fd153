/*
 * demo_popsci.c — demo data for popular science: the content of
 * a demo profile's popsci.tsv (published and back-dated), an expert registration
 * and a volunteer team, so that a fresh demo server shows a feed, the
 * ask-an-expert service and a team page.
 */
#include "popsci/popsci.h"
#include "popsci/popsci_int.h"
#include "account/account.h"
#include "core/clock.h"
#include "core/id.h"
#include "ref/refdata.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { COL_KIND, COL_AUTHOR, COL_TOPIC, COL_AUDIENCE, COL_REGIONS, COL_DAYS, COL_TITLE, COL_SUMMARY, COL_BODY, NCOLS };

struct demo_ctx { kj_db *db; const char *reviewer, *file; int n, failed; };

/* "\n" in the TSV cell means a line break. */
static char *unescape(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out) return NULL;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'n') { *o++ = '\n'; s++; }
        else *o++ = *s;
    }
    *o = 0;
    return out;
}

static int demo_row(void *c, char **f, int n, int lineno)
{
    struct demo_ctx *x = c;
    if (n < NCOLS) { fprintf(stderr, "demo: %s:%d: %d columns\n", x->file, lineno, n); x->failed = 1; return -1; }
    char *author = kj_db_text(x->db, "SELECT id FROM users WHERE email = ?", "s", f[COL_AUTHOR]);
    char *body = unescape(f[COL_BODY]);
    int64_t at = kj_now_ms() - atoll(f[COL_DAYS]) * 86400000LL;
    char regions[256];
    snprintf(regions, sizeof regions, "%s%s%s", *f[COL_REGIONS] ? " " : "", f[COL_REGIONS], *f[COL_REGIONS] ? " " : "");
    kj_id id = kj_id_new();
    int rc = author && body ? kj_db_exec(x->db,
        "INSERT INTO popsci_content(id, origin, kind, title, summary, body, topic, audience, regions, source, video_url, "
        "transcript, author_id, status, reviewer_id, created_at, published_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,'kejiyun 演示',?,?,?,'published',?,?,?,?)",
        "sssssssssssssiii", id.s, kj_instance_id(x->db), f[COL_KIND], f[COL_TITLE], f[COL_SUMMARY], body,
        f[COL_TOPIC], f[COL_AUDIENCE], regions,
        "",   /* demo videos are files of the instance (demo_popsci_media.c), no outside host */
        strcmp(f[COL_KIND], "video") ? "" : body, author, x->reviewer, at, at, at) : -1;
    if (rc < 0) { fprintf(stderr, "demo: %s:%d: cannot insert\n", x->file, lineno); x->failed = 1; }
    else x->n++;
    free(author);
    free(body);
    return rc < 0 ? -1 : 0;
}

int kj_popsci_demo(kj_db *db, const char *root, const char *file, const char *reviewer_email, FILE *out)
{
    if (kj_popsci_ensure_topics(db, root)) { fprintf(stderr, "demo: cannot read data/popsci_topics.tsv\n"); return -1; }
    char *reviewer = kj_db_text(db, "SELECT id FROM users WHERE email = ?", "s", reviewer_email);
    struct demo_ctx x = { db, reviewer, file, 0, 0 };
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", root, file);
    int rc = kj_db_begin(db) ? -1 : kj_tsv_each(path, demo_row, &x);
    bool team_made = false;
    if (!rc && !x.failed) {
        char *expert = kj_db_text(db, "SELECT id FROM users WHERE email = 'li.na@demo.kejiyun.cn'", "");
        json_t *topics = json_pack("[s, s]", "plantprot", "rice");
        if (expert && kj_db_exec(db, "DELETE FROM popsci_experts WHERE user_id = ?", "s", expert) < 0) x.failed = 1;
        for (size_t i = 0; expert && i < json_array_size(topics); i++)
            if (kj_db_exec(db, "INSERT INTO popsci_experts(user_id, topic, region, created_at) VALUES (?,?,?,?) "
                       "ON CONFLICT DO NOTHING", "sssi", expert, json_string_value(json_array_get(topics, i)),
                       "510000", kj_now_ms()) < 0) x.failed = 1;
        kj_id team = kj_id_new();
        team_made = expert != NULL;
        if (expert) {
            if (kj_db_exec(db, "INSERT INTO popsci_teams(id, origin, name, intro, regions, created_by, created_at) "
                           "VALUES (?,?,'四川农技服务队','水稻、油菜病虫害诊断与飞防指导。',' 510100 511100 ',?,?)",
                           "sssi", team.s, kj_instance_id(db), expert, kj_now_ms()) < 0 ||
                kj_db_exec(db, "INSERT INTO popsci_team_members(team_id, user_id) SELECT ?, id FROM users WHERE email IN "
                           "('li.na@demo.kejiyun.cn', 'zhang.wei@demo.kejiyun.cn')", "s", team.s) < 0)
                x.failed = 1;
        }
        free(expert);
        json_decref(topics);
    }
    if (rc || x.failed || kj_db_commit(db)) { kj_db_rollback(db); free(reviewer); return -1; }
    fprintf(out, "  %d demo popular-science items%s\n", x.n, team_made ? ", 1 volunteer team" : "");
    free(reviewer);
    return 0;
}
