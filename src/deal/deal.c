/*
 * deal.c — the deal process: the state table, creation from an EOI, an
 * order or a signed 揭榜挂帅 task agreement, and every action (offers, acceptance,
 * signatures, milestones, delivery, cancellation by agreement, disputes
 * and mediation, messages, broker invitation, reviews).
 *
 * kj_deal_act looks the action up in kj_deal_transitions, checks who may
 * act, then runs the action's effect (table `effects`), moves the state
 * and appends the event to the hash-chained log — all in one transaction.
 */
#include "deal/deal.h"
#include "core/json_util.h"
#include "authz/authz.h"
#include "account/account.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include "core/validate.h"
#include "mail/mail.h"
#include "market/attach.h"
#include "market/market.h"
#include "notify/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *const kj_deal_states[] = { "inquiry", "negotiation", "agreed", "signed", "in_progress", "delivered",
                                       "accepted", "completed", "cancelled", "disputed", "mediation", "resolved", NULL };
const char *const kj_deal_price_kinds[] = { "lump_sum", "instalments", "royalty", "entry_royalty", NULL };

#define P KJ_DW_PARTY
#define PR KJ_DW_PROVIDER
#define CL KJ_DW_CLIENT
#define OT KJ_DW_OTHER
#define ME KJ_DW_MEMBER
#define ST KJ_DW_STAFF
/* Rows common to the open states: talk, invite a broker, cancel by agreement. */
#define OPEN_ROWS(s) \
    { s, "message", ME, NULL }, { s, "invite_broker", P, NULL }, \
    { s, "request_cancel", P, NULL }, { s, "agree_cancel", OT, "cancelled" }

const kj_deal_transition kj_deal_transitions[] = {
    { "inquiry", "offer", P, "negotiation" }, OPEN_ROWS("inquiry"),
    { "negotiation", "offer", P, "negotiation" }, { "negotiation", "accept_offer", OT, "agreed" }, OPEN_ROWS("negotiation"),
    { "agreed", "sign", P, "signed" },            /* "signed" once both parties have signed */
    { "agreed", "add_milestone", P, NULL }, OPEN_ROWS("agreed"),
    { "signed", "add_milestone", P, NULL }, { "signed", "start", P, "in_progress" },
    { "signed", "dispute", P, "disputed" }, OPEN_ROWS("signed"),
    { "in_progress", "add_milestone", P, NULL }, { "in_progress", "deliver_milestone", PR, NULL },
    { "in_progress", "accept_milestone", CL, NULL }, { "in_progress", "deliver", PR, "delivered" },
    { "in_progress", "dispute", P, "disputed" }, OPEN_ROWS("in_progress"),
    { "delivered", "accept_delivery", CL, "accepted" }, { "delivered", "reject_delivery", CL, "in_progress" },
    { "delivered", "dispute", P, "disputed" }, { "delivered", "message", ME, NULL }, { "delivered", "invite_broker", P, NULL },
    { "accepted", "complete", P, "completed" }, { "accepted", "dispute", P, "disputed" },
    { "accepted", "message", ME, NULL }, { "accepted", "invite_broker", P, NULL },
    { "completed", "review", P, NULL }, { "completed", "reply_review", P, NULL }, { "completed", "hide_review", ST, NULL },
    { "completed", "message", ME, NULL },
    { "disputed", "mediate", ST, "mediation" }, { "disputed", "message", ME, NULL }, { "disputed", "invite_broker", P, NULL },
    { "mediation", "resolve", ST, "resolved" }, { "mediation", "message", ME, NULL },
    { "resolved", "review", P, NULL }, { "resolved", "reply_review", P, NULL }, { "resolved", "hide_review", ST, NULL },
    { "resolved", "message", ME, NULL },
    { NULL, NULL, 0, NULL },
};
#undef P
#undef PR
#undef CL
#undef OT
#undef ME
#undef ST

static const char *const who_names[] = { "party", "provider", "client", "other_party", "member", "staff" };

json_t *kj_deal_state_table(void)
{
    json_t *out = json_array();
    for (const kj_deal_transition *t = kj_deal_transitions; t->action; t++)
        json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:s?}", "from", t->from, "action", t->action,
                                             "who", who_names[t->who], "to", t->to));
    return out;
}

/* ---- small helpers ---- */

static bool same(const char *a, const char *b) { return a && b && !strcmp(a, b); }

/* Every refusal: -1 with its kind and message in *derr. */
static int refuse(kj_err *derr, const char *key, kj_err_kind kind)
{
    return kj_err_set(derr, kind, key, NULL);
}

static void notify_user(kj_db *db, const char *user_id, const char *kind, const char *title, const char *deal_id);

/* ---- creation ---- */

/* Party names and organizations for the contract. */
static void add_party_names(kj_db *db, json_t *terms, const char *provider_id, const char *client_id)
{
    static const char sql[] = "SELECT u.name, coalesce(o.name, '') AS org FROM users u LEFT JOIN orgs o ON o.id = u.org_id WHERE u.id = ?";
    json_t *p = kj_db_row(db, sql, "s", provider_id), *c = kj_db_row(db, sql, "s", client_id);
    json_object_set_new(terms, "provider", json_string(kj_jstr_or_empty(p, "name")));
    json_object_set_new(terms, "provider_org", json_string(kj_jstr_or_empty(p, "org")));
    json_object_set_new(terms, "client", json_string(kj_jstr_or_empty(c, "name")));
    json_object_set_new(terms, "client_org", json_string(kj_jstr_or_empty(c, "org")));
    json_decref(p);
    json_decref(c);
}

/* The contract from the accepted offer, frozen in the deal (caller's transaction). */
static int freeze_contract(kj_db *db, const char *deal_id, json_t *offer)
{
    json_t *d = kj_db_row(db, "SELECT title, provider_id, client_id FROM deals WHERE id = ?", "s", deal_id);
    if (!d) return -1;
    json_t *terms = json_deep_copy(offer);
    json_object_set_new(terms, "title", json_string(kj_jstr_or_empty(d, "title")));
    json_object_set_new(terms, "deal_id", json_string(deal_id));
    if (kj_jstr(offer, "coop_mode") && *kj_jstr(offer, "coop_mode")) {
        char *label = kj_db_text(db, "SELECT name_zh FROM coop_modes WHERE code = ?", "s", kj_jstr(offer, "coop_mode"));
        if (label) json_object_set_new(terms, "coop_mode_label", json_string(label));
        free(label);
    }
    add_party_names(db, terms, kj_jstr(d, "provider_id"), kj_jstr(d, "client_id"));
    json_t *c = kj_contract_generate(kj_jstr(offer, "contract_type"), terms);
    json_decref(terms);
    json_decref(d);
    if (!c) return -1;
    char hash[65];
    const char *text = kj_jstr(c, "text");
    kj_sha256_hex(text, strlen(text), hash);
    int rc = kj_db_exec(db, "UPDATE deals SET contract__json = ?, contract_hash = ?, contract_type = ?, amount_fen = ?, "
                            "agreed_offer_id = ? WHERE id = ?", "jssjss", c, hash, kj_jstr(offer, "contract_type"),
                        json_object_get(offer, "amount_fen"), kj_jstr(offer, "id"), deal_id);
    json_decref(c);
    if (rc < 1) return -1;
    /* The contract's human number, once (a renegotiated contract keeps it):
     * the next in this year's sequence, read and written in this
     * transaction (writers are serialized; the unique index is the guard). */
    struct tm tm;
    kj_local_time(kj_now_ms(), &tm);
    char prefix[48];
    snprintf(prefix, sizeof prefix, "%s-%04d-", kj_deal_contract_prefix(), tm.tm_year + 1900);
    int64_t next = kj_db_int(db, 0, "SELECT coalesce(max(CAST(substr(contract_no, length(?1) + 1) AS INTEGER)), 0) + 1 "
                                    "FROM deals WHERE substr(contract_no, 1, length(?1)) = ?1", "s", prefix);
    char number[64];
    snprintf(number, sizeof number, "%s%06lld", prefix, (long long)next);
    return kj_db_exec(db, "UPDATE deals SET contract_no = coalesce(contract_no, ?) WHERE id = ?", "ss", number, deal_id) < 1
               ? -1 : 0;
}

