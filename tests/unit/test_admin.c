/*
 * test_admin.c — account administration against a real store (issue 14
 * item 5): migration 025 rebuilds users without losing a row that refers
 * to it (foreign keys back on afterwards); the audit log refuses UPDATE
 * and DELETE; disabling needs a reason, ends sessions and is audited in
 * the same transaction; a role change needs a reason and is never one's
 * own; residents may not publish (authz).
 */
#include "t.h"
#include "account/admin.h"
#include "account/account.h"
#include "authz/authz.h"
#include "store/store.h"
#include "search/backend.h"
#include "text/analyzer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sh(const char *cmd)
{
    if (system(cmd) != 0) fprintf(stderr, "  command failed: %s\n", cmd);
}

/* A store migrated up to (not including) 025, in dir/m. */
static kj_store *open_before_025(char *dir, char *err, size_t errlen)
{
    if (!mkdtemp(dir)) return NULL;
    char cmd[512], path[128];
    snprintf(cmd, sizeof cmd, "mkdir %s/m && for f in migrations/sqlite/*.sql; do b=$(basename $f); "
                              "[ \"$b\" \\< 025 ] && cp $f %s/m/; done; true", dir, dir);
    sh(cmd);
    snprintf(path, sizeof path, "%s/t.db", dir);
    /* The search migrations need the text analyzer's tokenizer (as the app opens it). */
    static kj_analyzer *analyzer;   /* made once; unit tests run one at a time */
    if (!analyzer) analyzer = kj_analyzer_open("data/text", err, errlen);
    if (!analyzer) return NULL;
    kj_store *s = kj_store_open(&kj_sqlite_backend, path, 1, kj_search_fts5.conn_hook, analyzer, err, errlen);
    snprintf(path, sizeof path, "%s/m", dir);
    if (s && kj_store_migrate(s, path, err, errlen) < 0) { kj_store_close(s); return NULL; }
    return s;
}

static int migrate_025(kj_store *s, const char *dir, char *err, size_t errlen)
{
    char cmd[256], path[128];
    snprintf(cmd, sizeof cmd, "cp migrations/sqlite/025_*.sql %s/m/", dir);
    sh(cmd);
    snprintf(path, sizeof path, "%s/m", dir);
    return kj_store_migrate(s, path, err, errlen);
}

#define U1 "01J00000000000000000000001"
#define U2 "01J00000000000000000000002"

static void seed(kj_db *db)
{
    (void)!kj_db_exec(db, "INSERT INTO users(id, origin, email, name, password_hash, role, created_at, updated_at) "
                          "VALUES (?, 'x', 'a@example.cn', 'A', 'h', 'admin', 1, 1), (?, 'x', 'b@example.cn', 'B', 'h', 'scientist', 2, 2)",
                      "ss", U1, U2);
    (void)!kj_db_exec(db, "INSERT INTO sessions(token_hash, id, user_id, kind, created_at, expires_at) "
                          "VALUES ('t1', 's1', ?, 'web', 1, 9999999999999), ('t2', 's2', ?, 'web', 1, 9999999999999)", "ss", U1, U2);
    (void)!kj_db_exec(db, "INSERT INTO popsci_profiles(user_id, updated_at) VALUES (?, 1)", "s", U2);
}

TEST(admin_migration_025_keeps_rows_that_refer_to_users)
{
    char dir[] = "/tmp/kj-admin-XXXXXX", err[256];
    kj_store *s = open_before_025(dir, err, sizeof err);
    if (!s) fprintf(stderr, "  %s\n", err);
    REQUIRE(s);
    kj_db *db = kj_store_acquire(s);
    seed(db);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM sessions", ""), 2);
    /* Before 025 the role does not exist. */
    CHECK(kj_db_exec(db, "UPDATE users SET role = 'resident' WHERE id = ?", "s", U2) == KJ_DB_CONSTRAINT);
    kj_store_release(s, db);
    CHECK_INT(migrate_025(s, dir, err, sizeof err), 1);
    db = kj_store_acquire(s);
    /* Nothing cascaded away, the index is back, the new role is accepted. */
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM users", ""), 2);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM sessions", ""), 2);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM popsci_profiles", ""), 1);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'users_org'", ""), 1);
    CHECK_INT(kj_db_exec(db, "UPDATE users SET role = 'resident' WHERE id = ?", "s", U2), 1);
    CHECK(kj_db_exec(db, "UPDATE users SET role = 'nobody' WHERE id = ?", "s", U2) == KJ_DB_CONSTRAINT);
    /* Foreign keys are enforced again, and still point at users. */
    CHECK(kj_db_exec(db, "INSERT INTO sessions(token_hash, id, user_id, kind, created_at, expires_at) "
                         "VALUES ('t3', 's3', 'nobody', 'web', 1, 2)", "") == KJ_DB_CONSTRAINT);
    CHECK_INT(kj_db_exec(db, "DELETE FROM users WHERE id = ?", "s", U2), 1);   /* cascades, as declared */
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM sessions WHERE user_id = ?", "s", U2), 0);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM popsci_profiles", ""), 0);
    kj_store_release(s, db);
    kj_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    sh(cmd);
}

