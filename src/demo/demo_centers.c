/* demo_centers.c — a demo profile's service-center network (issue 14 §2)
 * from its centers.tsv, with the demo operators as heads and staff. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "center/center.h"
#include "demo/demo.h"
#include "demo/demo_int.h"
#include "core/id.h"

enum { C_NAME_ZH, C_NAME_EN, C_LEVEL, C_REGION, C_PARENT, C_ADDRESS, C_PHONE, C_HOURS, C_INTRO, C_HEADS, C_STAFF, C_NCOLS };
static const char *const center_cols[C_NCOLS] = {
    "name_zh", "name_en", "level", "region", "parent_region", "address", "phone", "hours", "intro", "heads", "staff",
};

/* Appoints every e-mail of the space-separated list with role. */
static int appoint(kj_demo_src *src, const char *center_id, char *list, const char *role)
{
    char *save = NULL;
    for (char *email = strtok_r(list, " ", &save); email; email = strtok_r(NULL, " ", &save)) {
        char *uid = kj_db_text(src->db, "SELECT id FROM users WHERE email = ?", "s", email);
        kj_err e = { 0 };
        int st = uid ? kj_center_appoint(src->db, NULL, center_id, uid, role, "demo", &e) : -1;
        free(uid);
        if (st) return kj_demo_fail(src, email, uid ? e.key : "no such account (accounts.tsv)");
    }
    return 0;
}

static int center_row(kj_demo_src *src, char **f, void *ctx)
{
    json_t *parent = *f[C_PARENT] ? kj_center_covering(src->db, f[C_PARENT]) : NULL;
    if (*f[C_PARENT] && !parent) return kj_demo_fail(src, "parent_region", "no center covers it (list parents first)");
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name_zh", f[C_NAME_ZH], "name_en", f[C_NAME_EN],
                          "level", f[C_LEVEL], "region", f[C_REGION], "address", f[C_ADDRESS], "phone", f[C_PHONE],
                          "hours", f[C_HOURS], "intro", f[C_INTRO]);
    if (parent) json_object_set(c, "parent_id", json_object_get(parent, "id"));
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    int st = kj_center_create(src->db, NULL, c, id, &e);
    json_decref(c);
    json_decref(parent);
    if (st) return kj_demo_fail(src, e.field ? e.field : "center", e.key);
    if (appoint(src, id, f[C_HEADS], "head") || appoint(src, id, f[C_STAFF], "staff")) return -1;
    (*(int *)ctx)++;
    return 0;
}

int kj_demo_centers(kj_demo_src *src, FILE *out)
{
    int n = 0;
    if (!kj_demo_open(src, "centers")) return 0;
    if (kj_demo_tsv(src, center_cols, C_NCOLS, center_row, &n)) return -1;
    fprintf(out, "  %d service centers\n", n);
    return 0;
}
