/* report.c — the organizer's report after an event (see event.h):
 * registrations, attendance, meetings, intentions and deals, by section,
 * by domain and by country. Counts only; the page and the XLSX export
 * show them. */
#include "event/internal.h"
#include "account/account.h"
#include "core/json_util.h"

json_t *kj_event_report(kj_db *db, json_t *user, const char *event_id, kj_err *e)
{
    json_t *ev = kj_ev_load(db, event_id);
    if (!ev || (ev_same(kj_jstr(ev, "state"), "draft") && !kj_event_is_organizer(user, ev))) {
        json_decref(ev);
        kj_err_set(e, KJ_E_NOT_FOUND, "err.not_found", NULL);
        return NULL;
    }
    if (!kj_event_is_organizer(user, ev)) {
        json_decref(ev);
        kj_ev_refuse_manage(user, e);
        return NULL;
    }
    json_t *states = json_object();
    for (const char *const *s = kj_event_reg_states; *s; s++) json_object_set_new(states, *s, json_integer(0));
    json_t *rows = kj_db_rows(db, "SELECT state, count(*) AS n FROM event_registrations WHERE event_id = ? GROUP BY state", "s", event_id);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_object_set(states, kj_jstr(r, "state"), json_object_get(r, "n"));
    json_decref(rows);
    /* Deals signed: in any state from "signed" on (deal/deal.h's
     * kj_deal_states), a dispute included. */
    json_t *out = kj_db_row(db, "SELECT "
        "(SELECT count(*) FROM event_registrations WHERE event_id = ? AND state IN ('pending','approved','checked_in')) AS registered, "
        "(SELECT count(*) FROM event_registrations WHERE event_id = ? AND state = 'checked_in') AS attended, "
        "(SELECT count(*) FROM event_meetings WHERE event_id = ?) AS meetings_requested, "
        "(SELECT count(*) FROM event_meetings WHERE event_id = ? AND state IN ('accepted','scheduled','held')) AS meetings_accepted, "
        "(SELECT count(*) FROM event_meetings WHERE event_id = ? AND state = 'held') AS meetings_held, "
        "(SELECT count(*) FROM event_outcomes o JOIN event_meetings m ON m.id = o.meeting_id WHERE m.event_id = ? "
        "  AND o.outcome = 'intention') AS intentions, "
        "(SELECT count(*) FROM event_meetings WHERE event_id = ? AND deal_id IS NOT NULL) AS deals_started, "
        "(SELECT count(*) FROM event_meetings m JOIN deals d ON d.id = m.deal_id WHERE m.event_id = ? "
        "  AND d.state IN ('signed','in_progress','delivered','accepted','completed','disputed','mediation','resolved')) AS deals_signed",
        "ssssssss", event_id, event_id, event_id, event_id, event_id, event_id, event_id, event_id);
    if (!out) out = json_object();
    json_object_set_new(out, "registrations", states);
    /* By section: attendance, not intentions. A section's sessions are
     * where its participants took part: a held meeting counts for the
     * section whose matchmaking session holds its slot's start, and its
     * two sides (checked in) attended that section; a roadshow project
     * placed in one of its sessions makes its submitter (checked in) an
     * attendee too. "registrations" keeps what people chose when
     * registering (interest). */
    json_t *sections = kj_db_rows(db, "SELECT id, name_zh, name_en FROM event_sections WHERE event_id = ? ORDER BY sort, id", "s", event_id);
    json_t *regs = kj_db_rows(db, "SELECT state, sections__json FROM event_registrations WHERE event_id = ? "
                                  "AND state IN ('pending','approved','checked_in')", "s", event_id);
    json_t *mm = kj_db_rows(db, "SELECT section_id, starts_at, ends_at FROM event_sessions WHERE event_id = ? AND kind = 'matchmaking' "
                                "AND section_id IS NOT NULL ORDER BY starts_at, id", "s", event_id);
    json_t *held = kj_db_rows(db, "SELECT m.slot, m.requester_id, m.invitee_id, "
                                  "(SELECT count(*) FROM event_registrations r WHERE r.event_id = m.event_id AND r.user_id = m.requester_id "
                                  "  AND r.state = 'checked_in') AS a_in, "
                                  "(SELECT count(*) FROM event_registrations r WHERE r.event_id = m.event_id AND r.user_id = m.invitee_id "
                                  "  AND r.state = 'checked_in') AS b_in "
                                  "FROM event_meetings m WHERE m.event_id = ? AND m.state = 'held' AND m.slot IS NOT NULL", "s", event_id);
    json_t *shows = kj_db_rows(db, "SELECT DISTINCT s.section_id, p.submitter_id FROM event_projects p "
                                   "JOIN event_sessions s ON s.id = p.session_id "
                                   "JOIN event_registrations r ON r.event_id = p.event_id AND r.user_id = p.submitter_id AND r.state = 'checked_in' "
                                   "WHERE p.event_id = ? AND p.state = 'selected' AND s.section_id IS NOT NULL", "s", event_id);
    json_t *s;
    json_array_foreach(sections, i, s) {
        const char *sid = kj_jstr(s, "id");
        int64_t chose = 0, nheld = 0;
        json_t *people = json_object();   /* user id → true: distinct attendees */
        size_t j, k;
        json_t *x, *y;
        json_array_foreach(regs, j, x) json_array_foreach(json_object_get(x, "sections"), k, y)
            if (ev_same(json_string_value(y), sid)) chose++;
        json_array_foreach(held, j, x) {
            int64_t at = kj_ev_slot_start(ev, ev_int(x, "slot", 0));
            const char *where = NULL;
            json_array_foreach(mm, k, y)
                if (!where && at >= ev_int(y, "starts_at", 0) && at < ev_int(y, "ends_at", 0)) where = kj_jstr(y, "section_id");
            if (!ev_same(where, sid)) continue;
            nheld++;
            if (ev_int(x, "a_in", 0)) json_object_set_new(people, kj_jstr(x, "requester_id"), json_true());
            if (ev_int(x, "b_in", 0)) json_object_set_new(people, kj_jstr(x, "invitee_id"), json_true());
        }
        json_array_foreach(shows, j, x)
            if (ev_same(kj_jstr(x, "section_id"), sid)) json_object_set_new(people, kj_jstr(x, "submitter_id"), json_true());
        json_object_set_new(s, "registrations", json_integer(chose));
        json_object_set_new(s, "attended", json_integer((json_int_t)json_object_size(people)));
        json_object_set_new(s, "meetings_held", json_integer(nheld));
        json_decref(people);
    }
    json_decref(regs);
    json_decref(mm);
    json_decref(held);
    json_decref(shows);
    json_object_set_new(out, "by_section", sections ? sections : json_array());
    json_t *domains = kj_db_rows(db,
        "SELECT COALESCE(l.domain, '') AS domain, count(*) AS meetings, "
        "sum(CASE WHEN m.state = 'held' THEN 1 ELSE 0 END) AS held, "
        "sum((SELECT count(*) FROM event_outcomes o WHERE o.meeting_id = m.id AND o.outcome = 'intention')) AS intentions, "
        "sum(CASE WHEN m.deal_id IS NOT NULL THEN 1 ELSE 0 END) AS deals "
        "FROM event_meetings m LEFT JOIN listings l ON l.id = m.listing_id WHERE m.event_id = ? "
        "GROUP BY COALESCE(l.domain, '') ORDER BY meetings DESC, domain", "s", event_id);
    json_object_set_new(out, "by_domain", domains ? domains : json_array());
    json_t *countries = kj_db_rows(db, "SELECT country, count(*) AS registrations FROM event_registrations WHERE event_id = ? "
                                       "AND state IN ('pending','approved','checked_in') GROUP BY country ORDER BY registrations DESC, country",
                                   "s", event_id);
    json_object_set_new(out, "by_country", countries ? countries : json_array());
    json_object_set_new(out, "event", ev);
    return out;
}
