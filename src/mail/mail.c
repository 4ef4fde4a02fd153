/*
 * mail.c — the e-mail queue (see mail.h): enqueueing by preference,
 * preferences, digests, milestone reminders and the sending pass.
 *
 * E-mails are bilingual (Chinese first): the worker has no request
 * language, and a notification must be readable by every user.
 */
#include "mail/mail.h"
#include "core/json_util.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE_MS (60LL * 1000)
#define MAX_ATTEMPTS 20
/* Links are stored as BASE_MARK + path: the public URL is a setting the
 * sender knows, not the request that queued the e-mail. */
#define BASE_MARK "@@BASE@@"

const char *const kj_mail_categories[] = { "message", "offer", "contract", "milestone", "review", "alert", "notice", "challenge", "workorder",
                                            "verification", "event", NULL };
const char *const kj_mail_modes[] = { "each", "digest", "off", NULL };

/* Subject lines per category: {0} is the deal's title. */
static const struct { const char *category, *zh, *en; } subjects[] = {
    { "message", "交易有新消息：", "New message: " },
    { "offer", "收到新的报价：", "Offer received: " },
    { "contract", "有合同等待你签署：", "Contract to sign: " },
    { "milestone", "里程碑即将到期：", "Milestone due: " },
    { "review", "你收到了一条评价：", "Review received: " },
    { "alert", "有新的发布符合你的订阅：", "New listing for your alert: " },
    { "notice", "紧急科普通知：", "Urgent notice: " },
    { "challenge", "揭榜挂帅项目有新进展：", "Challenge list update: " },
    { "workorder", "服务工单有新进展：", "Work order update: " },
    { "verification", "组织实名认证：", "Organization verification: " },
    { "event", "活动通知：", "Event update: " },
};

static const char *mode_of(kj_db *db, const char *user_id, const char *category)
{
    char *m = kj_db_text(db, "SELECT mode FROM mail_prefs WHERE user_id = ? AND category = ?", "ss", user_id, category);
    const char *mode = "each";
    for (const char *const *p = kj_mail_modes; m && *p; p++) if (!strcmp(*p, m)) mode = *p;
    free(m);
    return mode;
}

/* secret_expires_at: 0 for an ordinary e-mail; else the body carries a
 * secret (a one-time link) that stops serving then: the e-mail is marked
 * sensitive and is not sent after that. */
static int insert(kj_db *db, const char *user_id, const char *to, const char *category, const char *subject,
                  const char *body, const char *status, int64_t secret_expires_at)
{
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    return kj_db_exec(db, "INSERT INTO mail_queue(id, user_id, to_addr, category, subject, body, status, next_try_at, created_at, "
                          "sensitive, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,nullif(?, 0))", "sssssssiibi", id.s, user_id, to,
                      category, subject, body, status, now, now, secret_expires_at > 0, secret_expires_at) < 1 ? -1 : 0;
}

int kj_mail_enqueue(kj_db *db, const char *user_id, const char *category, const char *subject, const char *link)
{
    return kj_mail_enqueue2(db, user_id, category, subject, NULL, link);
}

int kj_mail_enqueue2(kj_db *db, const char *user_id, const char *category, const char *subject, const char *subject_en,
                     const char *link)
{
    if (!subject_en || !*subject_en) subject_en = subject;
    size_t k = 0;
    while (k < sizeof subjects / sizeof *subjects && strcmp(subjects[k].category, category)) k++;
    if (k == sizeof subjects / sizeof *subjects) return -1;
    const char *mode = mode_of(db, user_id, category);
    if (!strcmp(mode, "off")) return 0;
    char *to = kj_db_text(db, "SELECT email FROM users WHERE id = ?", "s", user_id);
    if (!to) return -1;
    kj_buf subj = { 0 }, body = { 0 };
    kj_buf_printf(&subj, "%s%s", subjects[k].zh, subject ? subject : "");
    kj_buf_printf(&body, "%s%s\n%s%s\n\n%s%s\n", subjects[k].zh, subject ? subject : "", subjects[k].en, subject_en ? subject_en : "",
                  BASE_MARK, link ? link : "");
    int rc = insert(db, user_id, to, category, subj.data, body.data, !strcmp(mode, "digest") ? "digest" : "queued", 0);
    kj_buf_free(&subj);
    kj_buf_free(&body);
    free(to);
    return rc;
}

