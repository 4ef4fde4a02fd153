/* feed.c — the Atom feed of published events (see event.h). */
#include "event/internal.h"
#include <time.h>
#include "core/json_util.h"

static void xml_text(kj_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': kj_buf_puts(b, "&lt;"); break;
        case '>': kj_buf_puts(b, "&gt;"); break;
        case '&': kj_buf_puts(b, "&amp;"); break;
        case '"': kj_buf_puts(b, "&quot;"); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t') kj_buf_append(b, s, 1);
        }
    }
}

static void atom_time(kj_buf *b, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char s[32];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    kj_buf_puts(b, s);
}

int kj_event_atom(kj_db *db, const char *base_url, kj_buf *out)
{
    json_t *items = kj_db_rows(db, "SELECT id, name_zh, name_en, summary_zh, summary_en, venue, starts_at, updated_at FROM events "
                                   "WHERE state = 'published' ORDER BY updated_at DESC, id DESC LIMIT 50", "");
    if (!items) return -1;
    const char *base = base_url ? base_url : "";
    int64_t updated = json_array_size(items) ? json_integer_value(json_object_get(json_array_get(items, 0), "updated_at")) : 0;
    kj_buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>");
    xml_text(out, "活动 · Events · kejiyun");
    kj_buf_puts(out, "</title>\n<id>");
    xml_text(out, base);
    kj_buf_puts(out, "/events/feed.atom</id>\n<updated>");
    atom_time(out, updated);
    kj_buf_puts(out, "</updated>\n<link rel=\"self\" href=\"");
    xml_text(out, base);
    kj_buf_puts(out, "/events/feed.atom\"/>\n<link rel=\"alternate\" href=\"");
    xml_text(out, base);
    kj_buf_puts(out, "/events\"/>\n");
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c) {
        kj_buf_puts(out, "<entry>\n<title>");
        xml_text(out, kj_jstr(c, "name_zh"));
        if (*kj_jstr_or_empty(c, "name_en")) { kj_buf_puts(out, " / "); xml_text(out, kj_jstr(c, "name_en")); }
        kj_buf_puts(out, "</title>\n<id>urn:kejiyun:event:");
        xml_text(out, kj_jstr(c, "id"));
        kj_buf_puts(out, "</id>\n<link href=\"");
        xml_text(out, base);
        kj_buf_puts(out, "/events/");
        xml_text(out, kj_jstr(c, "id"));
        kj_buf_puts(out, "\"/>\n<updated>");
        atom_time(out, ev_int(c, "updated_at", 0));
        kj_buf_puts(out, "</updated>\n<summary>");
        xml_text(out, kj_jstr(c, "summary_zh"));
        if (*kj_jstr_or_empty(c, "summary_en")) { kj_buf_puts(out, "\n\n"); xml_text(out, kj_jstr(c, "summary_en")); }
        kj_buf_puts(out, "</summary>\n<author><name>kejiyun</name></author>\n</entry>\n");
    }
    kj_buf_puts(out, "</feed>\n");
    json_decref(items);
    return 0;
}
