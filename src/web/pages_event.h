/*
 * pages_event.h — handlers of the event pages (pages_event.c: events,
 * registration, organizers' lists, the feed; pages_event_meet.c:
 * participants and suggestions, meetings, agenda and .ics, tickets and
 * check-in, the report) and of the JSON API (api/api_event.c). Each takes
 * the request after the pipeline (session, access, CSRF, declared inputs)
 * and translates between it and event/event.h; none keeps state.
 */
#ifndef KJ_PAGES_EVENT_H
#define KJ_PAGES_EVENT_H
#include "http/http.h"
#include <jansson.h>
#include <stdint.h>

/* Shared by the page and API files. */
/** A moment of an event as its readers see it: in the event's zone, in the
 *  request's language ("2026年12月5日 09:00" / "5 Dec 2026, 09:00"). */
const char *kj_ev_when(kj_req *req, int64_t ms, const char *zone);
/** o[out] = kj_ev_when(o[key]), o[out + "_iso"] the UTC ISO form (the
 *  page's script adds the visitor's own time beside it). */
void kj_ev_set_when(kj_req *req, json_t *o, const char *key, const char *out, const char *zone);
/** Names, summaries, times, the zone's label, state labels of an event
 *  (a row or a view) in the request's language. */
void kj_ev_decorate(kj_req *req, json_t *ev);
/** The personal agenda as iCalendar text (RFC 5545), for the signed-in
 *  participant of event id: sends it, or the refusal. */
void kj_ev_send_ics(kj_req *req, const char *id);
/** The report as XLSX (organizers). */
void kj_ev_send_report_xlsx(kj_req *req, const char *id);
/** Builds the domain input of the page's registration form (answers by
 *  position answer_1..answer_10). New ref. */
json_t *kj_ev_register_input(kj_req *req, json_t *ev);

/* Pages (pages_event.c). */
void kj_page_events(kj_req *req);
void kj_page_events_atom(kj_req *req);
void kj_page_event_new(kj_req *req);
void kj_page_event_create(kj_req *req);
void kj_page_event(kj_req *req);
void kj_page_event_act(kj_req *req);
void kj_page_event_session_add(kj_req *req);
void kj_page_event_register_form(kj_req *req);
void kj_page_event_register(kj_req *req);
void kj_page_event_registrations(kj_req *req);
void kj_page_event_reg_act(kj_req *req);
void kj_page_event_publish_results(kj_req *req);
/* Pages (pages_event_meet.c). */
void kj_page_event_participants(kj_req *req);
void kj_page_event_showcase(kj_req *req);
void kj_page_event_meetings(kj_req *req);
void kj_page_event_meeting_request(kj_req *req);
void kj_page_event_meeting_act(kj_req *req);
void kj_page_event_agenda(kj_req *req);
void kj_page_event_agenda_ics(kj_req *req);
void kj_page_event_ticket(kj_req *req);
void kj_page_event_ticket_svg(kj_req *req);
void kj_page_event_checkin_form(kj_req *req);
void kj_page_event_checkin(kj_req *req);
void kj_page_event_report(kj_req *req);
void kj_page_event_report_xlsx(kj_req *req);
void kj_page_event_projects(kj_req *req);
void kj_page_event_project_submit(kj_req *req);
void kj_page_event_review_setup(kj_req *req);
void kj_page_event_project_score(kj_req *req);
void kj_page_event_project_place(kj_req *req);

/* API (api/api_event.c). */
/* pages_event_edit.c: changing an event after its creation. */
/** An edit's input: req->in plus the fields submitted empty (as ""),
 *  which the route validator leaves out: clearing a field is a change. New ref. */
json_t *kj_ev_edit_input(kj_req *req);
void kj_page_event_edit_form(kj_req *req);
void kj_page_event_edit(kj_req *req);
void kj_page_event_delete(kj_req *req);
void kj_page_event_section_add(kj_req *req);
void kj_page_event_section_edit(kj_req *req);
void kj_page_event_section_delete(kj_req *req);
void kj_page_event_session_edit_form(kj_req *req);
void kj_page_event_session_edit(kj_req *req);
void kj_page_event_session_delete(kj_req *req);
/* api_event_edit.c */
void kj_api_event_patch(kj_req *req);
void kj_api_event_delete(kj_req *req);
void kj_api_event_session_patch(kj_req *req);
void kj_api_event_session_delete(kj_req *req);
void kj_api_event_section_add(kj_req *req);
void kj_api_event_section_patch(kj_req *req);
void kj_api_event_section_delete(kj_req *req);
void kj_api_events(kj_req *req);
void kj_api_event_create(kj_req *req);
void kj_api_event_lifecycle(kj_req *req);
void kj_api_event(kj_req *req);
void kj_api_event_act(kj_req *req);
void kj_api_event_sessions(kj_req *req);
void kj_api_event_register(kj_req *req);
void kj_api_event_registrations(kj_req *req);
void kj_api_event_reg_act(kj_req *req);
void kj_api_event_participants(kj_req *req);
void kj_api_event_suggestions(kj_req *req);
void kj_api_event_showcase(kj_req *req);
void kj_api_event_meetings(kj_req *req);
void kj_api_event_meeting_request(kj_req *req);
void kj_api_event_meeting_act(kj_req *req);
void kj_api_event_agenda(kj_req *req);
void kj_api_event_agenda_ics(kj_req *req);
void kj_api_event_checkin(kj_req *req);
void kj_api_event_report(kj_req *req);
void kj_api_event_projects(kj_req *req);
void kj_api_event_project_submit(kj_req *req);
void kj_api_event_review_setup(kj_req *req);
void kj_api_event_project_score(kj_req *req);
void kj_api_event_project_place(kj_req *req);
#endif
