/*
 * contract.c — technology contracts generated from a deal's agreed terms,
 * one model per contract type of the Civil Code of the PRC, Book III,
 * Chapter 20 (技术合同): 技术开发 (arts. 851-861), 技术转让 and 技术许可
 * (arts. 862-877), 技术咨询 and 技术服务 (arts. 878-887).
 *
 * The contract text is Chinese (the binding language); it is generated
 * once when the terms are agreed, frozen in the deal, and both parties
 * confirm that exact text (its SHA-256). The standard clauses are data:
 * a table of the five types with their type-specific wording and one
 * list of common clauses; "{name}" placeholders are filled from the terms.
 */
#include "deal/deal.h"
#include "core/json_util.h"
#include "core/buf.h"
#include "core/validate.h"
#include <stdio.h>
#include <string.h>

const char *const kj_contract_types[] = { "development", "transfer", "license", "consulting", "service", NULL };

typedef struct contract_model {
    const char *type, *title, *subject, *improvements, *acceptance, *special;
} contract_model;

static const contract_model models[] = {
    { "development", "技术开发合同",
      "委托方委托研发方就“{title}”进行研究开发，研发方按照本合同约定完成研究开发工作并交付研究开发成果。",
      "履行本合同所完成的发明创造，除另有约定外，申请专利的权利属于研发方，研发方取得专利权的，委托方可以依法实施该专利；"
      "在本合同履行中各方对技术成果作出的后续改进，改进成果归改进方所有，对方在同等条件下享有优先受让权。",
      "研究开发成果按本合同约定的技术指标和里程碑交付物验收；委托方应在收到交付物后十五日内组织验收并书面确认结果。",
      "研究开发工作因无法克服的技术困难失败或部分失败的，风险由双方合理分担（《民法典》第八百五十八条）。" },
    { "transfer", "技术转让合同",
      "转让方将“{title}”的相关权利（专利权、专利申请权或技术秘密）转让给受让方，受让方支付转让费。",
      "合同生效后任何一方对转让技术作出的后续改进，成果归改进方所有；另一方享有在同等条件下优先受让或使用的权利。",
      "转让方应交付实施技术所需的技术资料并提供必要的技术指导，技术达到本合同约定的指标即视为验收合格。",
      "转让方保证自己是所提供技术的合法拥有者，并保证所提供的技术完整、无误、有效，能够达到约定的目标（《民法典》第八百七十条）。" },
    { "license", "技术许可合同",
      "许可方许可被许可方在本合同约定的范围内实施“{title}”，被许可方支付使用费。许可方式：{mode}。",
      "被许可方在实施中作出的后续改进成果归被许可方所有；许可方作出的改进成果，被许可方可在同等条件下优先获得许可。",
      "许可方应交付实施技术所需的技术资料，被许可方按约定的技术指标试用并在三十日内书面确认验收结果。",
      "被许可方应按约定的范围和方式实施技术，不得擅自许可第三人实施（《民法典》第八百六十六条至第八百六十八条）。" },
    { "consulting", "技术咨询合同",
      "受托方就“{title}”为委托方提供可行性论证、技术预测、专题技术调查、分析评价报告等技术咨询。",
      "受托方利用委托方提供的技术资料和工作条件完成的新的技术成果，属于受托方；委托方利用受托方的工作成果完成的新的技术成果，属于委托方。",
      "受托方应按期提交符合约定要求的咨询报告，委托方应在收到报告后十五日内书面确认。",
      "委托方按照受托方符合约定要求的咨询报告和意见作出决策所造成的损失，由委托方承担，但当事人另有约定的除外（《民法典》第八百八十一条）。" },
    { "service", "技术服务合同",
      "受托方以其技术知识为委托方解决“{title}”所涉及的特定技术问题，提供技术服务。",
      "受托方利用委托方提供的技术资料和工作条件完成的新的技术成果，属于受托方；委托方利用受托方的工作成果完成的新的技术成果，属于委托方。",
      "受托方应按约定完成服务项目，解决技术问题，保证工作质量；服务成果达到约定的标准即视为验收合格。",
      "委托方应按约定提供工作条件、完成配合事项，接受工作成果并支付报酬（《民法典》第八百八十二条、第八百八十三条）。" },
};

/* The common clauses, in order: heading, text. */
static const char *const common_clauses[][2] = {
    { "第一条 合同标的", NULL },                /* the model's subject */
    { "第二条 范围、期限与合作方式", "工作范围：{scope}。履行期限：自合同生效之日起{duration}日。合作方式：{mode}。" },
    { "第三条 保密", "双方对在订立和履行本合同过程中知悉的对方技术秘密和商业信息负有保密义务，"
                    "未经对方书面同意不得向第三人披露；保密义务在本合同终止后继续有效五年。" },
    { "第四条 后续改进成果的知识产权", NULL },  /* the model's improvements */
    { "第五条 验收标准与方式", NULL },          /* the model's acceptance */
    { "第六条 价款、报酬及支付方式", "{price}。款项以人民币支付，按本合同所列里程碑或约定的期次结算。" },
    { "第七条 违约责任", "任何一方违反本合同约定的，应承担继续履行、采取补救措施或者赔偿损失等违约责任；"
                        "逾期付款或逾期交付的，每逾期一日按未履行部分金额的万分之五支付违约金。" },
    { "第八条 特别约定", NULL },                /* the model's special clause */
    { "第九条 争议解决", "因本合同引起的争议，双方应协商解决，或申请平台所在地区科技服务中心调解；"
                        "协商、调解不成的，任何一方可向合同履行地有管辖权的人民法院提起诉讼。" },
    { "第十条 合同生效", "本合同经双方在科技云平台以电子方式确认后生效，电子确认记录与本合同文本的摘要值一并存证，与书面签字具有同等效力。" },
};