int kj_mail_enqueue_text(kj_db *db, const char *user_id, const char *category, const char *subject, const char *body,
                         const char *link)
{
    if (!kj_in_list(kj_mail_categories, category)) return -1;
    const char *mode = mode_of(db, user_id, category);
    if (!strcmp(mode, "off")) return 0;
    char *to = kj_db_text(db, "SELECT email FROM users WHERE id = ?", "s", user_id);
    if (!to) return -1;
    kj_buf text = { 0 };
    kj_buf_printf(&text, "%s\n\n%s%s\n", body ? body : "", BASE_MARK, link ? link : "");
    int rc = insert(db, user_id, to, category, subject ? subject : "", text.data, !strcmp(mode, "digest") ? "digest" : "queued", 0);
    kj_buf_free(&text);
    free(to);
    return rc;
}

/* Account-security e-mails: subject, then the body's text in each
 * language; the link follows. */
static const struct { const char *what, *subject, *zh, *en; } account_mails[] = {
    { "verify", "请验证你的邮箱 / Verify your e-mail address",
      "请在 48 小时内打开下面的链接，确认这个邮箱属于你。如果你没有在科技云注册，请忽略本邮件。",
      "Open the link below within 48 hours to confirm that this address is yours. "
      "If you did not register with kejiyun, ignore this message." },
    { "signup_again", "有人尝试用你的邮箱注册 / Someone tried to register with your address",
      "有人尝试用这个邮箱地址在科技云注册新账号。这个地址已经有账号，所以没有创建新账号。"
      "如果是你本人，请直接登录；忘记了密码，可以通过下面的链接重置。如果不是你本人，无需任何操作。",
      "Someone tried to register a new kejiyun account with this address. It already has an account, "
      "so none was created. If it was you, just sign in; if you forgot your password, reset it at the link below. "
      "If it was not you, there is nothing to do." },
    { "reset", "重置你的科技云密码 / Reset your kejiyun password",
      "有人（希望是你本人）请求重置这个账号的密码。请在 1 小时内打开下面的链接设置新密码，链接只能使用一次；"
      "设置后，所有已登录的设备都会退出。如果不是你本人，请忽略本邮件，你的密码不会改变。",
      "Someone (hopefully you) asked to reset the password of this account. Open the link below within an hour "
      "to set a new one; it works once, and signs out every device. If it was not you, ignore this message: "
      "your password stays as it is." },
};

int kj_mail_enqueue_account(kj_db *db, const char *user_id, const char *what, const char *link, int64_t secret_expires_at)
{
    size_t k = 0;
    while (k < sizeof account_mails / sizeof *account_mails && strcmp(account_mails[k].what, what)) k++;
    if (k == sizeof account_mails / sizeof *account_mails) return -1;
    char *to = kj_db_text(db, "SELECT email FROM users WHERE id = ?", "s", user_id);
    if (!to) return -1;
    kj_buf body = { 0 };
    kj_buf_printf(&body, "%s\n\n%s\n\n%s%s\n", account_mails[k].zh, account_mails[k].en, BASE_MARK, link ? link : "");
    char category[64];
    snprintf(category, sizeof category, "account.%s", what);
    int rc = insert(db, user_id, to, category, account_mails[k].subject, body.data, "queued", secret_expires_at);
    kj_buf_free(&body);
    free(to);
    return rc;
}

int kj_mail_withdraw_account(kj_db *db, const char *user_id, const char *what)
{
    char category[64];
    snprintf(category, sizeof category, "account.%s", what);
    return kj_db_exec(db, "UPDATE mail_queue SET status = 'failed', last_error = 'withdrawn', body = ? "
                          "WHERE user_id = ? AND category = ? AND sensitive = 1 AND status = 'queued'", "sss",
                      KJ_MAIL_SECRET_REMOVED, user_id, category) < 0 ? -1 : 0;
}

json_t *kj_mail_prefs(kj_db *db, const char *user_id)
{
    json_t *out = json_object();
    for (const char *const *c = kj_mail_categories; *c; c++) json_object_set_new(out, *c, json_string(mode_of(db, user_id, *c)));
    return out;
}

