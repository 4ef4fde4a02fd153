/*
 * demo.h — believable demo data for a Sichuan deployment.
 */
#ifndef KJ_DEMO_H
#define KJ_DEMO_H
#include "store/store.h"
#include <stdio.h>

/** Loads the demo data set unless it is already there (then returns 1):
 *  accounts, then the listings of root/data/demo/listings.tsv (root is
 *  the app's root directory). Prints the demo accounts and passwords to
 *  out, problems to stderr. 0 loaded, -1 failed. Single-threaded use:
 *  call it from a command, not from request handlers. */
int kj_demo_load(kj_db *db, const char *root, FILE *out);

/** Publishes every listing of root/data/demo/listings.tsv (UTF-8 TSV: a
 *  header line naming the columns kind, owner, domain, region, title,
 *  summary, keywords, trl, coop_modes, price_kind, price_min, price_max,
 *  ip_type, ip_number, delivery_mode, duration, indicators, subtype,
 *  anonymous, days_ago, description; '#' lines are comments) for the demo
 *  user whose e-mail is in owner, back-dated by days_ago days. All rows
 *  go in one transaction: any invalid row loads none, prints
 *  "demo: data/demo/listings.tsv:LINE: field: key" (key: the i18n error
 *  key of kj_listing_insert, or the demo's own) to stderr and returns -1.
 *  Prints "  N demo listings" to out and returns 0 on success. The demo
 *  users must exist. Not thread-safe with respect to db (it owns the
 *  connection's transaction while it runs). */
int kj_demo_listings(kj_db *db, const char *root, FILE *out);
/** Creates the demo's service centers (Sichuan province, 成都, 德阳, 旌阳区,
 *  Qinghai province, 西宁) and appoints the demo operators as heads of
 *  theirs. 0, or -1 with the reason on stderr. The demo users must exist. */
int kj_demo_centers(kj_db *db, FILE *out);
/** Operators appointed at the demo centers for work orders (demo_workorders.c). */
int kj_demo_workorder_staff(kj_db *db, FILE *out);
#endif
