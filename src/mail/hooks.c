/*
 * hooks.c — connects the features that raise e-mail-worthy events before
 * the mail queue existed (search alerts, urgent popular-science notices)
 * to the queue. kj_mail_install_hooks() runs once at start-up, before the
 * server threads start (it writes two function pointers).
 */
#include "mail/mail.h"
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

void kj_mail_install_hooks(void)
{
    kj_alert_hook = alert_to_mail;
    kj_popsci_notice_hook = notice_to_mail;
}
