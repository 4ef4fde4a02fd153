/*
 * demo.h — believable demo data for a Sichuan deployment.
 */
#ifndef KJ_DEMO_H
#define KJ_DEMO_H
#include "store/store.h"
#include <stdio.h>

/** Loads the demo data set unless it is already there (then returns 1).
 *  Prints the demo accounts and passwords to out. 0 loaded, -1 failed. */
int kj_demo_load(kj_db *db, FILE *out);
#endif
