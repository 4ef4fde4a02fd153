/* feed.c — the Atom feed of published events (see event.h). */
#include "event/internal.h"
#include "core/json_util.h"
#include "core/clock.h"

/* An Atom date: RFC 3339 in UTC. */
static void atom_time(kj_buf *b, int64_t ms)
{
    char s[32];
    kj_format_iso(ms, s, sizeof s);
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
    kj_buf_xml(out, "活动 · Events · kejiyun");
    kj_buf_puts(out, "</title>\n<id>");
    kj_buf_xml(out, base);
    kj_buf_puts(out, "/events/feed.atom</id>\n<updated>");
    atom_time(out, updated);
    kj_buf_puts(out, "</updated>\n<link rel=\"self\" href=\"");
    kj_buf_xml(out, base);
    kj_buf_puts(out, "/events/feed.atom\"/>\n<link rel=\"alternate\" href=\"");
    kj_buf_xml(out, base);
    kj_buf_puts(out, "/events\"/>\n");
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c) {
        kj_buf_puts(out, "<entry>\n<title>");
        kj_buf_xml(out, kj_jstr(c, "name_zh"));
        if (*kj_jstr_or_empty(c, "name_en")) { kj_buf_puts(out, " / "); kj_buf_xml(out, kj_jstr(c, "name_en")); }
        kj_buf_puts(out, "</title>\n<id>urn:kejiyun:event:");
        kj_buf_xml(out, kj_jstr(c, "id"));
        kj_buf_puts(out, "</id>\n<link href=\"");
        kj_buf_xml(out, base);
        kj_buf_puts(out, "/events/");
        kj_buf_xml(out, kj_jstr(c, "id"));
        kj_buf_puts(out, "\"/>\n<updated>");
        atom_time(out, ev_int(c, "updated_at", 0));
        kj_buf_puts(out, "</updated>\n<summary>");
        kj_buf_xml(out, kj_jstr(c, "summary_zh"));
        if (*kj_jstr_or_empty(c, "summary_en")) { kj_buf_puts(out, "\n\n"); kj_buf_xml(out, kj_jstr(c, "summary_en")); }
        kj_buf_puts(out, "</summary>\n<author><name>kejiyun</name></author>\n</entry>\n");
    }
    kj_buf_puts(out, "</feed>\n");
    json_decref(items);
    return 0;
}
