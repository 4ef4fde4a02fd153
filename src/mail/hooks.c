/*
 * hooks.c — the e-mail side of events raised by features that came before
 * the mail queue (search alerts, urgent popular-science notices,
 * challenge-list steps). Mail does not know those features: the app's
 * start-up points their hooks here (kj_app_open, before serving).
 */
#include "mail/mail.h"
#include <stdio.h>
#include <stdlib.h>

void kj_mail_alert(kj_db *db, const char *user_id, const char *kind, const char *listing_id)
{
    char *title = kj_db_text(db, "SELECT title FROM listings WHERE id = ?", "s", listing_id);
    /* The e-mail is bilingual (mail.c): its English line takes the English title where the listing has one. */
    char *title_en = kj_db_text(db, "SELECT title FROM listing_translations WHERE listing_id = ? AND lang = 'en'", "s", listing_id);
    char link[64];
    snprintf(link, sizeof link, "/listings/%s", listing_id);
    kj_mail_enqueue2(db, user_id, "alert", title ? title : "", title_en, link);
    free(title);
    free(title_en);
}

void kj_mail_notice(kj_db *db, const char *user_id, const char *notice_id)
{
    char *title = kj_db_text(db, "SELECT title FROM popsci_content WHERE id = ?", "s", notice_id);
    char link[64];
    snprintf(link, sizeof link, "/popsci/%s", notice_id);
    kj_mail_enqueue(db, user_id, "notice", title ? title : "", link);
    free(title);
}

/* Every challenge notification (the issuer's, applicants', reviewers',
 * winners', staff's) as an e-mail of category "challenge". */
void kj_mail_challenge(kj_db *db, const char *user_id, const char *kind, const char *subject, const char *link)
{
    kj_mail_enqueue(db, user_id, "challenge", subject, link);
}
