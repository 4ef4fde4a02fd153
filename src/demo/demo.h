/*
 * demo.h — believable demo data for a province's deployment: one profile
 * per province under data/demo/<profile>/ (sichuan, qinghai), described
 * in data/demo/README.md.
 */
#ifndef KJ_DEMO_H
#define KJ_DEMO_H
#include "store/store.h"
#include <stdbool.h>
#include <stdio.h>

/** Loads the demo profile root/data/demo/<profile>/ ("sichuan" when
 *  profile is NULL or empty) unless a demo is already there (then returns
 *  1): its profile.tsv (key, value rows: "instance.<profile key>" rows
 *  seed the instance profile where no row exists, popsci_reviewer names
 *  the 科普 reviewer, events=chengdu adds the 成都 center's two events of
 *  demo_events.c), its accounts.tsv, then each other file the profile has
 *  (centers, listings, popsci, people, studios + studio_listings,
 *  questions, challenge_lists + challenges, deals, popsci_media, events),
 *  in that order. Uploaded files go under data_dir/files. Prints the demo
 *  accounts and passwords to out, problems to stderr (for an unknown
 *  profile: the profiles there are). 0 loaded, -1 failed. Single-threaded
 *  use: call it from a command, not from request handlers. */
int kj_demo_load(kj_db *db, const char *root, const char *data_dir, const char *profile, FILE *out);

/** Whether p can name a profile directory ([a-z0-9_-], under 32 bytes). */
bool kj_demo_profile_name_ok(const char *p);

/** Publishes every listing of root/<file> (UTF-8 TSV: a header line
 *  naming the columns kind, owner, domain, region, title, summary,
 *  keywords, trl, coop_modes, price_kind, price_min, price_max, ip_type,
 *  ip_number, delivery_mode, duration, indicators, subtype, anonymous,
 *  days_ago, description, and optionally studio: the name of a studio of
 *  the owner's that the listing is published under; '#' lines are
 *  comments) for the demo user whose e-mail is in owner, back-dated by
 *  days_ago days. All rows go in one transaction: any invalid row loads
 *  none, prints "demo: FILE:LINE: field: key" (key: the i18n error key of
 *  kj_listing_insert, or the demo's own) to stderr and returns -1. Prints
 *  "  N demo listings" to out and returns 0 on success. The demo users
 *  must exist. Not thread-safe with respect to db (it owns the
 *  connection's transaction while it runs). */
int kj_demo_listings_file(kj_db *db, const char *root, const char *file, FILE *out);

/** Two events of the 成都 center (demo_events.c): a past 技术对接会 with
 *  meetings held and a deal started, an upcoming 科创会 with
 *  registrations, scheduled meetings and a roadshow. After the listings
 *  are matched. 0, or -1 with the reason on stderr. */
int kj_demo_events(kj_db *db, FILE *out);

/** The argon2id hash of one of the demo passwords, made once per
 *  password and process (the demo's accounts share three passwords).
 *  NULL when hashing fails. Single-threaded (the demo command). */
const char *kj_demo_password_hash(const char *password);
#endif