static int insert_offer(kj_db *db, const char *deal_id, const char *author_id, json_t *o, const char *status, char *id_out)
{
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    int64_t valid_days = json_integer_value(json_object_get(o, "valid_days"));
    json_object_set_new(o, "id", json_string(id.s));
    int rc = kj_db_exec(db, "INSERT INTO deal_offers(id, origin, deal_id, author_id, contract_type, price_kind, amount_fen, "
                            "instalments, entry_fee_fen, royalty_bp, scope, duration_days, coop_mode, note, status, expires_at, created_at) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", "ssssssjjjjsjsssii", id.s, kj_instance_id(db), deal_id,
                        author_id, kj_jstr(o, "contract_type"), kj_jstr(o, "price_kind"), json_object_get(o, "amount_fen"),
                        json_object_get(o, "instalments"), json_object_get(o, "entry_fee_fen"), json_object_get(o, "royalty_bp"),
                        kj_jstr_or_empty(o, "scope"), json_object_get(o, "duration_days"), kj_jstr_or_empty(o, "coop_mode"), kj_jstr_or_empty(o, "note"), status,
                        now + (valid_days > 0 ? valid_days : 14) * KJ_DAY_MS, now);
    if (id_out) snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return rc < 1 ? -1 : 0;
}

/* Fills defaults so that every numeric column has a value. */
static void offer_defaults(json_t *o)
{
    static const char *const zero[] = { "amount_fen", "entry_fee_fen", "royalty_bp" };
    for (size_t i = 0; i < 3; i++) if (!json_is_integer(json_object_get(o, zero[i]))) json_object_set_new(o, zero[i], json_integer(0));
    if (!json_is_integer(json_object_get(o, "instalments"))) json_object_set_new(o, "instalments", json_integer(1));
    if (!json_is_integer(json_object_get(o, "duration_days"))) json_object_set_new(o, "duration_days", json_integer(30));
}

int kj_deal_create_from(kj_db *db, const char *source, const char *source_id, const char *listing_id,
                        const char *provider_id, const char *client_id, const char *title, const char *domain,
                        const char *region, const char *thread_id, json_t *terms, char *id_out,
                        kj_err *derr)
{
    static const char *const sources[] = { "eoi", "order", "challenge", "event", NULL };
    if (!kj_in_list(sources, source) || !provider_id || !client_id || same(provider_id, client_id) || !title)
        return refuse(derr, "err.deal.create", KJ_E_INVALID);
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    char tid[KJ_ID_LEN + 1];
    const char *origin = kj_instance_id(db);
    if (thread_id) {
        snprintf(tid, sizeof tid, "%s", thread_id);
    } else {
        kj_id t = kj_id_new();
        snprintf(tid, sizeof tid, "%s", t.s);
        if (kj_db_exec(db, "INSERT INTO threads(id, origin, subject, created_at) VALUES (?,?,?,?)", "sssi", tid, origin, title, now) < 1)
            return refuse(derr, "err.internal", KJ_E_INTERNAL);
    }
    const char *members[] = { provider_id, client_id };
    for (int i = 0; i < 2; i++)
        if (kj_db_exec(db, "INSERT INTO thread_members(thread_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING", "ss", tid, members[i]) < 0)
            return refuse(derr, "err.internal", KJ_E_INTERNAL);
    const char *state = terms ? "agreed" : "inquiry";
    if (kj_db_exec(db, "INSERT INTO deals(id, origin, source, source_id, listing_id, thread_id, provider_id, client_id, title, "
                       "domain, region, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", "ssssssssssssii",
                   id.s, origin, source, source_id, listing_id, tid, provider_id, client_id, title, domain ? domain : "",
                   region ? region : "", state, now, now) < 1)
        return refuse(derr, kj_db_int(db, 0, "SELECT count(*) FROM deals WHERE source = ? AND source_id = ?", "ss",
                                                      source, source_id) ? "err.deal.exists" : "err.internal", KJ_E_CONFLICT);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "source", source, "source_id", source_id, "provider_id", provider_id,
                           "client_id", client_id, "state", state);
    int rc = kj_ledger_append(db, id.s, client_id, "create", ev);
    json_decref(ev);
    if (rc == 0 && terms) {
        json_t *o = json_deep_copy(terms);
        offer_defaults(o);
        rc = insert_offer(db, id.s, provider_id, o, "accepted", NULL);
        if (rc == 0) rc = freeze_contract(db, id.s, o);
        if (rc == 0) {
            json_t *e2 = json_pack("{s:s, s:O}", "offer_id", kj_jstr_or_empty(o, "id"), "amount_fen", json_object_get(o, "amount_fen"));
            rc = kj_ledger_append(db, id.s, provider_id, "agreed", e2);
            json_decref(e2);
        }
        json_decref(o);
    }
    if (rc) return refuse(derr, "err.internal", KJ_E_INTERNAL);
    notify_user(db, provider_id, terms ? "deal_to_sign" : "deal_started", title, id.s);
    if (terms) notify_user(db, client_id, "deal_to_sign", title, id.s);
    snprintf(id_out, KJ_ID_LEN + 1, "%s", id.s);
    return 0;
}

static int finish_tx(kj_db *db, int rc, kj_err *derr)
{
    if (rc == 0 && kj_db_commit(db) == 0) return 0;
    kj_db_rollback(db);
    if (rc == 0) return refuse(derr, "err.internal", KJ_E_INTERNAL);
    return -1;
}

int kj_deal_start_from_eoi(kj_db *db, json_t *user, const char *eoi_id, char *id_out, kj_err *derr)
{
    json_t *e = kj_eoi_get(db, user, eoi_id);
    if (!e) return refuse(derr, "err.not_found", KJ_E_NOT_FOUND);
    int rc = 0;
    json_t *l = kj_listing_get(db, kj_jstr(e, "listing_id"));
    char *sender = kj_db_text(db, "SELECT sender_id FROM eois WHERE id = ?", "s", eoi_id);
    if (!same(kj_jstr(e, "status"), "accepted") || !l || !sender) {
        rc = refuse(derr, "err.deal.eoi_not_accepted", KJ_E_CONFLICT);
    } else {
        /* The offerer of the listing provides; for a demand the interested party does. */
        bool demand = same(kj_jstr(l, "kind"), "demand");
        const char *owner = kj_jstr(l, "owner_id");
        if (kj_db_begin(db)) rc = refuse(derr, "err.internal", KJ_E_INTERNAL);
        else rc = finish_tx(db, kj_deal_create_from(db, "eoi", eoi_id, kj_jstr(l, "id"), demand ? sender : owner,
                                                    demand ? owner : sender, kj_jstr(l, "title"), kj_jstr(l, "domain"),
                                                    kj_jstr(l, "region"), kj_jstr(e, "thread_id"), NULL, id_out, derr),
                            derr);
    }
    free(sender);
    json_decref(l);
    json_decref(e);
    return rc;
}

int kj_deal_order(kj_db *db, json_t *user, const char *listing_id, char *id_out, kj_err *derr)
{
    json_t *l = kj_listing_get(db, listing_id);
    if (!l || !same(kj_jstr(l, "status"), "published")) { json_decref(l); return refuse(derr, "err.not_found", KJ_E_NOT_FOUND); }
    int rc = 0;
    if (!same(kj_jstr(l, "kind"), "service") || !same(kj_jstr(l, "price_kind"), "fixed") ||
        !json_is_integer(json_object_get(l, "price_min_fen")))
        rc = refuse(derr, "err.deal.not_orderable", KJ_E_CONFLICT);
    else if (kj_listing_is_owner(db, l, user))
        rc = refuse(derr, "err.deal.own_listing", KJ_E_CONFLICT);
    if (rc == 0) {
        int days = atoi(kj_jstr_or_empty(l, "duration"));
        json_t *terms = json_pack("{s:s, s:s, s:O, s:s, s:i}", "contract_type", "service", "price_kind", "lump_sum",
                                  "amount_fen", json_object_get(l, "price_min_fen"), "scope", kj_jstr_or_empty(l, "title"),
                                  "duration_days", days > 0 && days <= 3650 ? days : 30);
        kj_id src = kj_id_new(); /* each order is its own source */
        if (kj_db_begin(db)) rc = refuse(derr, "err.internal", KJ_E_INTERNAL);
        else rc = finish_tx(db, kj_deal_create_from(db, "order", src.s, listing_id, kj_jstr(l, "owner_id"), kj_jstr(user, "id"),
                                                    kj_jstr(l, "title"), kj_jstr(l, "domain"), kj_jstr(l, "region"), NULL, terms,
                                                    id_out, derr), derr);
        json_decref(terms);
    }
    json_decref(l);
    return rc;
}

/* Days from today (the platform clock) to the date YYYY-MM-DD, at least 1. */
static int64_t days_until(const char *date)
{
    struct tm tm = { 0 };
    if (!date || !kj_valid_date(date) || sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3) return 1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    int64_t days = ((int64_t)timegm(&tm) * 1000 - kj_now_ms()) / KJ_DAY_MS + 1;
    return days < 1 ? 1 : days > 3650 ? 3650 : days;
}

