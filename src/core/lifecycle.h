/*
 * lifecycle.h — life cycles as data: one table of transitions per life
 * cycle (揭榜 entries, work orders, organization verification ...), the
 * same shape everywhere, published through the API and iterated by the
 * tests. A module keeps its table and its role bits; this file answers
 * the questions every table is asked (which row applies, is the action
 * known, the table as JSON), so that no module writes them again.
 *
 * A row: action taken in state from leads to state to (== from for
 * actions that keep the state), by the roles whose bits are set in roles
 * (bit b named role_names[b] in the published table), through the API
 * resource via; needs_reason: the action must say why (published as
 * reason_required when the caller asks for it).
 *
 * Pure functions over static tables: thread-safe.
 */
#ifndef KJ_LIFECYCLE_H
#define KJ_LIFECYCLE_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *action, *from, *to;
    int roles;
    const char *via;
    bool needs_reason;
} kj_transition;

/** The row for action in state from, or NULL (not allowed there). */
const kj_transition *kj_transition_find(const kj_transition *table, size_t n, const char *action, const char *from);
/** True when some row has action (in any state). */
bool kj_transition_known(const kj_transition *table, size_t n, const char *action);
/** The table as JSON: [{action, from, to, roles: [names], via[,
 *  reason_required]}]; with_reason adds reason_required. New reference. */
json_t *kj_transitions_json(const kj_transition *table, size_t n, const char *const *role_names, size_t nroles,
                            bool with_reason);
#endif
