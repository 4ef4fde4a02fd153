/*
 * demo_popsci.c — demo data for popular science: the content of a demo
 * profile's popsci.tsv (published and back-dated), so that a fresh demo
 * server shows a feed. Its volunteers (expert registrations, teams) are
 * the profile's data too (src/demo/demo_popsci_teams.c).
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
    if (rc || x.failed || kj_db_commit(db)) { kj_db_rollback(db); free(reviewer); return -1; }
    fprintf(out, "  %d demo popular-science items\n", x.n);
    free(reviewer);
    return 0;
}