/* The agreement's milestones as the deal's (caller's transaction), each logged. */
static int copy_milestones(kj_db *db, const char *deal_id, const char *actor_id, json_t *milestones)
{
    size_t i;
    json_t *m;
    json_array_foreach(milestones, i, m) {
        kj_id id = kj_id_new();
        if (kj_db_exec(db, "INSERT INTO deal_milestones(id, origin, deal_id, title, deliverable, due_date, amount_fen, status, "
                           "created_at) VALUES (?,?,?,?,?,?,0,'open',?)", "ssssssi", id.s, kj_instance_id(db), deal_id,
                       kj_jstr_or_empty(m, "title"), kj_jstr_or_empty(m, "criteria"), kj_jstr_or_empty(m, "due"), kj_now_ms()) < 1)
            return -1;
        json_t *ev = json_pack("{s:s, s:s, s:i}", "milestone_id", id.s, "due_date", kj_jstr_or_empty(m, "due"), "amount_fen", 0);
        int rc = kj_ledger_append(db, deal_id, actor_id, "add_milestone", ev);
        json_decref(ev);
        if (rc) return -1;
    }
    return 0;
}

int kj_deal_from_challenge(kj_db *db, const char *challenge_id, const char *client_id, json_t *agreement,
                           kj_err *derr)
{
    json_t *ch = kj_db_row(db, "SELECT title, domain, coalesce(region, '') AS region FROM challenges WHERE id = ?", "s", challenge_id);
    json_t *apps = kj_db_rows(db, "SELECT id, applicant_id, budget_fen FROM challenge_applications WHERE challenge_id = ? "
                                  "AND status = 'selected' ORDER BY created_at, id", "s", challenge_id);
    json_t *ms = json_object_get(agreement, "milestones");
    int64_t total = json_integer_value(json_object_get(agreement, "amount_fen")), last = 1;
    size_t n = json_array_size(apps), i;
    json_t *x;
    json_array_foreach(ms, i, x) { int64_t d = days_until(kj_jstr(x, "due")); if (d > last) last = d; }
    int rc = ch ? 0 : refuse(derr, "err.not_found", KJ_E_NOT_FOUND);
    json_array_foreach(apps, i, x) {
        if (rc || same(kj_jstr(x, "applicant_id"), client_id)) continue;
        int64_t budget = json_integer_value(json_object_get(x, "budget_fen"));
        int64_t amount = n == 1 ? total : budget > 0 ? budget : total / (int64_t)n;
        kj_buf scope = { 0 };   /* whole (never cut inside a character): title and parties are length-checked */
        kj_buf_printf(&scope, "按揭榜挂帅任务“%s”的任务协议（协议方：%s）完成攻关，各里程碑按协议约定的验收标准交付",
                      kj_jstr_or_empty(ch, "title"), kj_jstr_or_empty(agreement, "parties"));
        json_t *terms = json_pack("{s:s, s:s, s:I, s:s, s:I}", "contract_type", "development", "price_kind", "lump_sum",
                                  "amount_fen", (json_int_t)amount, "scope", scope.data ? scope.data : "", "duration_days",
                                  (json_int_t)last);
        kj_buf_free(&scope);
        if (!terms) { rc = refuse(derr, "err.internal", KJ_E_INTERNAL); continue; }
        char id[KJ_ID_LEN + 1];
        rc = kj_deal_create_from(db, "challenge", kj_jstr(x, "id"), NULL, kj_jstr(x, "applicant_id"), client_id, kj_jstr_or_empty(ch, "title"),
                                 kj_jstr_or_empty(ch, "domain"), kj_jstr_or_empty(ch, "region"), NULL, terms, id, derr);
        if (rc == 0 && copy_milestones(db, id, client_id, ms)) rc = refuse(derr, "err.internal", KJ_E_INTERNAL);
        json_decref(terms);
    }
    json_decref(apps);
    json_decref(ch);
    return rc;
}

/* ---- acting ---- */

typedef struct act_ctx {
    kj_db *db;
    json_t *user, *deal, *args, *errors, *event;
    const char *uid, *deal_id, *client_ip;
    const char *next;          /* the state after the action (may be changed by the effect) */
    char *result_id;
    kj_err *derr;
} act_ctx;

static bool is_provider(act_ctx *c) { return same(c->uid, kj_jstr(c->deal, "provider_id")); }
static bool is_client(act_ctx *c) { return same(c->uid, kj_jstr(c->deal, "client_id")); }
static bool is_party(act_ctx *c) { return is_provider(c) || is_client(c); }
static bool is_broker(act_ctx *c) { return same(c->uid, kj_jstr(c->deal, "broker_id")); }
static bool is_staff(act_ctx *c) { return is_broker(c) || kj_authz_can_review_region(c->user, kj_jstr(c->deal, "region")); }
static const char *other_party(act_ctx *c) { return kj_jstr(c->deal, is_provider(c) ? "client_id" : "provider_id"); }
static int fail(act_ctx *c, const char *key, kj_err_kind kind) { return refuse(c->derr, key, kind); }

static int field_fail(act_ctx *c, const char *field, const char *key)
{
    if (c->errors) json_object_set_new(c->errors, field, json_string(key));
    return fail(c, key, KJ_E_INVALID);
}

static json_t *open_offer(act_ctx *c)
{
    return kj_db_row(c->db, "SELECT * FROM deal_offers WHERE deal_id = ? AND status = 'open' ORDER BY created_at DESC LIMIT 1",
                     "s", c->deal_id);
}

/* Who may act: the table's column resolved against this deal. */
static bool may_act(act_ctx *c, enum kj_deal_who who, const char *action)
{
    switch (who) {
    case KJ_DW_PARTY: return is_party(c);
    case KJ_DW_PROVIDER: return is_provider(c);
    case KJ_DW_CLIENT: return is_client(c);
    case KJ_DW_MEMBER: return is_party(c) || is_broker(c);
    case KJ_DW_STAFF: return is_staff(c);
    case KJ_DW_OTHER: {
        if (!is_party(c)) return false;
        if (!strcmp(action, "agree_cancel")) return !same(kj_jstr(c->deal, "cancel_requested_by"), c->uid);
        json_t *o = open_offer(c);
        bool ok = !o || !same(kj_jstr(o, "author_id"), c->uid);
        json_decref(o);
        return ok;
    }
    }
    return false;
}

/* Notification kinds that also go out by e-mail, and their mail category. */
static const char *const mailed[][2] = {
    { "deal_message", "message" }, { "deal_offer", "offer" }, { "deal_to_sign", "contract" }, { "deal_review", "review" },
};

/* The in-app notification, and the e-mail for the kinds users get mailed. */
static void notify_user(kj_db *db, const char *user_id, const char *kind, const char *title, const char *deal_id)
{
    char link[64];
    snprintf(link, sizeof link, "/deals/%s", deal_id);
    if (!user_id || !*user_id) return;
    kj_notify(db, user_id, kind, title, link);
    for (size_t i = 0; i < sizeof mailed / sizeof *mailed; i++)
        if (!strcmp(mailed[i][0], kind)) kj_mail_enqueue(db, user_id, mailed[i][1], title, link);
}

static void notify(act_ctx *c, const char *user_id, const char *kind)
{
    notify_user(c->db, user_id, kind, kj_jstr_or_empty(c->deal, "title"), c->deal_id);
}

static const char *arg(act_ctx *c, const char *k) { return kj_jstr(c->args, k); }
static bool has_text(act_ctx *c, const char *k) { return arg(c, k) && *arg(c, k); }

/* Amount inputs: "<field>" in 万元 (decimal string) or "<field>_fen" (integer). */
static bool money_arg(act_ctx *c, const char *name, int64_t *fen)
{
    char key[48];
    snprintf(key, sizeof key, "%s_fen", name);
    json_t *v = json_object_get(c->args, key);
    if (json_is_integer(v)) { *fen = json_integer_value(v); return *fen >= 0; }
    const char *s = arg(c, name);
    if (!s || !*s) { *fen = 0; return true; }
    return kj_parse_money_wan(s, fen) && *fen >= 0;
}

/* A royalty "5" or "5.25" (percent) into basis points, without floating point. */
static bool royalty_arg(act_ctx *c, int64_t *bp)
{
    json_t *v = json_object_get(c->args, "royalty_bp");
    if (json_is_integer(v)) { *bp = json_integer_value(v); return *bp >= 0 && *bp <= 10000; }
    const char *s = arg(c, "royalty_pct");
    *bp = 0;
    if (!s || !*s) return true;
    int64_t whole = 0, frac = 0, digits = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9' && whole <= 100; p++) whole = whole * 10 + (*p - '0');
    if (p == s) return false;
    if (*p == '.') for (p++; *p >= '0' && *p <= '9'; p++) { if (++digits > 2) return false; frac = frac * 10 + (*p - '0'); }
    if (*p) return false;
    if (digits == 1) frac *= 10;
    *bp = whole * 100 + frac;
    return *bp <= 10000;
}

