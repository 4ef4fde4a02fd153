/*
 * test_deal.c — the deal domain's pure parts: contract generation for each
 * of the five Civil Code technology contract types (type-specific clauses,
 * the standard clauses, parties, price formulas in words, no placeholder
 * left), SHA-256, and the state table's consistency (known states, every
 * state but the terminal ones has an exit, no duplicate rows), and the
 * contract PDF (a complete document; none without a contract).
 */
#include "t.h"
#include "deal/contract_pdf.h"
#include "deal/deal.h"
#include <stdlib.h>
#include <string.h>

static json_t *terms(const char *price_kind)
{
    return json_pack("{s:s, s:I, s:i, s:I, s:i, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "price_kind", price_kind,
                     "amount_fen", (json_int_t)12500000, "instalments", 3, "entry_fee_fen", (json_int_t)3000000,
                     "royalty_bp", 450, "scope", "西南地区实施", "duration_days", 90, "title", "无人机巡检视觉识别",
                     "provider", "张伟", "provider_org", "", "client", "刘洋", "client_org", "成都天翼低空科技有限公司",
                     "deal_id", "01ABCDEFGHJKMNPQRSTVWXYZ00");
}

TEST(deal_contract_five_types)
{
    static const struct { const char *type, *title, *marker; } want[] = {
        { "development", "技术开发合同", "研究开发" },
        { "transfer", "技术转让合同", "转让方" },
        { "license", "技术许可合同", "许可方" },
        { "consulting", "技术咨询合同", "咨询报告" },
        { "service", "技术服务合同", "特定技术问题" },
    };
    static const char *const standard[] = { "合同标的", "保密", "知识产权", "验收标准", "价款", "违约责任", "争议解决" };
    for (size_t i = 0; i < 5; i++) {
        CHECK_STR(kj_contract_types[i], want[i].type);
        json_t *t = terms("lump_sum");
        json_t *c = kj_contract_generate(want[i].type, t);
        REQUIRE(c != NULL);
        const char *text = json_string_value(json_object_get(c, "text"));
        CHECK_STR(json_string_value(json_object_get(c, "title")), want[i].title);
        CHECK(strstr(text, want[i].marker) != NULL);
        for (size_t k = 0; k < sizeof standard / sizeof *standard; k++) CHECK(strstr(text, standard[k]) != NULL);
        CHECK(strstr(text, "无人机巡检视觉识别") != NULL);
        CHECK(strstr(text, "刘洋（成都天翼低空科技有限公司）") != NULL);
        CHECK(strstr(text, "乙方（研发方/转让方/许可方/受托方）：张伟\n") != NULL);   /* no empty parentheses */
        CHECK(strstr(text, "合同总价12.5万元") != NULL);
        CHECK(strstr(text, "90日") != NULL);
        CHECK(strchr(text, '{') == NULL);                                             /* every placeholder filled */
        CHECK_INT(json_array_size(json_object_get(c, "clauses")), 10);
        json_decref(c);
        json_decref(t);
    }
    json_t *t = terms("lump_sum");
    CHECK(kj_contract_generate("sale", t) == NULL);
    json_decref(t);
}

TEST(deal_price_formulas)
{
    static const struct { const char *kind, *want; } cases[] = {
        { "lump_sum", "合同总价12.5万元，一次总算、一次总付" },
        { "instalments", "合同总价12.5万元，分3期支付" },
        { "royalty", "按实施该技术所得销售额的4.50%提成支付" },
        { "entry_royalty", "入门费3万元，另按实施该技术所得销售额的4.50%提成支付" },
    };
    for (size_t i = 0; i < 4; i++) {
        json_t *t = terms(cases[i].kind);
        char out[256];
        kj_contract_price_text(t, out, sizeof out);
        CHECK_STR(out, cases[i].want);
        json_decref(t);
    }
}

TEST(deal_sha256)
{
    char hex[65];
    kj_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static bool known_state(const char *s)
{
    for (const char *const *p = kj_deal_states; *p; p++) if (!strcmp(*p, s)) return true;
    return false;
}

TEST(deal_state_table_consistent)
{
    int rows = 0;
    for (const kj_deal_transition *t = kj_deal_transitions; t->action; t++, rows++) {
        CHECK(known_state(t->from));
        CHECK(t->to == NULL || known_state(t->to));
        for (const kj_deal_transition *u = t + 1; u->action; u++) CHECK(strcmp(t->from, u->from) || strcmp(t->action, u->action));
    }
    CHECK(rows > 40);
    /* Every state is left by some row except the terminal ones. */
    static const char *const terminal[] = { "completed", "cancelled", "resolved" };
    for (const char *const *s = kj_deal_states; *s; s++) {
        bool exits = false, is_terminal = false;
        for (size_t i = 0; i < 3; i++) if (!strcmp(terminal[i], *s)) is_terminal = true;
        for (const kj_deal_transition *t = kj_deal_transitions; t->action; t++)
            if (!strcmp(t->from, *s) && t->to && strcmp(t->to, *s)) exits = true;
        CHECK(exits != is_terminal);
    }
    json_t *j = kj_deal_state_table();
    CHECK_INT(json_array_size(j), rows);
    json_decref(j);
}

/* The PDF of a generated contract: a complete PDF document (header, end
 * marker, the embedded font), and nothing for a deal without a contract. */
TEST(deal_contract_pdf)
{
    json_t *t = terms("lump_sum");
    json_t *deal = json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:I}]}", "id", "01ABCDEFGHJKMNPQRSTVWXYZ00",
                             "contract", kj_contract_generate("transfer", t), "contract_hash", "ab12",
                             "client_id", "c1", "client_name", "刘洋", "provider_id", "p1", "provider_name", "张伟",
                             "signatures", "user_id", "c1", "signed_at", (json_int_t)1767225600000);
    const kj_contract_pdf_labels lb = { "甲方", "乙方", "电子确认", "确认于", "尚未确认", "摘要", "页码", "" };
    size_t len = 0;
    unsigned char *pdf = kj_contract_pdf(deal, &lb, &len);
    CHECK(pdf != NULL);
    if (pdf) {
        CHECK(len > 1000);
        CHECK(memcmp(pdf, "%PDF-", 5) == 0);
        CHECK(memmem(pdf, len, "%%EOF", 5) != NULL);
        CHECK(memmem(pdf, len, "FontFile", 8) != NULL);   /* glyphs embedded */
    }
    free(pdf);
    json_object_del(deal, "contract");
    CHECK(kj_contract_pdf(deal, &lb, &len) == NULL);
    CHECK(kj_contract_pdf(NULL, &lb, &len) == NULL);
    json_decref(deal);
    json_decref(t);
}
