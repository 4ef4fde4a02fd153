/*
 * country.h — countries as ISO 3166-1 alpha-2 codes ("CN", "DE"), the
 * form participants of an international event state where they come from.
 * A static table: pure, thread-safe.
 */
#ifndef KJ_COUNTRY_H
#define KJ_COUNTRY_H
#include <stdbool.h>
#include <stddef.h>

/** True when code is an assigned alpha-2 code (upper case, exactly 2). */
bool kj_country_valid(const char *code);
/** The English short name of code, or NULL when it is not assigned. */
const char *kj_country_name(const char *code);
/** The number of codes, and the i-th (sorted by code; its name to *name). */
size_t kj_country_count(void);
const char *kj_country_at(size_t i, const char **name);
#endif