static int64_t int_arg(act_ctx *c, const char *k, int64_t dflt)
{
    json_t *v = json_object_get(c->args, k);
    if (json_is_integer(v)) return json_integer_value(v);
    if (json_is_string(v) && *json_string_value(v)) {
        char *end;
        long long n = strtoll(json_string_value(v), &end, 10);
        return *end ? -1 : n;
    }
    return dflt;
}

static int do_offer(act_ctx *c)
{
    const char *type = arg(c, "contract_type"), *kind = arg(c, "price_kind");
    int64_t amount = 0, entry = 0, bp = 0;
    int64_t inst = int_arg(c, "instalments", 1), days = int_arg(c, "duration_days", 0), valid = int_arg(c, "valid_days", 14);
    if (!kj_in_list(kj_contract_types, type)) return field_fail(c, "contract_type", "err.deal.contract_type");
    if (!kj_in_list(kj_deal_price_kinds, kind)) return field_fail(c, "price_kind", "err.deal.price_kind");
    if (!money_arg(c, "amount", &amount)) return field_fail(c, "amount", "err.deal.amount");
    if (!money_arg(c, "entry_fee", &entry)) return field_fail(c, "entry_fee", "err.deal.amount");
    if (!royalty_arg(c, &bp)) return field_fail(c, "royalty_pct", "err.deal.royalty");
    bool lump = !strcmp(kind, "lump_sum") || !strcmp(kind, "instalments");
    if (lump && amount <= 0) return field_fail(c, "amount", "err.deal.amount");
    if (!lump && bp <= 0) return field_fail(c, "royalty_pct", "err.deal.royalty");
    if (!strcmp(kind, "entry_royalty") && entry <= 0) return field_fail(c, "entry_fee", "err.deal.amount");
    if (inst < 1 || inst > 60 || (!strcmp(kind, "instalments") && inst < 2)) return field_fail(c, "instalments", "err.deal.instalments");
    if (days < 1 || days > 3650) return field_fail(c, "duration_days", "err.deal.duration");
    if (valid < 1 || valid > 90) return field_fail(c, "valid_days", "err.deal.valid_days");
    if (!has_text(c, "scope") || kj_utf8_chars(arg(c, "scope"), strlen(arg(c, "scope"))) > 2000)
        return field_fail(c, "scope", "err.deal.scope");
    json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:I}", "contract_type", type, "price_kind", kind,
                          "amount_fen", (json_int_t)(lump ? amount : 0), "instalments", (json_int_t)(strcmp(kind, "instalments") ? 1 : inst),
                          "entry_fee_fen", (json_int_t)(strcmp(kind, "entry_royalty") ? 0 : entry),
                          "royalty_bp", (json_int_t)(lump ? 0 : bp), "scope", arg(c, "scope"), "duration_days", (json_int_t)days,
                          "coop_mode", has_text(c, "coop_mode") ? arg(c, "coop_mode") : "", "note", has_text(c, "note") ? arg(c, "note") : "",
                          "valid_days", (json_int_t)valid);
    int rc = kj_db_exec(c->db, "UPDATE deal_offers SET status = 'superseded' WHERE deal_id = ? AND status = 'open'", "s", c->deal_id) < 0 ||
             insert_offer(c->db, c->deal_id, c->uid, o, "open", c->result_id) ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
    if (rc == 0) {
        json_object_set_new(c->event, "offer_id", json_string(kj_jstr_or_empty(o, "id")));
        json_object_set(c->event, "amount_fen", json_object_get(o, "amount_fen"));
        json_object_set_new(c->event, "price_kind", json_string(kind));
        json_object_set_new(c->event, "contract_type", json_string(type));
        notify(c, other_party(c), "deal_offer");
    }
    json_decref(o);
    return rc;
}

static int do_accept_offer(act_ctx *c)
{
    json_t *o = open_offer(c);
    int rc = 0;
    if (!o) rc = fail(c, "err.deal.no_offer", KJ_E_CONFLICT);
    else if (has_text(c, "offer_id") && !same(arg(c, "offer_id"), kj_jstr(o, "id"))) rc = fail(c, "err.deal.offer_stale", KJ_E_CONFLICT);
    else if (json_integer_value(json_object_get(o, "expires_at")) < kj_now_ms()) rc = fail(c, "err.deal.offer_expired", KJ_E_CONFLICT);
    else if (kj_db_exec(c->db, "UPDATE deal_offers SET status = 'accepted' WHERE id = ?", "s", kj_jstr(o, "id")) < 1 ||
             freeze_contract(c->db, c->deal_id, o))
        rc = fail(c, "err.internal", KJ_E_INTERNAL);
    if (rc == 0) {
        json_object_set_new(c->event, "offer_id", json_string(kj_jstr(o, "id")));
        json_object_set(c->event, "amount_fen", json_object_get(o, "amount_fen"));
        notify(c, kj_jstr(c->deal, "provider_id"), "deal_to_sign");
        notify(c, kj_jstr(c->deal, "client_id"), "deal_to_sign");
    }
    json_decref(o);
    return rc;
}

static int do_sign(act_ctx *c)
{
    const char *hash = kj_jstr(c->deal, "contract_hash");
    if (!hash) return fail(c, "err.deal.no_contract", KJ_E_CONFLICT);
    if (kj_db_int(c->db, 0, "SELECT count(*) FROM deal_signatures WHERE deal_id = ? AND user_id = ?", "ss", c->deal_id, c->uid))
        return fail(c, "err.deal.signed_twice", KJ_E_CONFLICT);
    /* The signer confirms the text they saw: a stale page (another contract) is refused. */
    if (has_text(c, "contract_hash") && !same(arg(c, "contract_hash"), hash)) return fail(c, "err.deal.contract_changed", KJ_E_CONFLICT);
    if (kj_db_exec(c->db, "INSERT INTO deal_signatures(deal_id, user_id, contract_hash, signed_at, client_ip) VALUES (?,?,?,?,?)",
                   "sssis", c->deal_id, c->uid, hash, kj_now_ms(), c->client_ip ? c->client_ip : "") < 1)
        return fail(c, "err.internal", KJ_E_INTERNAL);
    int64_t n = kj_db_int(c->db, 0, "SELECT count(*) FROM deal_signatures WHERE deal_id = ?", "s", c->deal_id);
    if (n < 2) { c->next = NULL; notify(c, other_party(c), "deal_to_sign"); }
    json_object_set_new(c->event, "contract_hash", json_string(hash));
    json_object_set_new(c->event, "signatures", json_integer(n));
    return 0;
}

static int do_add_milestone(act_ctx *c)
{
    const char *title = arg(c, "title"), *deliverable = arg(c, "deliverable"), *due = arg(c, "due_date");
    int64_t amount = 0;
    if (!title || !*title || kj_utf8_chars(title, strlen(title)) > 100) return field_fail(c, "title", "err.deal.milestone_title");
    if (!deliverable || !*deliverable || kj_utf8_chars(deliverable, strlen(deliverable)) > 2000)
        return field_fail(c, "deliverable", "err.deal.deliverable");
    if (!due || !kj_valid_date(due)) return field_fail(c, "due_date", "err.deal.due_date");
    char today[16];
    kj_format_date(kj_now_ms(), today, sizeof today);
    if (strcmp(due, today) < 0) return field_fail(c, "due_date", "err.deal.due_past");
    if (!money_arg(c, "amount", &amount)) return field_fail(c, "amount", "err.deal.amount");
    kj_id id = kj_id_new();
    if (kj_db_exec(c->db, "INSERT INTO deal_milestones(id, origin, deal_id, title, deliverable, due_date, amount_fen, status, created_at) "
                          "VALUES (?,?,?,?,?,?,?,'open',?)", "ssssssii", id.s, kj_instance_id(c->db), c->deal_id, title,
                   deliverable, due, amount, kj_now_ms()) < 1)
        return fail(c, "err.internal", KJ_E_INTERNAL);
    if (c->result_id) snprintf(c->result_id, KJ_ID_LEN + 1, "%s", id.s);
    json_object_set_new(c->event, "milestone_id", json_string(id.s));
    json_object_set_new(c->event, "due_date", json_string(due));
    json_object_set_new(c->event, "amount_fen", json_integer(amount));
    return 0;
}

