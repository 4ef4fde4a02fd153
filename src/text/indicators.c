/* indicators.c — technical indicators as people type them (indicators.h). */
#include "text/indicators.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"

/* Separators, each as UTF-8 text. */
static const char *const line_seps[] = { "\n", ";", "；", NULL };
static const char *const bar_seps[] = { "|", "｜", NULL };
static const char *const colon_seps[] = { ":", "：", NULL };
static const char *const comma_seps[] = { ",", "，", "、", NULL };

/* Length of the separator of set at p, or 0. */
static size_t sep_at(const char *p, const char *const *set)
{
    for (; *set; set++) {
        size_t n = strlen(*set);
        if (!strncmp(p, *set, n)) return n;
    }
    return 0;
}

static bool has_sep(const char *p, size_t n, const char *const *set)
{
    for (size_t i = 0; i < n; i++)
        if (sep_at(p + i, set)) return true;
    return false;
}

/* Trims ASCII white space and the ideographic space (U+3000) at both ends. */
static json_t *trimmed(const char *p, size_t n)
{
    for (;;) {
        if (n && (*p == ' ' || *p == '\t' || *p == '\r')) { p++; n--; continue; }
        if (n >= 3 && !strncmp(p, "\u3000", 3)) { p += 3; n -= 3; continue; }
        break;
    }
    for (;;) {
        if (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r')) { n--; continue; }
        if (n >= 3 && !strncmp(p + n - 3, "\u3000", 3)) { n -= 3; continue; }
        break;
    }
    return json_stringn(p, n);
}

static void parse_line(const char *p, size_t n, int fields, json_t *out)
{
    const char *const *set = has_sep(p, n, bar_seps) ? bar_seps
                           : has_sep(p, n, colon_seps) ? colon_seps
                           : has_sep(p, n, comma_seps) ? comma_seps : NULL;
    json_t *parts[4] = { 0 };
    int k = 0;
    size_t start = 0;
    for (size_t i = 0; set && i < n && k < fields - 1;) {
        size_t s = sep_at(p + i, set);
        if (!s) { i++; continue; }
        parts[k++] = trimmed(p + start, i - start);
        i += s;
        start = i;
    }
    parts[k++] = trimmed(p + start, n - start);
    for (; k < fields; k++) parts[k] = json_string("");
    bool blank = !json_string_length(parts[0]) && !json_string_length(parts[1]);
    if (!blank) {
        json_t *o = json_pack("{s:o, s:o, s:o}", "name", parts[0], "target", parts[1], "unit", parts[2]);
        if (fields == 4) json_object_set_new(o, "verification", parts[3]);
        json_array_append_new(out, o);
    } else {
        for (int i = 0; i < fields; i++) json_decref(parts[i]);
    }
}

json_t *kj_indicators_parse(const char *text, int fields)
{
    json_t *out = json_array();
    if (!text) return out;
    if (fields != 4) fields = 3;
    const char *p = text, *line = text;
    while (*p) {
        size_t s = sep_at(p, line_seps);
        if (!s) { p++; continue; }
        parse_line(line, (size_t)(p - line), fields, out);
        p += s;
        line = p;
    }
    parse_line(line, (size_t)(p - line), fields, out);
    return out;
}

char *kj_indicators_text(json_t *indicators, int fields)
{
    kj_buf b = { 0 };
    size_t i;
    json_t *x;
    json_array_foreach(indicators, i, x) {
        const char *name = json_string_value(json_object_get(x, "name"));
        const char *target = json_string_value(json_object_get(x, "target"));
        const char *unit = json_string_value(json_object_get(x, "unit"));
        kj_buf_printf(&b, "%s | %s | %s", name ? name : "", target ? target : "", unit ? unit : "");
        if (fields == 4) {
            const char *v = json_string_value(json_object_get(x, "verification"));
            kj_buf_printf(&b, " | %s", v ? v : "");
        }
        kj_buf_puts(&b, "\n");
    }
    char *s = strdup(b.data ? b.data : "");
    kj_buf_free(&b);
    return s;
}