int kj_mail_pref_set(kj_db *db, const char *user_id, const char *category, const char *mode)
{
    if (!kj_in_list(kj_mail_categories, category) || !kj_in_list(kj_mail_modes, mode)) return -1;
    return kj_db_exec(db, "INSERT INTO mail_prefs(user_id, category, mode) VALUES (?,?,?) "
                          "ON CONFLICT (user_id, category) DO UPDATE SET mode = excluded.mode", "sss", user_id, category, mode) < 0 ? -1 : 0;
}

/* Open milestones due within three days get one reminder to both parties. */
static int milestone_reminders(kj_db *db)
{
    char soon[16];
    kj_format_date(kj_now_ms() + 3 * KJ_DAY_MS, soon, sizeof soon);
    json_t *due = kj_db_rows(db, "SELECT m.id, m.title, m.due_date, d.id AS deal_id, d.title AS deal_title, d.provider_id, d.client_id "
                                 "FROM deal_milestones m JOIN deals d ON d.id = m.deal_id WHERE m.status = 'open' "
                                 "AND m.reminded_at IS NULL AND m.due_date <= ? AND d.state = 'in_progress'", "s", soon);
    int n = 0;
    size_t i;
    json_t *m;
    json_array_foreach(due, i, m) {
        char link[64], subject[512];
        snprintf(link, sizeof link, "/deals/%s", kj_jstr(m, "deal_id"));
        snprintf(subject, sizeof subject, "%s · %s (%s)", kj_jstr(m, "deal_title"), kj_jstr(m, "title"), kj_jstr(m, "due_date"));
        if (kj_db_begin(db)) continue;
        int rc = kj_db_exec(db, "UPDATE deal_milestones SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL", "is",
                            kj_now_ms(), kj_jstr(m, "id")) == 1 &&
                 kj_mail_enqueue(db, kj_jstr(m, "provider_id"), "milestone", subject, link) == 0 &&
                 kj_mail_enqueue(db, kj_jstr(m, "client_id"), "milestone", subject, link) == 0 ? 0 : -1;
        if (rc == 0 && kj_db_commit(db) == 0) n += 2;
        else kj_db_rollback(db);
    }
    json_decref(due);
    return n;
}

/* Digest items of a user whose oldest is a day old become one e-mail. */
static int fold_digests(kj_db *db)
{
    json_t *users = kj_db_rows(db, "SELECT user_id, to_addr, min(created_at) AS oldest FROM mail_queue WHERE status = 'digest' "
                                   "GROUP BY user_id, to_addr", "");
    int n = 0;
    size_t i;
    json_t *u;
    int64_t now = kj_now_ms();
    json_array_foreach(users, i, u) {
        if (json_integer_value(json_object_get(u, "oldest")) > now - KJ_DAY_MS) continue;
        const char *uid = kj_jstr(u, "user_id");
        if (kj_db_begin(db)) continue;
        json_t *items = kj_db_rows(db, "SELECT id, body FROM mail_queue WHERE user_id = ? AND status = 'digest' ORDER BY created_at", "s", uid);
        kj_buf body = { 0 };
        kj_buf_printf(&body, "科技云每日摘要 / kejiyun daily digest (%zu)\n\n", json_array_size(items));
        size_t j;
        json_t *it;
        json_array_foreach(items, j, it) kj_buf_printf(&body, "• %s\n", kj_jstr(it, "body"));
        int rc = insert(db, uid, kj_jstr(u, "to_addr"), "digest", "科技云每日摘要 / Daily digest", body.data, "queued", 0);
        json_array_foreach(items, j, it)
            if (rc == 0 && kj_db_exec(db, "UPDATE mail_queue SET status = 'digested', sent_at = ? WHERE id = ?", "is", now, kj_jstr(it, "id")) < 1)
                rc = -1;
        if (rc == 0 && kj_db_commit(db) == 0) n++;
        else kj_db_rollback(db);
        kj_buf_free(&body);
        json_decref(items);
    }
    json_decref(users);
    return n;
}

/* Queued e-mails whose one-time link has expired are abandoned unsent,
 * their body (the dead link) removed. */
