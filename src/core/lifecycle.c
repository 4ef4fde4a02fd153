/* lifecycle.c — the questions every life-cycle table is asked (lifecycle.h). */
#include "core/lifecycle.h"
#include <string.h>

const kj_transition *kj_transition_find(const kj_transition *table, size_t n, const char *action, const char *from)
{
    for (size_t i = 0; action && from && i < n; i++)
        if (!strcmp(table[i].action, action) && !strcmp(table[i].from, from)) return &table[i];
    return NULL;
}

bool kj_transition_known(const kj_transition *table, size_t n, const char *action)
{
    for (size_t i = 0; action && i < n; i++)
        if (!strcmp(table[i].action, action)) return true;
    return false;
}

json_t *kj_transitions_json(const kj_transition *table, size_t n, const char *const *role_names, size_t nroles,
                            bool with_reason)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        const kj_transition *t = &table[i];
        json_t *roles = json_array();
        for (size_t b = 0; b < nroles; b++)
            if (t->roles & (1 << b)) json_array_append_new(roles, json_string(role_names[b]));
        json_t *row = json_pack("{s:s, s:s, s:s, s:o, s:s}", "action", t->action, "from", t->from, "to", t->to,
                                "roles", roles, "via", t->via ? t->via : "");
        if (with_reason) json_object_set_new(row, "reason_required", json_boolean(t->needs_reason));
        json_array_append_new(out, row);
    }
    return out;
}