static long long jint(json_t *o, const char *k) { return (long long)json_integer_value(json_object_get(o, k)); }

static void wan(long long fen, char *out, size_t n)
{
    char w[48];
    kj_format_fen_as_wan(fen, w, sizeof w);
    snprintf(out, n, "%s万元", w);
}

void kj_contract_price_text(json_t *terms, char *out, size_t n)
{
    char a[64], e[64];
    wan(jint(terms, "amount_fen"), a, sizeof a);
    wan(jint(terms, "entry_fee_fen"), e, sizeof e);
    long long bp = jint(terms, "royalty_bp");
    const char *kind = kj_jstr_or_empty(terms, "price_kind");
    if (!strcmp(kind, "instalments"))
        snprintf(out, n, "合同总价%s，分%lld期支付", a, jint(terms, "instalments"));
    else if (!strcmp(kind, "royalty"))
        snprintf(out, n, "按实施该技术所得销售额的%lld.%02lld%%提成支付", bp / 100, bp % 100);
    else if (!strcmp(kind, "entry_royalty"))
        snprintf(out, n, "入门费%s，另按实施该技术所得销售额的%lld.%02lld%%提成支付", e, bp / 100, bp % 100);
    else
        snprintf(out, n, "合同总价%s，一次总算、一次总付", a);
}

/* Copies tmpl into b with {name} replaced by the values in vars. */
static void fill(kj_buf *b, const char *tmpl, json_t *vars)
{
    for (const char *p = tmpl; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close && close - p < 20) {
            char name[24];
            snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
            kj_buf_puts(b, kj_jstr_or_empty(vars, name));
            p = close + 1;
        } else {
            kj_buf_append(b, p++, 1);
        }
    }
}

static const contract_model *model_of(const char *type)
{
    for (size_t i = 0; type && i < sizeof models / sizeof *models; i++)
        if (!strcmp(models[i].type, type)) return &models[i];
    return NULL;
}

json_t *kj_contract_generate(const char *type, json_t *terms)
{
    const contract_model *m = model_of(type);
    if (!m) return NULL;
    char price[256], duration[24];
    kj_contract_price_text(terms, price, sizeof price);
    snprintf(duration, sizeof duration, "%lld", jint(terms, "duration_days"));
    json_t *vars = json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", kj_jstr_or_empty(terms, "title"), "scope", kj_jstr_or_empty(terms, "scope"),
                             "price", price, "duration", duration,
                             "mode", *kj_jstr_or_empty(terms, "coop_mode_label") ? kj_jstr_or_empty(terms, "coop_mode_label") :
                                     *kj_jstr_or_empty(terms, "coop_mode") ? kj_jstr_or_empty(terms, "coop_mode") : "按本合同约定");
    const char *own[] = { m->subject, m->improvements, m->acceptance, m->special };
    json_t *clauses = json_array();
    kj_buf all = { 0 };
    kj_buf_printf(&all, "%s\n合同编号：%s\n甲方（委托方/受让方/被许可方）：%s%s%s%s\n"
                  "乙方（研发方/转让方/许可方/受托方）：%s%s%s%s\n项目名称：%s\n\n", m->title, kj_jstr_or_empty(terms, "deal_id"),
                  kj_jstr_or_empty(terms, "client"), *kj_jstr_or_empty(terms, "client_org") ? "（" : "", kj_jstr_or_empty(terms, "client_org"),
                  *kj_jstr_or_empty(terms, "client_org") ? "）" : "", kj_jstr_or_empty(terms, "provider"), *kj_jstr_or_empty(terms, "provider_org") ? "（" : "",
                  kj_jstr_or_empty(terms, "provider_org"), *kj_jstr_or_empty(terms, "provider_org") ? "）" : "", kj_jstr_or_empty(terms, "title"));
    size_t k = 0;
    for (size_t i = 0; i < sizeof common_clauses / sizeof *common_clauses; i++) {
        kj_buf t = { 0 };
        fill(&t, common_clauses[i][1] ? common_clauses[i][1] : own[k++], vars);
        json_array_append_new(clauses, json_pack("{s:s, s:s}", "heading", common_clauses[i][0], "text", t.data ? t.data : ""));
        kj_buf_printf(&all, "%s\n%s\n\n", common_clauses[i][0], t.data ? t.data : "");
        kj_buf_free(&t);
    }
    json_t *c = json_pack("{s:s, s:s, s:o, s:s}", "type", m->type, "title", m->title, "clauses", clauses,
                          "text", all.data ? all.data : "");
    kj_buf_free(&all);
    json_decref(vars);
    return c;
}