/* deliver_milestone: open → delivered; accept_milestone: delivered → accepted. */
static int milestone_step(act_ctx *c, const char *from, const char *to, const char *stamp_sql)
{
    const char *mid = arg(c, "milestone_id");
    json_t *m = mid ? kj_db_row(c->db, "SELECT id, status FROM deal_milestones WHERE id = ? AND deal_id = ?", "ss", mid, c->deal_id) : NULL;
    int rc = 0;
    if (!m) rc = fail(c, "err.deal.milestone_missing", KJ_E_NOT_FOUND);
    else if (!same(kj_jstr(m, "status"), from)) rc = fail(c, "err.deal.milestone_state", KJ_E_CONFLICT);
    else if (kj_db_exec(c->db, stamp_sql, "sis", to, kj_now_ms(), mid) < 1) rc = fail(c, "err.internal", KJ_E_INTERNAL);
    if (rc == 0) json_object_set_new(c->event, "milestone_id", json_string(mid));
    json_decref(m);
    return rc;
}

static int do_deliver_milestone(act_ctx *c)
{
    int rc = milestone_step(c, "open", "delivered", "UPDATE deal_milestones SET status = ?, delivered_at = ? WHERE id = ?");
    if (rc == 0) notify(c, kj_jstr(c->deal, "client_id"), "deal_delivered");
    return rc;
}

static int do_accept_milestone(act_ctx *c)
{
    return milestone_step(c, "delivered", "accepted", "UPDATE deal_milestones SET status = ?, accepted_at = ? WHERE id = ?");
}

static int do_start(act_ctx *c)
{
    if (kj_db_int(c->db, 0, "SELECT count(*) FROM deal_milestones WHERE deal_id = ?", "s", c->deal_id) == 0)
        return fail(c, "err.deal.no_milestones", KJ_E_CONFLICT);
    return 0;
}

static int do_deliver(act_ctx *c)
{
    if (kj_db_int(c->db, 0, "SELECT count(*) FROM deal_milestones WHERE deal_id = ? AND status = 'open'", "s", c->deal_id) > 0)
        return fail(c, "err.deal.milestones_open", KJ_E_CONFLICT);
    notify(c, kj_jstr(c->deal, "client_id"), "deal_delivered");
    return 0;
}

static int do_accept_delivery(act_ctx *c)
{
    return kj_db_exec(c->db, "UPDATE deal_milestones SET status = 'accepted', accepted_at = ? WHERE deal_id = ? AND status <> 'accepted'",
                      "is", kj_now_ms(), c->deal_id) < 0 ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
}

static int do_complete(act_ctx *c)
{
    notify(c, other_party(c), "deal_completed");
    return 0;
}

static int with_reason(act_ctx *c, bool required)
{
    const char *r = arg(c, "reason");
    if (required && (!r || !*r)) return field_fail(c, "reason", "err.deal.reason");
    if (r && kj_utf8_chars(r, strlen(r)) > 1000) return field_fail(c, "reason", "err.field.too_long");
    if (r && *r) { char h[65]; kj_sha256_hex(r, strlen(r), h); json_object_set_new(c->event, "reason_sha256", json_string(h)); }
    return 0;
}

static int do_reject_delivery(act_ctx *c)
{
    if (with_reason(c, true)) return -1;
    return kj_db_exec(c->db, "UPDATE deal_milestones SET status = 'open', delivered_at = NULL WHERE deal_id = ? AND status = 'delivered'",
                      "s", c->deal_id) < 0 ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
}

static int do_request_cancel(act_ctx *c)
{
    if (kj_jstr(c->deal, "cancel_requested_by")) return fail(c, "err.deal.cancel_pending", KJ_E_CONFLICT);
    if (with_reason(c, false)) return -1;
    notify(c, other_party(c), "deal_cancel_requested");
    return kj_db_exec(c->db, "UPDATE deals SET cancel_requested_by = ? WHERE id = ?", "ss", c->uid, c->deal_id) < 1
               ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
}

static int do_agree_cancel(act_ctx *c)
{
    if (!kj_jstr(c->deal, "cancel_requested_by")) return fail(c, "err.deal.no_cancel_request", KJ_E_CONFLICT);
    notify(c, other_party(c), "deal_cancelled");
    return 0;
}

static int do_dispute(act_ctx *c)
{
    if (with_reason(c, true)) return -1;
    notify(c, other_party(c), "deal_disputed");
    return kj_db_exec(c->db, "UPDATE deals SET state_before_dispute = state WHERE id = ?", "s", c->deal_id) < 1
               ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
}

static int do_mediate(act_ctx *c)
{
    /* The mediator joins the conversation like a broker. */
    return kj_db_exec(c->db, "INSERT INTO thread_members(thread_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING", "ss",
                      kj_jstr(c->deal, "thread_id"), c->uid) < 0 ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
}

static int do_resolve(act_ctx *c)
{
    const char *r = arg(c, "reason");
    if (with_reason(c, true)) return -1;
    notify(c, kj_jstr(c->deal, "provider_id"), "deal_resolved");
    notify(c, kj_jstr(c->deal, "client_id"), "deal_resolved");
    return kj_db_exec(c->db, "UPDATE deals SET resolution = ? WHERE id = ?", "ss", r, c->deal_id) < 1 ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
}

static int do_invite_broker(act_ctx *c)
{
    const char *bid = arg(c, "broker_id");
    json_t *b = bid && kj_id_valid(bid) ? kj_user_get(c->db, bid) : NULL;
    int rc = 0;
    if (kj_jstr(c->deal, "broker_id")) rc = fail(c, "err.deal.broker_present", KJ_E_CONFLICT);
    else if (!b || !same(kj_jstr(b, "role"), "operator") || !kj_authz_can_review_region(b, kj_jstr(c->deal, "region")))
        rc = field_fail(c, "broker_id", "err.deal.broker");
    else if (kj_db_exec(c->db, "UPDATE deals SET broker_id = ? WHERE id = ?", "ss", bid, c->deal_id) < 1 ||
             kj_db_exec(c->db, "INSERT INTO thread_members(thread_id, user_id) VALUES (?,?) ON CONFLICT DO NOTHING", "ss",
                        kj_jstr(c->deal, "thread_id"), bid) < 0)
        rc = fail(c, "err.internal", KJ_E_INTERNAL);
    if (rc == 0) { json_object_set_new(c->event, "broker_id", json_string(bid)); notify(c, bid, "deal_broker"); }
    json_decref(b);
    return rc;
}

static int do_message(act_ctx *c)
{
    const char *body = arg(c, "body");
    if (!body || !*body) return field_fail(c, "body", "err.field.required");
    if (kj_utf8_chars(body, strlen(body)) > 5000) return field_fail(c, "body", "err.field.too_long");
    kj_id id = kj_id_new();
    int64_t now = kj_now_ms();
    const char *tid = kj_jstr(c->deal, "thread_id");
    if (kj_db_exec(c->db, "INSERT INTO messages(id, origin, thread_id, sender_id, body, created_at) VALUES (?,?,?,?,?,?)",
                   "sssssi", id.s, kj_instance_id(c->db), tid, c->uid, body, now) < 1 ||
        kj_db_exec(c->db, "UPDATE thread_members SET last_read_at = ? WHERE thread_id = ? AND user_id = ?", "iss", now, tid, c->uid) < 0)
        return fail(c, "err.internal", KJ_E_INTERNAL);
    /* The log keeps metadata only: who, when, and a digest of the body. */
    char h[65];
    kj_sha256_hex(body, strlen(body), h);
    json_object_set_new(c->event, "message_id", json_string(id.s));
    json_object_set_new(c->event, "body_sha256", json_string(h));
    if (c->result_id) snprintf(c->result_id, KJ_ID_LEN + 1, "%s", id.s);
    /* attachment_id comes only from kj_deal_attach (no route declares it). */
    const char *att = arg(c, "attachment_id");
    if (att && kj_db_exec(c->db, "INSERT INTO deal_attachments(attachment_id, deal_id, message_id, created_at) VALUES (?,?,?,?)",
                          "sssi", att, c->deal_id, id.s, now) < 1)
        return fail(c, "err.internal", KJ_E_INTERNAL);
    if (att) json_object_set_new(c->event, "attachment_id", json_string(att));
    json_t *others = kj_db_rows(c->db, "SELECT user_id FROM thread_members WHERE thread_id = ? AND user_id <> ?", "ss", tid, c->uid);
    size_t i;
    json_t *o;
    json_array_foreach(others, i, o) notify(c, kj_jstr(o, "user_id"), "deal_message");
    json_decref(others);
    return 0;
}

