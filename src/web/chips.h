/*
 * chips.h — the active filters of a list page as removable chips (issue 15:
 * on a phone the filter form folds away; what filters the list stays in
 * sight, each one a link that removes it).
 */
#ifndef KJ_WEB_CHIPS_H
#define KJ_WEB_CHIPS_H
#include "http/http.h"
#include <jansson.h>

/** One chip per active filter in params ([{name, value}], as the browse and
 *  search pages build them for their pager links), in params' order:
 *  [{label, remove_label, href}], label in req's language ("领域：人工智能"),
 *  href = base + "?" + every other parameter (values percent-encoded), so
 *  following it removes that filter and keeps the others. Parameters that
 *  are not filters (sort, per_page, page, and the search text "q" when
 *  q_is_text) get no chip but stay in every href. New ref. */
json_t *kj_filter_chips(kj_req *req, const char *base, json_t *params, bool q_is_text);
#endif
