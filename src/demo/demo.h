/*
 * demo.h — believable demo data for a Sichuan deployment.
 */
#ifndef KJ_DEMO_H
#define KJ_DEMO_H
#include "store/store.h"
#include <stdio.h>

/** Loads the demo data set unless it is already there (then returns 1):
 *  accounts, then the listings of root/data/demo/listings.tsv (root is
 *  the app's root directory), then the living platform of kj_demo_world
 *  (its uploaded files go under data_dir/files). Prints the demo accounts and passwords to
 *  out, problems to stderr. 0 loaded, -1 failed. Single-threaded use:
 *  call it from a command, not from request handlers. */
int kj_demo_load(kj_db *db, const char *root, const char *data_dir, FILE *out);

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
/** Two events of the 成都 center (demo_events.c): a past 技术对接会 with
 *  meetings held and a deal started, an upcoming 科创会 with
 *  registrations, scheduled meetings and a roadshow. After the listings
 *  are matched. 0, or -1 with the reason on stderr. */
int kj_demo_events(kj_db *db, FILE *out);
/** Operators appointed at the demo centers for work orders (demo_workorders.c). */
int kj_demo_workorder_staff(kj_db *db, FILE *out);
/** kj_demo_listings for another file of that format (file relative to
 *  root), which may have one more column, "studio": the name of a studio
 *  of the owner's that the listing is published under (the studio must
 *  exist). */
int kj_demo_listings_file(kj_db *db, const char *root, const char *file, FILE *out);

/** The living platform on top of the first demo wave (demo_world.c):
 *  more people (data/demo/people.tsv), studios with members, avatars and
 *  listings, 农技问答, 揭榜挂帅 lists with entries in every state, deals
 *  at several stages with contracts and reviews, and pictures and a video
 *  for the 科普 items. Everything goes through the domain functions, with
 *  the clock (core/clock.h) set back so that steps happen on believable
 *  days; the clock is restored before returning. Files are stored under
 *  data_dir. 0, or -1 after printing why to stderr. Single-threaded (the
 *  demo command): it moves the process clock while it runs. */
int kj_demo_world(kj_db *db, const char *root, const char *data_dir, FILE *out);
/** The argon2id hash of one of the demo passwords, made once per
 *  password and process (the demo's accounts share three passwords).
 *  NULL when hashing fails. Single-threaded (the demo command). */
const char *kj_demo_password_hash(const char *password);
#endif