static int do_review(act_ctx *c)
{
    int64_t rating = int_arg(c, "rating", 0);
    const char *body = arg(c, "body");
    if (rating < 1 || rating > 5) return field_fail(c, "rating", "err.deal.rating");
    if (!body || !*body || kj_utf8_chars(body, strlen(body)) > 2000) return field_fail(c, "body", "err.deal.review_body");
    if (kj_db_int(c->db, 0, "SELECT count(*) FROM deal_reviews WHERE deal_id = ? AND author_id = ?", "ss", c->deal_id, c->uid))
        return fail(c, "err.deal.reviewed_twice", KJ_E_CONFLICT);
    const char *subject = other_party(c);
    char *org = kj_db_text(c->db, "SELECT org_id FROM users WHERE id = ?", "s", subject);
    /* A provider offering through a studio (its listing, or its 揭榜 application) is rated with the studio too. */
    char *studio = NULL;
    if (same(subject, kj_jstr(c->deal, "provider_id")) && kj_jstr(c->deal, "listing_id"))
        studio = kj_db_text(c->db, "SELECT studio_id FROM listings WHERE id = ?", "s", kj_jstr(c->deal, "listing_id"));
    else if (same(subject, kj_jstr(c->deal, "provider_id")) && same(kj_jstr(c->deal, "source"), "challenge"))
        studio = kj_db_text(c->db, "SELECT studio_id FROM challenge_applications WHERE id = ?", "s", kj_jstr(c->deal, "source_id"));
    kj_id id = kj_id_new();
    int rc = kj_db_exec(c->db, "INSERT INTO deal_reviews(id, origin, deal_id, author_id, subject_id, subject_org_id, subject_studio_id, "
                               "rating, body, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", "sssssssisi", id.s, kj_instance_id(c->db),
                        c->deal_id, c->uid, subject, org, studio, rating, body, kj_now_ms()) < 1 ? fail(c, "err.internal", KJ_E_INTERNAL) : 0;
    free(org);
    free(studio);
    if (rc) return rc;
    if (c->result_id) snprintf(c->result_id, KJ_ID_LEN + 1, "%s", id.s);
    json_object_set_new(c->event, "review_id", json_string(id.s));
    json_object_set_new(c->event, "rating", json_integer(rating));
    notify(c, subject, "deal_review");
    return 0;
}

static json_t *review_of(act_ctx *c)
{
    const char *rid = arg(c, "review_id");
    return rid ? kj_db_row(c->db, "SELECT * FROM deal_reviews WHERE id = ? AND deal_id = ?", "ss", rid, c->deal_id) : NULL;
}

static int do_reply_review(act_ctx *c)
{
    json_t *r = review_of(c);
    const char *body = arg(c, "body");
    int rc = 0;
    if (!r) rc = fail(c, "err.deal.review_missing", KJ_E_NOT_FOUND);
    else if (!same(kj_jstr(r, "subject_id"), c->uid)) rc = fail(c, "err.deal.reply_not_yours", KJ_E_FORBIDDEN);
    else if (kj_jstr(r, "reply")) rc = fail(c, "err.deal.replied_twice", KJ_E_CONFLICT);
    else if (!body || !*body || kj_utf8_chars(body, strlen(body)) > 2000) rc = field_fail(c, "body", "err.deal.review_body");
    else if (kj_db_exec(c->db, "UPDATE deal_reviews SET reply = ?, replied_at = ? WHERE id = ? AND reply IS NULL", "sis", body,
                        kj_now_ms(), kj_jstr(r, "id")) < 1)
        rc = fail(c, "err.internal", KJ_E_INTERNAL);
    if (rc == 0) json_object_set_new(c->event, "review_id", json_string(kj_jstr(r, "id")));
    json_decref(r);
    return rc;
}

static int do_hide_review(act_ctx *c)
{
    json_t *r = review_of(c);
    int rc = 0;
    if (!r) rc = fail(c, "err.deal.review_missing", KJ_E_NOT_FOUND);
    else if (json_integer_value(json_object_get(r, "hidden"))) rc = fail(c, "err.deal.hidden_twice", KJ_E_CONFLICT);
    else if (with_reason(c, true)) rc = -1;
    else if (kj_db_exec(c->db, "UPDATE deal_reviews SET hidden = 1, hidden_by = ?, hidden_reason = ? WHERE id = ?", "sss", c->uid,
                        arg(c, "reason"), kj_jstr(r, "id")) < 1)
        rc = fail(c, "err.internal", KJ_E_INTERNAL);
    if (rc == 0) json_object_set_new(c->event, "review_id", json_string(kj_jstr(r, "id")));
    json_decref(r);
    return rc;
}

static const struct { const char *action; int (*fn)(act_ctx *c); } effects[] = {
    { "offer", do_offer }, { "accept_offer", do_accept_offer }, { "sign", do_sign }, { "add_milestone", do_add_milestone },
    { "deliver_milestone", do_deliver_milestone }, { "accept_milestone", do_accept_milestone }, { "start", do_start },
    { "deliver", do_deliver }, { "accept_delivery", do_accept_delivery }, { "reject_delivery", do_reject_delivery },
    { "complete", do_complete }, { "request_cancel", do_request_cancel }, { "agree_cancel", do_agree_cancel },
    { "dispute", do_dispute }, { "mediate", do_mediate }, { "resolve", do_resolve }, { "invite_broker", do_invite_broker },
    { "message", do_message }, { "review", do_review }, { "reply_review", do_reply_review }, { "hide_review", do_hide_review },
};

static int (*effect_of(const char *action))(act_ctx *)
{
    for (size_t i = 0; i < sizeof effects / sizeof *effects; i++) if (!strcmp(effects[i].action, action)) return effects[i].fn;
    return NULL;
}

/* Whether the user may see the deal at all. */
static bool may_view(act_ctx *c)
{
    if (is_party(c) || is_broker(c)) return true;
    if (same(kj_jstr(c->user, "role"), "admin")) return true;
    static const char *const mediated[] = { "disputed", "mediation", "resolved", "completed", NULL };
    return kj_authz_can_review_region(c->user, kj_jstr(c->deal, "region")) && kj_in_list(mediated, kj_jstr(c->deal, "state"));
}

static json_t *load_deal(kj_db *db, const char *id)
{
    return id && kj_id_valid(id) ? kj_db_row(db, "SELECT * FROM deals WHERE id = ?", "s", id) : NULL;
}

static int run_action(act_ctx *c, const kj_deal_transition *row, const char *action)
{
    int (*fn)(act_ctx *) = effect_of(action);
    c->next = row->to;
    if (fn(c)) return -1;
    const char *state = kj_jstr(c->deal, "state");
    if (c->next && strcmp(c->next, state)) {
        json_object_set_new(c->event, "from", json_string(state));
        json_object_set_new(c->event, "to", json_string(c->next));
        if (kj_db_exec(c->db, "UPDATE deals SET state = ?, updated_at = ?, cancel_requested_by = NULL WHERE id = ? AND state = ?",
                       "siss", c->next, kj_now_ms(), c->deal_id, state) < 1)
            return fail(c, "err.deal.changed", KJ_E_CONFLICT);
    } else {
        if (kj_db_exec(c->db, "UPDATE deals SET updated_at = ? WHERE id = ?", "is", kj_now_ms(), c->deal_id) < 0)
            return fail(c, "err.internal", KJ_E_INTERNAL);
    }
    if (kj_ledger_append(c->db, c->deal_id, c->uid, action, c->event)) return fail(c, "err.internal", KJ_E_INTERNAL);
    return 0;
}

int kj_deal_act(kj_db *db, json_t *user, const char *deal_id, const char *action, json_t *args,
                const char *client_ip, json_t *errors, char *result_id, kj_err *derr)
{
    if (!action || !effect_of(action)) return refuse(derr, "err.deal.unknown_action", KJ_E_INVALID);
    if (kj_db_begin(db)) return refuse(derr, "err.internal", KJ_E_INTERNAL);
    /* Read inside the write transaction: two actions on one deal are serialized. */
    act_ctx c = { .db = db, .user = user, .uid = kj_jstr(user, "id"), .deal_id = deal_id, .args = args, .errors = errors,
                  .client_ip = client_ip, .result_id = result_id, .derr = derr };
    c.deal = load_deal(db, deal_id);
    c.event = json_object();
    int rc = 0;
    const kj_deal_transition *row = NULL;
    if (!c.deal || !may_view(&c)) {
        rc = fail(&c, "err.deal.not_found", KJ_E_NOT_FOUND);
    } else {
        bool known_in_state = false;
        for (const kj_deal_transition *t = kj_deal_transitions; t->action && !row; t++) {
            if (strcmp(t->from, kj_jstr(c.deal, "state")) || strcmp(t->action, action)) continue;
            known_in_state = true;
            if (may_act(&c, t->who, action)) row = t;
        }
        if (!known_in_state) rc = fail(&c, "err.deal.wrong_state", KJ_E_CONFLICT);
        else if (!row) rc = fail(&c, is_party(&c) || is_broker(&c) ? "err.deal.out_of_turn" : "err.deal.not_participant", KJ_E_FORBIDDEN);
        else rc = run_action(&c, row, action);
    }
    rc = finish_tx(db, rc, derr);
    json_decref(c.event);
    json_decref(c.deal);
    return rc;
}

