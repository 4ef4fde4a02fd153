/*
 * api.h — the JSON API's handlers (/api/v1/...), one family per file of
 * src/api/. Each takes a request whose inputs the pipeline (web/app.c) has
 * already checked against the route's declared fields, calls the domain,
 * and answers JSON or problem+json. The route tables (routes/routes_*.c) name
 * them; nothing else calls them.
 */
#ifndef KJ_API_H
#define KJ_API_H
#include "http/http.h"

/* accounts: register, login, me, password, users, regions (api_account.c) */
void kj_api_register(kj_req *req);
void kj_api_login(kj_req *req);
void kj_api_logout(kj_req *req);
void kj_api_me(kj_req *req);
void kj_api_me_patch(kj_req *req);
void kj_api_password(kj_req *req);
void kj_api_org(kj_req *req);
void kj_api_regions(kj_req *req);

/* challenge lists and their entries (api_challenge.c) */
void kj_api_challenge_lists(kj_req *req);
void kj_api_challenge_list_create(kj_req *req);
void kj_api_challenge_list(kj_req *req);
void kj_api_challenge_create(kj_req *req);
void kj_api_challenge_lifecycle(kj_req *req);
void kj_api_challenge(kj_req *req);
void kj_api_challenge_patch(kj_req *req);
void kj_api_challenge_act(kj_req *req);
void kj_api_challenge_applications(kj_req *req);
void kj_api_challenge_apply(kj_req *req);
void kj_api_challenge_application(kj_req *req);
void kj_api_challenge_application_patch(kj_req *req);
void kj_api_challenge_application_withdraw(kj_req *req);
void kj_api_challenge_reviewers(kj_req *req);
void kj_api_challenge_declare(kj_req *req);
void kj_api_challenge_reviews(kj_req *req);
void kj_api_challenge_score(kj_req *req);
void kj_api_challenge_objections(kj_req *req);
void kj_api_challenge_object(kj_req *req);
void kj_api_challenge_answer(kj_req *req);
void kj_api_challenge_milestones(kj_req *req);
void kj_api_challenge_milestone_report(kj_req *req);
void kj_api_challenge_milestone_decide(kj_req *req);
void kj_api_challenge_app_attach(kj_req *req);

/* deals (api_deal.c) */
void kj_api_deals(kj_req *req);
void kj_api_deal_create(kj_req *req);
void kj_api_deal_states(kj_req *req);
void kj_api_deal_stats(kj_req *req);
void kj_api_deal(kj_req *req);
void kj_api_deal_act(kj_req *req);
void kj_api_deal_messages(kj_req *req);
void kj_api_deal_message(kj_req *req);
void kj_api_deal_offers(kj_req *req);
void kj_api_deal_offer(kj_req *req);
void kj_api_deal_offer_accept(kj_req *req);
void kj_api_deal_contract(kj_req *req);
void kj_api_deal_sign(kj_req *req);
void kj_api_deal_milestones(kj_req *req);
void kj_api_deal_milestone_add(kj_req *req);
void kj_api_deal_milestone_act(kj_req *req);
void kj_api_deal_reviews(kj_req *req);
void kj_api_deal_review(kj_req *req);
void kj_api_deal_review_reply(kj_req *req);
void kj_api_deal_review_hide(kj_req *req);
void kj_api_deal_events(kj_req *req);
void kj_api_ratings(kj_req *req);

/* listings, favourites, notifications, threads (api_market.c) */
void kj_api_listings(kj_req *req);
void kj_api_listing_create(kj_req *req);
void kj_api_lifecycle(kj_req *req);
void kj_api_listing(kj_req *req);
void kj_api_listing_patch(kj_req *req);
void kj_api_listing_act(kj_req *req);
void kj_api_listing_history(kj_req *req);
void kj_api_listing_interest(kj_req *req);
void kj_api_my_listings(kj_req *req);
void kj_api_review_queue(kj_req *req);
void kj_api_eois(kj_req *req);
void kj_api_eoi(kj_req *req);
void kj_api_eoi_decide(kj_req *req);
void kj_api_threads(kj_req *req);
void kj_api_thread(kj_req *req);
void kj_api_thread_post(kj_req *req);
void kj_api_favourites(kj_req *req);
void kj_api_favourite_set(kj_req *req);
void kj_api_notifications(kj_req *req);
void kj_api_reference(kj_req *req);