TEST(admin_audit_log_is_append_only_and_actions_need_reasons)
{
    char dir[] = "/tmp/kj-admin-XXXXXX", err[256];
    kj_store *s = open_before_025(dir, err, sizeof err);
    if (!s) fprintf(stderr, "  %s\n", err);
    REQUIRE(s);
    REQUIRE(migrate_025(s, dir, err, sizeof err) == 1);
    kj_db *db = kj_store_acquire(s);
    seed(db);
    kj_err f = { 0 };
    /* No reason: refused, nothing changed, nothing logged. */
    CHECK(kj_admin_set_disabled(db, U1, U2, true, "", &f) == -1 && f.kind == KJ_E_INVALID && !strcmp(f.field, "reason"));
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM sessions WHERE user_id = ?", "s", U2), 1);
    CHECK_INT(kj_db_int(db, -1, "SELECT count(*) FROM audit_log", ""), 0);
    /* An administrator cannot disable themself; a non-administrator nobody. */
    CHECK(kj_admin_set_disabled(db, U1, U1, true, "x", &f) == -1 && f.kind == KJ_E_CONFLICT);
    CHECK(kj_admin_set_disabled(db, U2, U1, true, "x", &f) == -1 && f.kind == KJ_E_FORBIDDEN);
    /* With a reason: disabled, sessions gone, one entry in the same transaction. */
    CHECK_INT(kj_admin_set_disabled(db, U1, U2, true, "spam", &f), 0);
    CHECK_INT(kj_db_int(db, 0, "SELECT disabled FROM users WHERE id = ?", "s", U2), 1);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM sessions WHERE user_id = ?", "s", U2), 0);
    char *reason = kj_db_text(db, "SELECT reason FROM audit_log WHERE action = 'user.disable' AND target_id = ?", "s", U2);
    CHECK_STR(reason, "spam");
    free(reason);
    CHECK(kj_admin_set_disabled(db, U1, U2, true, "again", &f) == -1 && f.kind == KJ_E_CONFLICT);
    CHECK_INT(kj_admin_set_disabled(db, NULL, U2, false, NULL, &f), 0);   /* the command line, no reason needed */
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM audit_log WHERE actor_id IS NULL AND action = 'user.enable'", ""), 1);
    /* A role change needs a reason; one's own is refused; the expert flag alone needs none. */
    CHECK(kj_admin_set_role(db, U1, U2, "operator", -1, NULL, &f) == -1 && !strcmp(f.field, "reason"));
    CHECK(kj_admin_set_role(db, U1, U1, "scientist", -1, "tired", &f) == -1 && f.kind == KJ_E_CONFLICT);
    CHECK_INT(kj_admin_set_role(db, U1, U2, "scientist", 1, NULL, &f), 0);
    CHECK_INT(kj_admin_set_role(db, U1, U2, "resident", -1, "asked to", &f), 0);
    char *role = kj_db_text(db, "SELECT role FROM users WHERE id = ?", "s", U2);
    CHECK_STR(role, "resident");
    free(role);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM audit_log", ""), 4);
    /* Never editable: a direct UPDATE or DELETE fails and changes nothing. */
    CHECK(kj_db_exec(db, "UPDATE audit_log SET reason = 'nothing happened'", "") < 0);
    CHECK(kj_db_exec(db, "DELETE FROM audit_log", "") < 0);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM audit_log WHERE reason = 'spam'", ""), 1);
    CHECK_INT(kj_db_int(db, 0, "SELECT count(*) FROM audit_log", ""), 4);
    /* The list filters by action prefix and target. */
    int64_t total = 0;
    kj_audit_filter af = { "user.", NULL, U2, 1, 10 };
    json_t *rows = kj_admin_audit_list(db, &af, &total);
    CHECK(rows && total == 4 && json_array_size(rows) == 4);
    json_decref(rows);
    af.action = "user.set_role";
    rows = kj_admin_audit_list(db, &af, &total);
    CHECK(rows && total == 1);
    json_decref(rows);
    kj_store_release(s, db);
    kj_store_close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    sh(cmd);
}

TEST(admin_residents_may_not_publish)
{
    json_t *resident = json_pack("{s:s, s:s}", "id", U2, "role", "resident");
    json_t *scientist = json_pack("{s:s, s:s}", "id", U2, "role", "scientist");
    CHECK(!kj_authz_may_publish(resident));
    CHECK(!kj_authz_may_publish(NULL));
    CHECK(kj_authz_may_publish(scientist));
    CHECK_STR(kj_authz_publish_refusal(resident), "err.resident.no_publish");
    CHECK(kj_authz_is_resident(resident) && !kj_authz_is_resident(scientist));
    json_decref(resident);
    json_decref(scientist);
}