static void expire_secrets(kj_db *db)
{
    kj_db_exec_optional(db, "expired one-time links", "UPDATE mail_queue SET status = 'failed', last_error = 'expired', body = ? "
                        "WHERE sensitive = 1 AND status = 'queued' AND expires_at <= ?", "si", KJ_MAIL_SECRET_REMOVED, kj_now_ms());
}

int kj_mail_housekeeping(kj_db *db)
{
    expire_secrets(db);
    return milestone_reminders(db) + fold_digests(db);
}

int kj_mail_send_due(kj_db *db, const kj_config *cfg, int max)
{
    int64_t start = kj_now_ms();
    json_t *due = kj_db_rows(db, "SELECT id, to_addr, subject, body, attempts FROM mail_queue WHERE status = 'queued' "
                                 "AND next_try_at <= ? AND (expires_at IS NULL OR expires_at > ?) "
                                 "AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY next_try_at, id LIMIT ?",
                             "iiii", start, start, start, (int64_t)max);
    const char *node = kj_store_node_id(kj_db_store(db));
    int sent = 0;
    size_t i;
    json_t *m;
    json_array_foreach(due, i, m) {
        /* The claim (migration 039): another node that became the leader
         * while this one was sending skips the e-mail until the claim ends
         * (longer than a send can take: the SMTP timeouts, smtp.c). */
        int claimed = kj_db_exec(db, "UPDATE mail_queue SET claimed_by = ?, claimed_until = ? WHERE id = ? AND status = 'queued' "
                                     "AND (claimed_until IS NULL OR claimed_until <= ?)",
                                 "sisi", node, kj_now_ms() + KJ_MAIL_CLAIM_MS, kj_jstr(m, "id"), kj_now_ms());
        if (claimed < 0) break;          /* the database is failing: the next round tries again */
        if (claimed == 0) continue;      /* sent, withdrawn or claimed meanwhile */
        char err[256] = "";
        kj_buf body = { 0 };
        const char *p = kj_jstr(m, "body"), *q;
        while ((q = strstr(p, BASE_MARK))) {
            kj_buf_append(&body, p, (size_t)(q - p));
            kj_buf_puts(&body, cfg->public_url);
            p = q + strlen(BASE_MARK);
        }
        kj_buf_puts(&body, p);
        int rc = kj_smtp_send(cfg, kj_jstr(m, "to_addr"), kj_jstr(m, "subject"), body.data, err, sizeof err);
        kj_buf_free(&body);
        int64_t now = kj_now_ms();
        if (rc == 0) {
            /* A one-time link has reached its owner: the queue keeps no copy. */
            if (kj_db_exec(db, "UPDATE mail_queue SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL, "
                               "claimed_by = NULL, claimed_until = NULL, "
                               "body = CASE WHEN sensitive = 1 THEN ? ELSE body END WHERE id = ?",
                           "iss", now, KJ_MAIL_SECRET_REMOVED, kj_jstr(m, "id")) < 0)
                kj_log_error("mail: %s sent but not marked sent; it may be sent again", kj_jstr(m, "id"));
            sent++;
        } else {
            int64_t attempts = json_integer_value(json_object_get(m, "attempts")) + 1;
            int64_t delay = MINUTE_MS << (attempts < 7 ? attempts - 1 : 6);
            if (delay > 60 * MINUTE_MS) delay = 60 * MINUTE_MS;
            bool give_up = attempts >= MAX_ATTEMPTS;
            /* Only a mail still queued: one withdrawn or expired while this
             * attempt ran (status failed, its link removed) must not come
             * back to the queue and go out with the placeholder body. */
            if (kj_db_exec(db, "UPDATE mail_queue SET attempts = ?, next_try_at = ?, last_error = ?, status = ?, "
                               "claimed_by = NULL, claimed_until = NULL, "
                               "body = CASE WHEN sensitive = 1 AND ? THEN ? ELSE body END WHERE id = ? AND status = 'queued'",
                           "iissbss",
                           attempts, now + delay, err, give_up ? "failed" : "queued", give_up, KJ_MAIL_SECRET_REMOVED, kj_jstr(m, "id")) < 0)
                kj_log_error("mail: failed attempt on %s not recorded; it is tried again at once", kj_jstr(m, "id"));
        }
    }
    json_decref(due);
    return sent;
}