/* ---- reading ---- */

json_t *kj_deal_offers(kj_db *db, const char *deal_id)
{
    json_t *r = kj_db_rows(db, "SELECT o.*, u.name AS author_name FROM deal_offers o JOIN users u ON u.id = o.author_id "
                               "WHERE o.deal_id = ? ORDER BY o.created_at, o.id", "s", deal_id);
    return r ? r : json_array();
}

json_t *kj_deal_milestones(kj_db *db, const char *deal_id)
{
    json_t *r = kj_db_rows(db, "SELECT * FROM deal_milestones WHERE deal_id = ? ORDER BY due_date, created_at", "s", deal_id);
    return r ? r : json_array();
}

json_t *kj_deal_reviews(kj_db *db, const char *deal_id, bool include_hidden)
{
    json_t *r = kj_db_rows(db, "SELECT r.id, r.deal_id, r.author_id, a.name AS author_name, r.subject_id, s.name AS subject_name, r.rating, "
                               "r.body, r.reply, r.replied_at, r.hidden, r.hidden_reason, r.created_at FROM deal_reviews r "
                               "JOIN users a ON a.id = r.author_id JOIN users s ON s.id = r.subject_id "
                               "WHERE r.deal_id = ? AND (r.hidden = 0 OR ?) ORDER BY r.created_at", "sb", deal_id, include_hidden);
    return r ? r : json_array();
}

/* The actions the user may take now, in table order, without duplicates. */
static json_t *available_actions(act_ctx *c)
{
    json_t *out = json_array();
    for (const kj_deal_transition *t = kj_deal_transitions; t->action; t++) {
        if (strcmp(t->from, kj_jstr(c->deal, "state")) || !may_act(c, t->who, t->action)) continue;
        bool dup = false;
        size_t i;
        json_t *a;
        json_array_foreach(out, i, a) if (!strcmp(json_string_value(a), t->action)) dup = true;
        if (!dup) json_array_append_new(out, json_string(t->action));
    }
    return out;
}

char *kj_deal_of_thread(kj_db *db, const char *thread_id)
{
    return kj_db_text(db, "SELECT id FROM deals WHERE thread_id = ?", "s", thread_id);
}

json_t *kj_deal_get(kj_db *db, json_t *user, const char *deal_id)
{
    return kj_deal_get_page(db, user, deal_id, NULL, KJ_THREAD_PAGE);
}

json_t *kj_deal_get_page(kj_db *db, json_t *user, const char *deal_id, const char *before, int limit)
{
    act_ctx c = { .db = db, .user = user, .uid = kj_jstr(user, "id"), .deal_id = deal_id };
    c.deal = load_deal(db, deal_id);
    if (!c.deal || !may_view(&c)) { json_decref(c.deal); return NULL; }
    json_t *d = c.deal;
    json_t *names = kj_db_row(db, "SELECT p.name AS provider_name, cl.name AS client_name, b.name AS broker_name, "
                                  "po.id AS po_id, po.name AS po_name, po.verified_at IS NOT NULL AS po_verified, "
                                  "co.id AS co_id, co.name AS co_name, co.verified_at IS NOT NULL AS co_verified FROM deals d "
                                  "JOIN users p ON p.id = d.provider_id JOIN users cl ON cl.id = d.client_id "
                                  "LEFT JOIN users b ON b.id = d.broker_id LEFT JOIN orgs po ON po.id = p.org_id "
                                  "LEFT JOIN orgs co ON co.id = cl.org_id WHERE d.id = ?", "s", deal_id);
    /* Each party's organization as every page shows one: {id, name,
     * verified} (the verified-organization badge; null: none). */
    static const char *const sides[][4] = { { "provider_org", "po_id", "po_name", "po_verified" },
                                            { "client_org", "co_id", "co_name", "co_verified" } };
    for (size_t k = 0; names && k < 2; k++) {
        const char *oid = kj_jstr(names, sides[k][1]);
        json_object_set_new(names, sides[k][0], oid ? json_pack("{s:s, s:s?, s:b}", "id", oid, "name", kj_jstr(names, sides[k][2]),
                                                                 "verified", json_integer_value(json_object_get(names, sides[k][3])) != 0)
                                                     : json_null());
        for (int f = 1; f < 4; f++) json_object_del(names, sides[k][f]);
    }
    json_object_update(d, names);
    json_decref(names);
    json_object_set_new(d, "role", json_string(is_provider(&c) ? "provider" : is_client(&c) ? "client" : is_broker(&c) ? "broker" : "staff"));
    json_object_set_new(d, "actions", available_actions(&c));
    json_object_set_new(d, "offers", kj_deal_offers(db, deal_id));
    json_object_set_new(d, "milestones", kj_deal_milestones(db, deal_id));
    json_t *sigs = kj_db_rows(db, "SELECT s.user_id, u.name, s.contract_hash, s.signed_at FROM deal_signatures s JOIN users u ON "
                                  "u.id = s.user_id WHERE s.deal_id = ? ORDER BY s.signed_at", "s", deal_id);
    json_object_set_new(d, "signatures", sigs ? sigs : json_array());
    json_object_set_new(d, "reviews", kj_deal_reviews(db, deal_id, is_staff(&c)));
    const char *tid = kj_jstr(d, "thread_id");
    bool member = kj_db_int(db, 0, "SELECT count(*) FROM thread_members WHERE thread_id = ? AND user_id = ?", "ss", tid, c.uid) > 0;
    if (member) {
        /* One page of the conversation (marks it read): a deal answers every
         * action with itself, so a long thread must never ride along whole. */
        json_t *t = kj_thread_page(db, user, tid, before, limit);
        if (!t) { json_decref(d); return NULL; }
        json_object_set(d, "messages", json_object_get(t, "messages"));
        json_object_set(d, "messages_older", json_object_get(t, "older"));
        json_decref(t);
        json_t *files = kj_db_rows(db, "SELECT a.id, a.filename, a.mime, a.size, da.message_id, da.deal_id FROM deal_attachments da "
                                       "JOIN attachments a ON a.id = da.attachment_id WHERE da.deal_id = ? ORDER BY da.created_at",
                                   "s", deal_id);
        json_object_set_new(d, "attachments", files ? files : json_array());
    }
    return d;
}

json_t *kj_deal_list(kj_db *db, json_t *user)
{
    const char *uid = kj_jstr(user, "id");
    bool admin = same(kj_jstr(user, "role"), "admin");
    json_t *rows = kj_db_rows(db, "SELECT d.id, d.title, d.state, d.contract_type, d.amount_fen, d.provider_id, d.client_id, "
                                  "d.broker_id, d.created_at, d.updated_at, p.name AS provider_name, c.name AS client_name, "
                                  "(SELECT count(*) FROM messages m JOIN thread_members tm ON tm.thread_id = m.thread_id AND tm.user_id = ? "
                                  " WHERE m.thread_id = d.thread_id AND m.sender_id <> ? AND m.created_at > tm.last_read_at) AS unread "
                                  "FROM deals d JOIN users p ON p.id = d.provider_id JOIN users c ON c.id = d.client_id "
                                  "WHERE ? OR d.provider_id = ? OR d.client_id = ? OR d.broker_id = ? ORDER BY d.updated_at DESC, d.id",
                              "ssbsss", uid, uid, admin, uid, uid, uid);
    return rows ? rows : json_array();
}

json_t *kj_deal_brokerable(kj_db *db, json_t *user, int limit)
{
    /* Open states: a broker can still help (not completed, cancelled or resolved). */
    json_t *deals = kj_db_rows(db, "SELECT d.id, d.title, d.state, d.region, d.created_at, p.name AS provider_name, "
                                   "c.name AS client_name FROM deals d JOIN users p ON p.id = d.provider_id "
                                   "JOIN users c ON c.id = d.client_id WHERE d.broker_id IS NULL "
                                   "AND d.state NOT IN ('completed','cancelled','resolved') "
                                   "ORDER BY d.created_at DESC, d.id LIMIT 500", "");
    json_t *eois = kj_db_rows(db, "SELECT e.id, e.listing_id, l.title AS listing_title, l.region, e.decided_at FROM eois e "
                                  "JOIN listings l ON l.id = e.listing_id WHERE e.status = 'accepted' "
                                  "AND NOT EXISTS (SELECT 1 FROM deals d WHERE d.source = 'eoi' AND d.source_id = e.id) "
                                  "ORDER BY e.decided_at DESC, e.id LIMIT 500", "");
    json_t *out[2] = { json_array(), json_array() }, *in[2] = { deals, eois };
    for (int k = 0; k < 2; k++) {
        size_t i;
        json_t *r;
        json_array_foreach(in[k], i, r)
            if ((int)json_array_size(out[k]) < limit && kj_authz_can_review_region(user, kj_jstr(r, "region")))
                json_array_append(out[k], r);
        json_decref(in[k]);
    }
    return json_pack("{s:o, s:o}", "deals", out[0], "matches", out[1]);
}

