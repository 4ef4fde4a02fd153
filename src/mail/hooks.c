/*
 * hooks.c — connects the features that raise e-mail-worthy events before
 * the mail queue existed (search alerts, urgent popular-science notices,
 * challenge-list steps) to the queue. kj_mail_install_hooks() runs once at
 * start-up, before the server threads start (it writes function pointers).
 */
#include "mail/mail.h"
#include "challenge/challenge.h"
#include "popsci/popsci.h"
#include "search/search.h"
#include <stdio.h>
#include <stdlib.h>

static void alert_to_mail(kj_db *db, const char *user_id, const char *kind, const char *listing_id)
{
    char *title = kj_db_text(db, "SELECT title FROM listings WHERE id = ?", "s", listing_id);
    char link[64];
    snprintf(link, sizeof link, "/listings/%s", listing_id);
    kj_mail_enqueue(db, user_id, "alert", title ? title : "", link);
    free(title);
}

static void notice_to_mail(kj_db *db, const char *user_id, const char *notice_id)
{
    char *title = kj_db_text(db, "SELECT title FROM popsci_content WHERE id = ?", "s", notice_id);
    char link[64];
    snprintf(link, sizeof link, "/popsci/%s", notice_id);
    kj_mail_enqueue(db, user_id, "notice", title ? title : "", link);
    free(title);
}

/* Every challenge notification (the issuer's, applicants', reviewers',
 * winners', staff's) as an e-mail of category "challenge". */
static void challenge_to_mail(kj_db *db, const char *user_id, const char *kind, const char *subject, const char *link)
{
    kj_mail_enqueue(db, user_id, "challenge", subject, link);
}

void kj_mail_install_hooks(void)
{
    kj_challenge_mail_hook = challenge_to_mail;
    kj_alert_hook = alert_to_mail;
    kj_popsci_notice_hook = notice_to_mail;
}
