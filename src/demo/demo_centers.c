/* demo_centers.c — the demo's service-center network (issue 14 §2): the
 * centers the seed names, with the demo operators as their heads. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "center/center.h"
#include "demo/demo.h"

typedef struct {
    const char *name_zh, *name_en, *level, *region, *parent_region, *address, *phone, *hours, *intro, *head, *staff;
} demo_center;

#define HOURS "工作日 9:00–12:00，13:30–17:30"
static const demo_center centers[] = {
    { "四川省科技云服务中心", "Sichuan Provincial Tech Service Center", "province", "510000", NULL,
      "成都市青羊区人民南路一段 86 号", "028-8600 0101", HOURS,
      "统筹全省服务中心网络，受理跨市州的技术需求、成果转化和科技合作服务，指导市县中心开展审核与撮合。", NULL, NULL },
    { "成都市科技云服务中心", "Chengdu Tech Service Center", "city", "510100", "510000",
      "成都市高新区天府大道北段 1700 号", "028-8600 0201", HOURS,
      "面向成都企业、高校院所和科技人员，提供需求梳理、成果对接、合同与知识产权咨询。",
      "operator@demo.kejiyun.cn", NULL },
    { "德阳市科技云服务中心", "Deyang Tech Service Center", "city", "510600", "510000",
      "德阳市旌阳区泰山南路二段 733 号", "0838-260 0301", HOURS,
      "服务德阳重大装备制造产业，组织企业技术需求征集和揭榜挂帅对接。", NULL, "staff.deyang@demo.kejiyun.cn" },
    { "旌阳区科技云服务中心", "Jingyang District Tech Service Center", "county", "510603", "510600",
      "德阳市旌阳区岷江西路 168 号", "0838-260 0401", HOURS,
      "为旌阳区企业和乡镇提供上门科技服务，组织科普进村和农技咨询。", NULL, "staff.jingyang@demo.kejiyun.cn" },
    /* A second county center under 德阳 (township stations wait for the
     * township codes of the region tree). */
    { "孝泉镇科技服务站", "Xiaoquan Township Station", "township", "510603101", "510603",
      "德阳市旌阳区孝泉镇正街 21 号", "0838-260 0411", HOURS,
      "镇上的科服保姆：帮村民和合作社找技术、说清需求、请专家进村讲科普，办不了的报旌阳区中心。", NULL,
      "staff.xiaoquan@demo.kejiyun.cn" },
    { "罗江区科技云服务中心", "Luojiang District Tech Service Center", "county", "510604", "510600",
      "德阳市罗江区万安镇文化路 9 号", "0838-260 0451", HOURS,
      "面向罗江区农业企业和合作社，开展农技服务、科普进村和需求征集。", NULL, NULL },
    { "青海省科创云服务中心", "Qinghai Provincial Tech Service Center", "province", "630000", NULL,
      "西宁市城西区五四西路 40 号", "0971-610 0501", HOURS,
      "负责青海省科技资源对接，与四川平台互通需求和成果。", NULL, NULL },
    { "西宁市科创云服务中心", "Xining Tech Service Center", "city", "630100", "630000",
      "西宁市城中区南大街 12 号", "0971-610 0601", HOURS,
      "服务西宁企业和科技人员，受理技术需求和科普服务工单。", "operator.xining@demo.kejiyun.cn", NULL },
};

int kj_demo_centers(kj_db *db, FILE *out)
{
    size_t n = sizeof centers / sizeof *centers;
    for (size_t i = 0; i < n; i++) {
        const demo_center *c = &centers[i];
        json_t *parent = c->parent_region ? kj_center_covering(db, c->parent_region) : NULL;
        json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "name_zh", c->name_zh, "name_en",
                              c->name_en, "level", c->level, "region", c->region, "address", c->address, "phone",
                              c->phone, "hours", c->hours, "intro", c->intro);
        if (parent) json_object_set(f, "parent_id", json_object_get(parent, "id"));
        char id[27];
        kj_err e = { 0 };
        int st = kj_center_create(db, NULL, f, id, &e);
        json_decref(f);
        json_decref(parent);
        if (st) {
            fprintf(stderr, "demo: cannot create center %s: %s %s\n", c->name_zh, e.field ? e.field : "", e.key);
            return -1;
        }
        const char *who[2] = { c->head, c->staff }, *role[2] = { "head", "staff" };
        for (int k = 0; k < 2; k++) {
            if (!who[k]) continue;
            char *uid = kj_db_text(db, "SELECT id FROM users WHERE email = ?", "s", who[k]);
            bool found = uid != NULL;
            st = found ? kj_center_appoint(db, NULL, id, uid, role[k], "demo", &e) : -1;
            free(uid);
            if (st) {
                fprintf(stderr, "demo: cannot appoint %s at %s: %s\n", who[k], c->name_zh, found ? e.key : "no such user");
                return -1;
            }
        }
    }
    fprintf(out, "  %zu service centers\n", n);
    return 0;
}
