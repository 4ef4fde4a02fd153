/*
 * demo_popsci_teams.c — a demo profile's 科普 volunteers as data: the
 * topics accounts.tsv's people answer (popsci_experts.tsv) and the
 * volunteer teams (popsci_teams.tsv), each through the path a person's
 * form takes (kj_popsci_expert_set, kj_popsci_team_create, then
 * kj_popsci_team_add by e-mail, as its leader). A new province adds the
 * files, not code (they were code for Sichuan only before).
 */
#include "demo/demo_int.h"
#include "account/account.h"
#include "core/id.h"
#include "popsci/popsci.h"
#include <stdlib.h>
#include <string.h>

enum { E_EMAIL, E_TOPICS, E_REGIONS, E_NCOLS };
static const char *const expert_cols[E_NCOLS] = { "email", "topics", "regions" };

enum { T_NAME, T_LEADER, T_MEMBERS, T_REGIONS, T_DAYS, T_INTRO, T_NCOLS };
static const char *const team_cols[T_NCOLS] = { "name", "leader", "members", "regions", "days_ago", "intro" };

typedef struct { int experts, teams, members; } counts;

/* The first message of a form's field errors, or fallback. */
static const char *first_error(json_t *fields, const char *key, const char *fallback)
{
    const char *k = json_string_value(json_object_iter_value(json_object_iter(fields)));
    return k ? k : key ? key : fallback;
}

static int expert_row(kj_demo_src *src, char **f, void *ctx)
{
    counts *n = ctx;
    char *id = kj_db_text(src->db, "SELECT id FROM users WHERE email = ?", "s", f[E_EMAIL]);
    if (!id) return kj_demo_fail(src, "email", "err.demo.owner_unknown");
    json_t *fields = json_object(), *topics = json_string(f[E_TOPICS]), *regions = json_string(f[E_REGIONS]);
    kj_err e = { .fields = fields };
    int rc = kj_popsci_expert_set(src->db, id, topics, regions, &e) ? kj_demo_fail(src, "topics", first_error(fields, e.key, "?")) : 0;
    json_decref(topics);
    json_decref(regions);
    json_decref(fields);
    free(id);
    if (rc == 0) n->experts++;
    return rc;
}

static int team_row(kj_demo_src *src, char **f, void *ctx)
{
    counts *n = ctx;
    json_t *leader = kj_demo_user(src->db, f[T_LEADER]);
    if (!leader) return kj_demo_fail(src, "leader", "err.demo.owner_unknown");
    kj_demo_clock(atof(f[T_DAYS]));
    json_t *fields = json_object();
    kj_err e = { .fields = fields };
    json_t *in = json_pack("{s:s, s:s, s:s}", "name", f[T_NAME], "intro", f[T_INTRO], "regions", f[T_REGIONS]);
    char id[KJ_ID_LEN + 1];
    int rc = kj_popsci_team_create(src->db, leader, in, id, &e) ? kj_demo_fail(src, "team", first_error(fields, e.key, "?")) : 0;
    char *copy = strdup(f[T_MEMBERS]), *save = NULL;
    for (char *email = rc == 0 ? strtok_r(copy, " ", &save) : NULL; email && rc == 0; email = strtok_r(NULL, " ", &save)) {
        json_object_clear(fields);
        if (kj_popsci_team_add(src->db, leader, id, email, &e)) rc = kj_demo_fail(src, "members", first_error(fields, e.key, email));
        else n->members++;
    }
    free(copy);
    json_decref(in);
    json_decref(fields);
    json_decref(leader);
    kj_demo_clock_now();
    if (rc == 0) n->teams++;
    return rc;
}

int kj_demo_popsci_volunteers(kj_demo_src *src, FILE *out)
{
    counts n = { 0 };
    if (kj_demo_open(src, "popsci_experts") && kj_demo_tsv(src, expert_cols, E_NCOLS, expert_row, &n)) return -1;
    if (kj_demo_open(src, "popsci_teams") && kj_demo_tsv(src, team_cols, T_NCOLS, team_row, &n)) return -1;
    if (n.experts || n.teams)
        fprintf(out, "  %d 科普 volunteer team(s) with %d member(s) besides their leaders; %d expert registration(s)\n", n.teams,
                n.members, n.experts);
    return 0;
}
