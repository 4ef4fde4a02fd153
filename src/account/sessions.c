/*
 * sessions.c — a user's view of their own sessions (see security.h).
 * Sessions are found by their public id and always with the owner's id in
 * the same statement, so a user can neither see nor end another's.
 */
#include "account/security.h"
#include "core/clock.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void kj_token_hash(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* First match wins: the order matters (Edge and Opera say Chrome too,
 * Chrome says Safari, Android says Linux, iOS says Mac OS X). */
static const struct { const char *needle, *name; } browsers[] = {
    { "Edg/", "Edge" }, { "OPR/", "Opera" }, { "Firefox/", "Firefox" }, { "Chromium/", "Chromium" },
    { "Chrome/", "Chrome" }, { "Safari/", "Safari" }, { "curl/", "curl" }, { "python", "Python" },
    { "Wget/", "Wget" }, { "okhttp", "OkHttp" },
};
static const struct { const char *needle, *name; } systems[] = {
    { "iPhone", "iPhone" }, { "iPad", "iPad" }, { "Android", "Android" }, { "Windows", "Windows" },
    { "Mac OS X", "macOS" }, { "HarmonyOS", "HarmonyOS" }, { "CrOS", "ChromeOS" }, { "Linux", "Linux" },
};

void kj_user_agent_summary(const char *ua, char *out, size_t n)
{
    const char *browser = NULL, *system = NULL;
    for (size_t i = 0; ua && !browser && i < sizeof browsers / sizeof *browsers; i++)
        if (strcasestr(ua, browsers[i].needle)) browser = browsers[i].name;
    for (size_t i = 0; ua && !system && i < sizeof systems / sizeof *systems; i++)
        if (strstr(ua, systems[i].needle)) system = systems[i].name;
    if (browser && system) snprintf(out, n, "%s · %s", browser, system);
    else snprintf(out, n, "%s", browser ? browser : system ? system : "");
}

json_t *kj_session_list(kj_db *db, const char *user_id, const char *current_token)
{
    char th[65] = "";
    if (current_token) kj_token_hash(current_token, th);
    json_t *rows = kj_db_rows(db, "SELECT id, kind, ip, user_agent, created_at, coalesce(last_seen_at, created_at) AS last_seen_at, "
                                  "token_hash = ? AS current FROM sessions WHERE user_id = ? AND expires_at > ? "
                                  "ORDER BY last_seen_at DESC, created_at DESC", "ssi", th, user_id, kj_now_ms());
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        char device[64];
        kj_user_agent_summary(json_string_value(json_object_get(r, "user_agent")), device, sizeof device);
        json_object_set_new(r, "device", json_string(device));
        json_object_set_new(r, "current", json_boolean(json_integer_value(json_object_get(r, "current"))));
    }
    return rows;
}

int kj_session_end(kj_db *db, const char *user_id, const char *session_id)
{
    int rc = kj_db_exec(db, "DELETE FROM sessions WHERE id = ? AND user_id = ?", "ss", session_id, user_id);
    return rc < 0 ? -1 : rc > 0;
}

int kj_session_end_others(kj_db *db, const char *user_id, const char *current_token)
{
    char th[65] = "";
    if (current_token) kj_token_hash(current_token, th);
    int rc = kj_db_exec(db, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", "ss", user_id, th);
    return rc < 0 ? -1 : rc;
}