/* organisations and membership (api_org.c) */
void kj_api_org_request_file(kj_req *req);
void kj_api_org_requests(kj_req *req);
void kj_api_org_request_approve(kj_req *req);
void kj_api_org_request_refuse(kj_req *req);
void kj_api_org_request_withdraw(kj_req *req);
void kj_api_org_members(kj_req *req);
void kj_api_org_pending(kj_req *req);
void kj_api_org_member_role(kj_req *req);
void kj_api_org_member_remove(kj_req *req);
void kj_api_jurisdiction_log(kj_req *req);

/* popular science (api_popsci.c) */
void kj_api_popsci_list(kj_req *req);            /* GET    /api/v1/popsci */
void kj_api_popsci_create(kj_req *req);          /* POST   /api/v1/popsci */
void kj_api_popsci_get(kj_req *req);             /* GET    /api/v1/popsci/{id} */
void kj_api_popsci_edit(kj_req *req);            /* PUT    /api/v1/popsci/{id} */
void kj_api_popsci_review(kj_req *req);          /* POST   /api/v1/popsci/{id}/review */
void kj_api_popsci_correct(kj_req *req);         /* POST   /api/v1/popsci/{id}/corrections */
void kj_api_popsci_event(kj_req *req);           /* POST   /api/v1/popsci/{id}/events */
void kj_api_popsci_queue(kj_req *req);           /* GET    /api/v1/popsci/review */
void kj_api_popsci_topics(kj_req *req);          /* GET    /api/v1/popsci/topics */
void kj_api_popsci_profile(kj_req *req);         /* GET    /api/v1/popsci/profile */
void kj_api_popsci_profile_put(kj_req *req);     /* PUT    /api/v1/popsci/profile */
void kj_api_popsci_profile_delete(kj_req *req);  /* DELETE /api/v1/popsci/profile */
void kj_api_popsci_notice(kj_req *req);          /* POST   /api/v1/popsci/notices */
void kj_api_popsci_stats(kj_req *req);           /* GET    /api/v1/popsci/stats */
void kj_api_popsci_experts(kj_req *req);         /* GET    /api/v1/popsci/experts */
void kj_api_popsci_experts_put(kj_req *req);     /* PUT    /api/v1/popsci/experts */
void kj_api_popsci_teams(kj_req *req);           /* GET    /api/v1/popsci/teams */
void kj_api_popsci_team_create(kj_req *req);     /* POST   /api/v1/popsci/teams */
void kj_api_popsci_team(kj_req *req);            /* GET    /api/v1/popsci/teams/{id} */
void kj_api_popsci_team_add(kj_req *req);        /* POST   /api/v1/popsci/teams/{id}/members */
void kj_api_feed(kj_req *req);                   /* GET    /api/v1/feed */
void kj_api_questions(kj_req *req);              /* GET    /api/v1/questions */
void kj_api_question_create(kj_req *req);        /* POST   /api/v1/questions */
void kj_api_question(kj_req *req);               /* GET    /api/v1/questions/{id} */
void kj_api_question_answer(kj_req *req);        /* POST   /api/v1/questions/{id}/answers */
void kj_api_question_publish(kj_req *req);       /* POST   /api/v1/questions/{id}/publish */
void kj_api_answer_accept(kj_req *req);          /* POST   /api/v1/answers/{id}/accept */

/* account security: sessions, e-mail verification (api_security.c) */
void kj_api_verify_resend(kj_req *req);          /* POST   /api/v1/me/email-verification */
void kj_api_sessions(kj_req *req);               /* GET    /api/v1/me/sessions */
void kj_api_session_end(kj_req *req);            /* DELETE /api/v1/me/sessions/{id} */
void kj_api_sessions_end_others(kj_req *req);    /* POST   /api/v1/me/sessions/end-others */
void kj_api_password_forgot(kj_req *req);        /* POST   /api/v1/password/forgot */
void kj_api_password_reset(kj_req *req);         /* POST   /api/v1/password/reset (heavy) */
void kj_api_admin_verify_resend(kj_req *req);    /* POST   /api/v1/admin/users/{id}/email-verification */

