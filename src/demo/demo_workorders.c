/* demo_workorders.c — a staff member (科服保姆, not head) of the 成都
 * center beside its head, so that work orders there can be reassigned
 * between two people in the demo (issue 14 §3). */
#include <string.h>
#include "account/account.h"
#include "center/center.h"
#include "core/id.h"
#include "demo/demo.h"

static const struct {
    const char *email, *name, *region, *center_region, *role;
} staff[] = {
    { "staff.chengdu@demo.kejiyun.cn", "成都市科技服务中心 陈晨", "510100", "510100", "staff" },
};

int kj_demo_workorder_staff(kj_db *db, FILE *out)
{
    for (size_t i = 0; i < sizeof staff / sizeof *staff; i++) {
        kj_registration r = { .email = staff[i].email, .password = "Operator-2026!", .name = staff[i].name,
                              .role = "operator", .region = staff[i].region };
        char id[KJ_ID_LEN + 1];
        kj_err e = { 0 };
        if (kj_account_register(db, &r, true, id, &e)) {
            fprintf(stderr, "demo: cannot create %s: %s\n", staff[i].email, e.key);
            return -1;
        }
        json_t *c = kj_center_covering(db, staff[i].center_region);
        int st = c ? kj_center_appoint(db, NULL, json_string_value(json_object_get(c, "id")), id, staff[i].role, "demo", &e) : -1;
        json_decref(c);
        if (st) {
            fprintf(stderr, "demo: cannot appoint %s: %s\n", staff[i].email, c ? e.key : "no center");
            return -1;
        }
        fprintf(out, "  %-32s %-16s operator (%s)\n", staff[i].email, "Operator-2026!", staff[i].role);
    }
    return 0;
}
