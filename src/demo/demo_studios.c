/*
 * demo_studios.c — the demo's 科创工作室 (data/demo/studios.tsv): each is
 * opened by its owner, members are invited by address and accept, the
 * avatar is uploaded as an owner would, and then the owners publish
 * their listings under their studio (data/demo/studio_listings.tsv), so
 * that a studio page shows people, a picture and work.
 */
#include "demo/demo.h"
#include "demo/demo_int.h"
#include "core/id.h"
#include "market/studio.h"
#include <stdlib.h>
#include <string.h>

#define AVATAR_MAX (512 * 1024)   /* the demo's avatars are a few KB */

enum { S_NAME, S_OWNER, S_MEMBERS, S_REGION, S_AFFILIATION, S_AVATAR, S_DIRECTIONS, S_SKILLS, S_INTRO, S_NCOLS };
static const char *const studio_cols[S_NCOLS] = {
    "name", "owner", "members", "region", "affiliation", "avatar", "directions", "skills", "intro",
};

/* "a|b|c" as the JSON array of its items. New ref. */
static json_t *bar_items(const char *s)
{
    json_t *a = json_array();
    const char *p = s;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n) json_array_append_new(a, json_stringn(p, n));
        p += n + (bar ? 1 : 0);
    }
    return a;
}

/* Invites every address of the space-separated list; each accepts. */
static int add_members(kj_demo_src *src, json_t *owner, const char *studio_id, const char *list)
{
    char *copy = strdup(list), *save = NULL;
    int rc = 0;
    for (char *email = strtok_r(copy, " ", &save); email && rc == 0; email = strtok_r(NULL, " ", &save)) {
        json_t *member = kj_demo_user(src->db, email);
        kj_err e = { 0 };
        if (!member) rc = kj_demo_fail(src, "members", "err.demo.owner_unknown");
        else if (kj_studio_invite(src->db, owner, studio_id, email, &e) || kj_studio_join(src->db, member, studio_id, &e))
            rc = kj_demo_fail(src, "members", e.key);
        json_decref(member);
    }
    free(copy);
    return rc;
}

static int studio_row(kj_demo_src *src, char **f, void *ctx)
{
    int *n = ctx;
    kj_demo_clock(170 - 12 * *n);   /* opened over the last months, a week or two apart */
    json_t *owner = kj_demo_user(src->db, f[S_OWNER]);
    if (!owner) return kj_demo_fail(src, "owner", "err.demo.owner_unknown");
    json_t *directions = bar_items(f[S_DIRECTIONS]), *skills = bar_items(f[S_SKILLS]);
    kj_studio_input in = { .name = f[S_NAME], .intro = f[S_INTRO], .affiliation = f[S_AFFILIATION], .region = f[S_REGION],
                           .directions = directions, .skills = skills };
    char id[KJ_ID_LEN + 1];
    kj_err e = { 0 };
    size_t size = 0;
    char *avatar = NULL;
    int rc = kj_studio_create(src->db, owner, &in, id, &e) ? kj_demo_fail(src, "studio", e.key) : 0;
    if (rc == 0) rc = add_members(src, owner, id, f[S_MEMBERS]);
    /* An empty avatar cell: the studio shows its initial, as a new one does. */
    if (rc == 0 && *f[S_AVATAR] && !(avatar = kj_demo_media(src->root, f[S_AVATAR], &size))) rc = kj_demo_fail(src, "avatar", f[S_AVATAR]);
    if (rc == 0 && avatar && kj_studio_set_avatar(src->db, owner, id, src->data_dir, AVATAR_MAX, f[S_AVATAR], avatar, size, &e))
        rc = kj_demo_fail(src, "avatar", e.key);
    free(avatar);
    json_decref(directions);
    json_decref(skills);
    json_decref(owner);
    if (rc == 0) (*n)++;
    return rc;
}

int kj_demo_studios(kj_demo_src *src, FILE *out)
{
    int n = 0;
    if (!kj_demo_open(src, "studios")) return 0;
    if (kj_demo_tsv(src, studio_cols, S_NCOLS, studio_row, &n)) return -1;
    kj_demo_clock_now();
    fprintf(out, "  %d demo studios\n", n);
    return kj_demo_open(src, "studio_listings") ? kj_demo_listings_file(src->db, src->root, src->file, out) : 0;
}