/* studios (api_studio.c) */
void kj_api_studios(kj_req *req);                /* GET   /api/v1/studios */
void kj_api_studio_create(kj_req *req);          /* POST  /api/v1/studios */
void kj_api_studio(kj_req *req);                 /* GET   /api/v1/studios/{id} */
void kj_api_studio_patch(kj_req *req);           /* PATCH /api/v1/studios/{id} */
void kj_api_studio_invite(kj_req *req);          /* POST  /api/v1/studios/{id}/members */
void kj_api_studio_join(kj_req *req);            /* POST  /api/v1/studios/{id}/join */

/* import and export of listings (api_transfer.c) */
void kj_api_export_csv(kj_req *req);             /* GET /api/v1/export.csv */
void kj_api_export_xlsx(kj_req *req);            /* GET /api/v1/export.xlsx */
void kj_api_export_json(kj_req *req);            /* GET /api/v1/export.json */
void kj_api_import(kj_req *req);                 /* POST /api/v1/import (multipart file, or {"format":"json","items":[...]}) */
/* search, suggestions, matches and alerts (api_search.c) */
void kj_api_search(kj_req *req);
void kj_api_suggest(kj_req *req);
void kj_api_matches(kj_req *req);
void kj_api_match_not_relevant(kj_req *req);
void kj_api_subscriptions(kj_req *req);
void kj_api_subscribe(kj_req *req);
void kj_api_unsubscribe(kj_req *req);

/* admin (api_admin.c) */
void kj_api_admin_users(kj_req *req);
void kj_api_admin_role(kj_req *req);
void kj_api_admin_disable(kj_req *req);
void kj_api_admin_enable(kj_req *req);
void kj_api_admin_reset(kj_req *req);
void kj_api_admin_audit(kj_req *req);

/* center (api_center.c) */
void kj_api_centers(kj_req *req);              /* GET    /api/v1/service-centers */
void kj_api_center(kj_req *req);               /* GET    /api/v1/service-centers/{id} */
void kj_api_center_create(kj_req *req);        /* POST   /api/v1/service-centers */
void kj_api_center_patch(kj_req *req);         /* PATCH  /api/v1/service-centers/{id} */
void kj_api_center_staff(kj_req *req);         /* GET    /api/v1/service-centers/{id}/staff */
void kj_api_center_staff_add(kj_req *req);     /* POST   /api/v1/service-centers/{id}/staff */
void kj_api_center_staff_remove(kj_req *req);  /* DELETE /api/v1/service-centers/{id}/staff/{uid} */
void kj_api_desk(kj_req *req);                 /* GET    /api/v1/desk */

/* deal (api_deal.c) */
void kj_api_deal_attach(kj_req *req);
void kj_api_mail_prefs(kj_req *req);
void kj_api_mail_prefs_put(kj_req *req);

/* market (api_market.c) */
void kj_api_listing_upload(kj_req *req);

/* orgverify (api_orgverify.c) */
void kj_api_org_public(kj_req *req);
void kj_api_orgverify_lifecycle(kj_req *req);
void kj_api_orgverify(kj_req *req);
void kj_api_orgverify_apply(kj_req *req);
void kj_api_orgverify_act(kj_req *req);
void kj_api_orgverify_queue(kj_req *req);

/* popsci (api_popsci.c) */
void kj_api_expert_directory(kj_req *req);

/* privacy (api_privacy.c) */
void kj_api_consent(kj_req *req);
void kj_api_consent_post(kj_req *req);
void kj_api_account_export(kj_req *req);
void kj_api_account_delete(kj_req *req);
void kj_api_team_follow(kj_req *req);
void kj_api_team_unfollow(kj_req *req);

/* workorder (api_workorder.c) */
void kj_api_workorder_create(kj_req *req);
void kj_api_workorders(kj_req *req);
void kj_api_workorder_lifecycle(kj_req *req);
void kj_api_workorder(kj_req *req);
void kj_api_workorder_act(kj_req *req);
void kj_api_workorder_attach(kj_req *req);

#endif