char *kj_deal_of_eoi(kj_db *db, const char *eoi_id)
{
    return eoi_id ? kj_db_text(db, "SELECT id FROM deals WHERE source = 'eoi' AND source_id = ?", "s", eoi_id) : NULL;
}

json_t *kj_deal_startable(kj_db *db, json_t *user)
{
    const char *uid = kj_jstr(user, "id");
    json_t *rows = kj_db_rows(db, "SELECT e.id, l.title AS listing_title, e.decided_at FROM eois e JOIN listings l ON l.id = e.listing_id "
                                  "WHERE e.status = 'accepted' AND (e.sender_id = ? OR l.owner_id = ?) "
                                  "AND NOT EXISTS (SELECT 1 FROM deals d WHERE d.source = 'eoi' AND d.source_id = e.id) "
                                  "ORDER BY e.decided_at DESC", "ss", uid, uid);
    return rows ? rows : json_array();
}

json_t *kj_deal_ratings(kj_db *db, const char *kind, const char *id, int limit)
{
    static const struct { const char *kind, *column; } kinds[] = {
        { "user", "subject_id" }, { "org", "subject_org_id" }, { "studio", "subject_studio_id" } };
    const char *col = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) if (same(kinds[i].kind, kind)) col = kinds[i].column;
    if (!col || !id) return NULL;
    char sql[640];
    /* The summary counts every visible review; the items are the latest. */
    snprintf(sql, sizeof sql, "SELECT rating, count(*) AS n FROM deal_reviews WHERE %s = ? AND hidden = 0 GROUP BY rating", col);
    json_t *groups = kj_db_rows(db, sql, "s", id);
    int64_t dist[5] = { 0 }, count = 0, sum = 0;
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) {
        int64_t r = json_integer_value(json_object_get(g, "rating")), n = json_integer_value(json_object_get(g, "n"));
        if (r < 1 || r > 5) continue;
        dist[r - 1] = n;
        count += n;
        sum += r * n;
    }
    json_decref(groups);
    snprintf(sql, sizeof sql, "SELECT r.id, r.deal_id, r.rating, r.body, r.reply, r.replied_at, r.created_at, a.name AS author_name, "
                              "s.name AS subject_name FROM deal_reviews r JOIN users a ON a.id = r.author_id "
                              "JOIN users s ON s.id = r.subject_id WHERE r.%s = ? AND r.hidden = 0 "
                              "ORDER BY r.created_at DESC, r.id DESC LIMIT ?", col);
    json_t *items = kj_db_rows(db, sql, "si", id, (int64_t)(limit > 0 ? limit : 20));
    if (!items) items = json_array();
    json_t *distribution = json_array();
    for (int k = 0; k < 5; k++) json_array_append_new(distribution, json_integer(dist[k]));
    return json_pack("{s:I, s:I, s:o, s:o}", "count", (json_int_t)count,
                     "average_x100", (json_int_t)(count ? (sum * 100 + count / 2) / count : 0), "distribution", distribution,
                     "items", items);
}

static void bump(json_t *group, const char *key, int64_t fen)
{
    json_t *g = json_object_get(group, key);
    if (!g) { g = json_pack("{s:i, s:I}", "count", 0, "amount_fen", (json_int_t)0); json_object_set_new(group, key, g); }
    json_object_set_new(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1));
    json_object_set_new(g, "amount_fen", json_integer(json_integer_value(json_object_get(g, "amount_fen")) + fen));
}

json_t *kj_deal_stats(kj_db *db, json_t *user)
{
    json_t *rows = kj_db_rows(db, "SELECT domain, region, coalesce(contract_type, '') AS contract_type, amount_fen, created_at, state "
                                  "FROM deals ORDER BY created_at", "");
    json_t *out = json_pack("{s:o, s:o, s:o, s:o, s:o}", "by_domain", json_object(), "by_region", json_object(),
                            "by_contract_type", json_object(), "by_month", json_object(), "by_state", json_object());
    int64_t total = 0, amount = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        if (!kj_authz_can_review_region(user, kj_jstr(r, "region"))) continue;
        /* Amounts count once terms are agreed; earlier deals have none. */
        int64_t fen = json_integer_value(json_object_get(r, "amount_fen"));
        char month[16];
        kj_format_date(json_integer_value(json_object_get(r, "created_at")), month, sizeof month);
        month[7] = 0;
        bump(json_object_get(out, "by_domain"), kj_jstr_or_empty(r, "domain"), fen);
        bump(json_object_get(out, "by_region"), kj_jstr_or_empty(r, "region"), fen);
        bump(json_object_get(out, "by_contract_type"), *kj_jstr_or_empty(r, "contract_type") ? kj_jstr_or_empty(r, "contract_type") : "none", fen);
        bump(json_object_get(out, "by_month"), month, fen);
        bump(json_object_get(out, "by_state"), kj_jstr_or_empty(r, "state"), fen);
        total++;
        amount += fen;
    }
    json_decref(rows);
    json_object_set_new(out, "total", json_pack("{s:I, s:I}", "count", (json_int_t)total, "amount_fen", (json_int_t)amount));
    return out;
}

json_t *kj_deal_broker_candidates(kj_db *db, const char *deal_id)
{
    char *region = kj_db_text(db, "SELECT region FROM deals WHERE id = ?", "s", deal_id);
    json_t *ops = kj_db_rows(db, "SELECT id, name, role, jurisdiction FROM users WHERE role = 'operator' ORDER BY name", "");
    json_t *out = json_array();
    size_t i;
    json_t *u;
    json_array_foreach(ops, i, u)
        if (kj_authz_can_review_region(u, region)) json_array_append_new(out, json_pack("{s:s, s:s}", "id", kj_jstr_or_empty(u, "id"), "name", kj_jstr_or_empty(u, "name")));
    json_decref(ops);
    free(region);
    return out;
}

int kj_deal_attach(kj_db *db, json_t *user, const char *deal_id, const char *data_dir, size_t max_size,
                   const char *filename, const void *data, size_t size, char *att_out,
                   kj_err *derr)
{
    json_t *d = kj_deal_get(db, user, deal_id);
    bool member = d && json_object_get(d, "messages");
    json_decref(d);
    if (!member) return refuse(derr, "err.deal.not_found", KJ_E_NOT_FOUND);
    char att[KJ_ID_LEN + 1];
    if (kj_attach_store(db, data_dir, max_size, kj_jstr(user, "id"), NULL, NULL, filename, data, size, true, att, derr))
        return -1;
    json_t *a = kj_attach_get(db, att);
    json_t *args = json_pack("{s:s, s:s}", "body", a ? json_string_value(json_object_get(a, "filename")) : "", "attachment_id", att);
    json_decref(a);
    int rc = kj_deal_act(db, user, deal_id, "message", args, NULL, NULL, NULL, derr);
    json_decref(args);
    if (rc) { kj_attach_delete(db, data_dir, att); return -1; }
    snprintf(att_out, KJ_ID_LEN + 1, "%s", att);
    return 0;
}

json_t *kj_deal_attachment(kj_db *db, json_t *user, const char *deal_id, const char *attachment_id)
{
    json_t *d = kj_deal_get(db, user, deal_id);
    bool member = d && json_object_get(d, "messages");
    json_decref(d);
    if (!member || !kj_id_valid(attachment_id)) return NULL;
    return kj_db_row(db, "SELECT a.id, a.filename, a.mime, a.size, a.sha256 FROM deal_attachments da JOIN attachments a "
                         "ON a.id = da.attachment_id WHERE da.deal_id = ? AND da.attachment_id = ?", "ss", deal_id, attachment_id);
}

/* Set once at start (kj_deal_set_contract_prefix), read afterwards: the
 * single-thread rule of process-wide settings (see main.c). */
static char contract_prefix[17] = "KJY";

void kj_deal_set_contract_prefix(const char *prefix)
{
    if (prefix && *prefix) snprintf(contract_prefix, sizeof contract_prefix, "%s", prefix);
}

const char *kj_deal_contract_prefix(void) { return contract_prefix; }
