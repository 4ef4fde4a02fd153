/*
 * transfer.c — bulk import and export of listings (contracts and the
 * exchange format in transfer.h).
 *
 * Export: one streaming statement over the browse filters; each row goes
 * through a small writer (CSV, JSON or XLSX) picked from a table.
 * Import: bytes → UTF-8 → rows (CSV) or items (JSON) → one raw object per
 * row keyed by column name → the market domain's input object → checked
 * and inserted by kj_listing_insert, all in one transaction.
 */
#include "market/transfer.h"
#include "core/json_util.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/id.h"
#include "core/validate.h"
#include "text/analyzer.h"
#include "text/encoding.h"
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* ---- the exchange columns ---- */

enum cell_kind { K_TEXT, K_INT, K_LIST, K_MONEY, K_INDICATORS, K_BOOL };

/* When an exported cell is left empty. */
enum { HIDE_ANON = 1, HIDE_PUBLIC = 2 };

typedef struct {
    const char *name;    /* column name = listing field name */
    const char *source;  /* result column of EXPORT_SQL */
    enum cell_kind kind;
    unsigned hide;
} column;

static const column columns[] = {
    { "id",            "id",            K_TEXT,       0 },
    { "kind",          "kind",          K_TEXT,       0 },
    { "subtype",       "subtype",       K_TEXT,       0 },
    { "title",         "title",         K_TEXT,       0 },
    { "summary",       "summary",       K_TEXT,       0 },
    { "description",   "description",   K_TEXT,       0 },
    { "domain",        "domain",        K_TEXT,       0 },
    { "keywords",      "keywords",      K_LIST,       0 },
    { "region",        "region",        K_TEXT,       0 },
    { "valid_until",   "valid_until",   K_TEXT,       0 },
    { "trl",           "trl",           K_INT,        0 },
    { "trl_min",       "trl_min",       K_INT,        0 },
    { "ip_type",       "ip_type",       K_TEXT,       0 },
    { "ip_numbers",    "ip_numbers",    K_LIST,       0 },
    { "coop_modes",    "coop_modes",    K_LIST,       0 },
    { "price_kind",    "price_kind",    K_TEXT,       0 },
    { "price_min",     "price_min_fen", K_MONEY,      0 },
    { "price_max",     "price_max_fen", K_MONEY,      0 },
    { "delivery_mode", "delivery_mode", K_TEXT,       0 },
    { "duration",      "duration",      K_TEXT,       0 },
    { "indicators",    "indicators",    K_INDICATORS, 0 },
    { "deadline",      "deadline",      K_TEXT,       0 },
    { "anonymous",     "anonymous",     K_BOOL,       0 },
    { "contact_name",  "contact_name",  K_TEXT,       HIDE_ANON },
    { "contact_phone", "contact_phone", K_TEXT,       HIDE_ANON | HIDE_PUBLIC },
    { "contact_email", "contact_email", K_TEXT,       HIDE_ANON | HIDE_PUBLIC },
    { "owner_email",   "owner_email",   K_TEXT,       HIDE_ANON | HIDE_PUBLIC },
};
#define NCOLUMNS (sizeof columns / sizeof *columns)

const char *kj_transfer_column(int i)
{
    return i >= 0 && (size_t)i < NCOLUMNS ? columns[i].name : NULL;
}

#define EXPORT_SQL \
    "SELECT l.id, l.kind, l.subtype, l.title, l.summary, l.description, l.domain, l.keywords AS keywords__json, " \
    "l.region, l.valid_until, l.trl, l.trl_min, l.ip_type, l.ip_numbers AS ip_numbers__json, " \
    "l.coop_modes AS coop_modes__json, l.price_kind, l.price_min_fen, l.price_max_fen, l.delivery_mode, " \
    "l.duration, l.indicators AS indicators__json, l.deadline, l.anonymous, l.contact_name, l.contact_phone, " \
    "l.contact_email, u.email AS owner_email, l.owner_id, l.studio_id " \
    "FROM listings l JOIN users u ON u.id = l.owner_id WHERE 1=1"

/* ---- formats ---- */

static const struct { const char *name, *mime, *ext; } formats[] = {
    [KJ_EXPORT_CSV]  = { "csv",  "text/csv; charset=utf-8", "csv" },
    [KJ_EXPORT_XLSX] = { "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx" },
    [KJ_EXPORT_JSON] = { "json", "application/json", "json" },
};

bool kj_export_format_parse(const char *name, kj_export_format *out)
{
    for (size_t i = 0; name && i < sizeof formats / sizeof *formats; i++)
        if (!strcmp(formats[i].name, name)) { *out = (kj_export_format)i; return true; }
    return false;
}

const char *kj_export_mime(kj_export_format f) { return formats[f].mime; }
const char *kj_export_ext(kj_export_format f) { return formats[f].ext; }

/* ---- cell codecs ---- */

static int put_escaped(kj_buf *out, const char *s, const char *specials)
{
    for (; s && *s; s++) {
        if ((*s == '\\' || strchr(specials, *s)) && kj_buf_append(out, "\\", 1)) return -1;
        if (kj_buf_append(out, s, 1)) return -1;
    }
    return 0;
}

int kj_transfer_join_list(json_t *items, kj_buf *out)
{
    size_t i;
    json_t *v;
    bool first = true;
    json_array_foreach(items, i, v) {
        if (!json_is_string(v)) continue;
        if ((!first && kj_buf_append(out, "|", 1)) || put_escaped(out, json_string_value(v), "|")) return -1;
        first = false;
    }
    return 0;
}

int kj_transfer_join_indicators(json_t *indicators, kj_buf *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(indicators, i, v) {
        const char *unit = kj_jstr(v, "unit");
        if (i && kj_buf_append(out, "|", 1)) return -1;
        /* A cell whose first non-blank byte is '[' is read as JSON: escape
         * the first name's leading '[' (its leading blanks would be trimmed
         * by the import anyway) so that "[A] speed" comes back (found by
         * tests/fuzz/fuzz_csv_import). */
        const char *name = kj_jstr(v, "name");
        if (i == 0 && name) {
            const char *p = name;
            while (isspace((unsigned char)*p)) p++;
            if (*p == '[') {
                if (kj_buf_append(out, "\\", 1)) return -1;
                name = p;
            }
        }
        if (put_escaped(out, name, "|:") || kj_buf_append(out, ":", 1) ||
            put_escaped(out, kj_jstr(v, "target"), "|:")) return -1;
        if (unit && *unit && (kj_buf_append(out, ":", 1) || put_escaped(out, unit, "|:"))) return -1;
    }
    return 0;
}

/* Calls each(ctx, p, n) for every piece of s[0..n) between unescaped sep
 * characters; escapes stay in the pieces. */
static void split_raw(const char *s, size_t n, char sep, void (*each)(void *ctx, const char *p, size_t len), void *ctx)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] == '\\' && i + 1 < n) { i++; continue; }
        if (i == n || s[i] == sep) { each(ctx, s + start, i - start); start = i + 1; }
    }
}

/* A piece without its escapes and surrounding ASCII white space. New ref. */
static json_t *unescape_trim(const char *p, size_t n)
{
    kj_buf b = { 0 };
    size_t a = 0, e = n;
    while (a < e && isspace((unsigned char)p[a])) a++;
    while (e > a && isspace((unsigned char)p[e - 1]) && !(e - 1 > a && p[e - 2] == '\\')) e--;
    for (size_t i = a; i < e; i++) {
        if (p[i] == '\\' && i + 1 < e) i++;
        kj_buf_append(&b, p + i, 1);
    }
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    kj_buf_free(&b);
    return s ? s : json_string("");
}

static void add_item(void *ctx, const char *p, size_t n)
{
    json_t *item = unescape_trim(p, n);
    if (json_string_length(item)) json_array_append(ctx, item);
    json_decref(item);
}

json_t *kj_transfer_split_list(const char *cell)
{
    json_t *out = json_array();
    if (cell) split_raw(cell, strlen(cell), '|', add_item, out);
    return out;
}

typedef struct { json_t *out; bool bad; } indicator_ctx;

static void add_part(void *ctx, const char *p, size_t n) { json_array_append_new(ctx, unescape_trim(p, n)); }

static void add_indicator(void *ctx, const char *p, size_t n)
{
    indicator_ctx *ic = ctx;
    json_t *parts = json_array();
    split_raw(p, n, ':', add_part, parts);
    size_t k = json_array_size(parts);
    bool blank = k == 1 && json_string_length(json_array_get(parts, 0)) == 0;
    if (k > 3) ic->bad = true;
    else if (!blank) {
        while (json_array_size(parts) < 3) json_array_append_new(parts, json_string(""));
        json_array_append_new(ic->out, json_pack("{s:O, s:O, s:O}", "name", json_array_get(parts, 0),
                                                 "target", json_array_get(parts, 1), "unit", json_array_get(parts, 2)));
    }
    json_decref(parts);
}

json_t *kj_transfer_split_indicators(const char *cell)
{
    if (!cell) return json_array();
    const char *p = cell;
    while (isspace((unsigned char)*p)) p++;
    if (*p == '[') {
        json_t *v = json_loads(p, 0, NULL);
        if (json_is_array(v)) return v;
        json_decref(v);
        return NULL;
    }
    indicator_ctx ic = { json_array(), false };
    split_raw(cell, strlen(cell), '|', add_indicator, &ic);
    if (ic.bad) { json_decref(ic.out); return NULL; }
    return ic.out;
}

/* Characters after which a leading "'" is the CSV formula guard's. */
static bool guarded_after_quote(char c) { return c && strchr("=+-@\t\r'", c); }

bool kj_transfer_needs_quote_guard(const char *p, size_t n)
{
    return p && n >= 2 && p[0] == '\'' && guarded_after_quote(p[1]);
}

size_t kj_transfer_unguard(const char *p, size_t n) { return kj_transfer_needs_quote_guard(p, n) ? 1 : 0; }

char kj_transfer_sniff_delimiter(const char *p, size_t n)
{
    static const char cands[] = { ',', ';', '\t' };
    size_t count[3] = { 0 };
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') quoted = !quoted;
        if (quoted) continue;
        if (p[i] == '\n' || p[i] == '\r') break;
        for (int k = 0; k < 3; k++) if (p[i] == cands[k]) count[k]++;
    }
    int best = 0;
    for (int k = 1; k < 3; k++) if (count[k] > count[best]) best = k;
    return cands[best];
}

bool kj_transfer_parse_bool(const char *s, bool *out)
{
    static const struct { const char *text; bool value; } words[] = {
        { "", false }, { "0", false }, { "1", true }, { "true", true }, { "false", false }, { "yes", true },
        { "no", false }, { "on", true }, { "off", false }, { "\xe6\x98\xaf", true }, { "\xe5\x90\xa6", false },
    };
    for (size_t i = 0; s && i < sizeof words / sizeof *words; i++)
        if (!strcasecmp(words[i].text, s)) { *out = words[i].value; return true; }
    return false;
}

/* ---- export: one row's cells ---- */

static bool hidden(const column *c, json_t *row, bool privileged)
{
    bool anonymous = json_integer_value(json_object_get(row, "anonymous")) != 0;
    return ((c->hide & HIDE_ANON) && anonymous) || ((c->hide & HIDE_PUBLIC) && !privileged);
}

/* Appends the text of cell c of row (as CSV and XLSX show it). */
static int cell_text(const column *c, json_t *row, kj_buf *out)
{
    json_t *v = json_object_get(row, c->source);
    char num[32];
    switch (c->kind) {
    case K_LIST:       return kj_transfer_join_list(v, out);
    case K_INDICATORS: return kj_transfer_join_indicators(v, out);
    case K_MONEY:
        if (!json_is_integer(v)) return 0;
        kj_format_fen_as_wan(json_integer_value(v), num, sizeof num);
        return kj_buf_puts(out, num);
    case K_INT:
    case K_BOOL:
        if (!json_is_integer(v)) return 0;
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return kj_buf_puts(out, num);
    case K_TEXT:
        return json_is_string(v) ? kj_buf_append(out, json_string_value(v), json_string_length(v)) : 0;
    }
    return 0;
}

/* The value of cell c of row as JSON shows it. New ref. */
static json_t *cell_json(const column *c, json_t *row)
{
    json_t *v = json_object_get(row, c->source);
    char num[32];
    switch (c->kind) {
    case K_LIST:
    case K_INDICATORS: return json_is_array(v) ? json_incref(v) : json_array();
    case K_INT:        return json_is_integer(v) ? json_incref(v) : json_null();
    case K_BOOL:       return json_boolean(json_integer_value(v) != 0);
    case K_MONEY:
        if (!json_is_integer(v)) return json_string("");
        kj_format_fen_as_wan(json_integer_value(v), num, sizeof num);
        return json_string(num);
    case K_TEXT:       return json_is_string(v) ? json_incref(v) : json_string("");
    }
    return json_null();
}

/* One row's cells as NUL-separated text in one buffer. */
typedef struct {
    kj_buf text, scratch;
    size_t off[NCOLUMNS], len[NCOLUMNS];
    const char *ptr[NCOLUMNS];
} row_cells;

/* csv_guard: cells starting with "'" before a guarded character get one
 * more "'" (see transfer.h), which only CSV needs. */
static int fill_cells(row_cells *rc, json_t *row, bool privileged, bool csv_guard)
{
    kj_buf_reset(&rc->text);
    kj_buf_reset(&rc->scratch);
    for (size_t i = 0; i < NCOLUMNS; i++) {
        kj_buf_reset(&rc->scratch);
        if (!hidden(&columns[i], row, privileged) && cell_text(&columns[i], row, &rc->scratch)) return -1;
        rc->off[i] = rc->text.len;
        if (csv_guard && kj_transfer_needs_quote_guard(rc->scratch.data, rc->scratch.len) && kj_buf_append(&rc->text, "'", 1))
            return -1;
        if (kj_buf_append(&rc->text, rc->scratch.data ? rc->scratch.data : "", rc->scratch.len)) return -1;
        rc->len[i] = rc->text.len - rc->off[i];
        if (kj_buf_append(&rc->text, "", 1)) return -1;
    }
    for (size_t i = 0; i < NCOLUMNS; i++) rc->ptr[i] = rc->text.data + rc->off[i];
    return 0;
}

/* ---- export: writers ---- */

typedef struct writer writer;
struct writer {
    int (*begin)(writer *w);
    int (*row)(writer *w, json_t *row);
    int (*end)(writer *w, bool ok);
    kj_csv_sink sink;
    void *ctx;
    bool privileged;
    long rows;
    row_cells cells;
    /* XLSX */
    char path[64];
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold;
};

static int csv_begin(writer *w)
{
    if (kj_csv_write_bom(w->sink, w->ctx)) return -1;
    const char *names[NCOLUMNS];
    for (size_t i = 0; i < NCOLUMNS; i++) names[i] = columns[i].name;
    return kj_csv_write_row(w->sink, w->ctx, names, NULL, (int)NCOLUMNS, ',', KJ_CSV_EXPORT);
}

static int csv_row(writer *w, json_t *row)
{
    if (fill_cells(&w->cells, row, w->privileged, true)) return -1;
    return kj_csv_write_row(w->sink, w->ctx, w->cells.ptr, w->cells.len, (int)NCOLUMNS, ',', KJ_CSV_EXPORT);
}

static int csv_end(writer *w, bool ok) { return 0; }

static int json_sink(const char *p, size_t n, void *data)
{
    writer *w = data;
    return w->sink(w->ctx, p, n);
}

static int json_begin(writer *w) { return w->sink(w->ctx, "[", 1); }

static int json_row(writer *w, json_t *row)
{
    json_t *o = json_object();
    for (size_t i = 0; i < NCOLUMNS; i++)
        json_object_set_new(o, columns[i].name, hidden(&columns[i], row, w->privileged) ? json_string("") : cell_json(&columns[i], row));
    int rc = w->sink(w->ctx, w->rows ? ",\n" : "\n", w->rows ? 2 : 1);
    if (rc == 0) rc = json_dump_callback(o, json_sink, w, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return rc;
}

static int json_end(writer *w, bool ok) { return w->sink(w->ctx, "\n]\n", 3); }

static int xlsx_begin(writer *w)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir || strlen(dir) > 30) dir = "/tmp";
    snprintf(w->path, sizeof w->path, "%s/kejiyun-export-XXXXXX", dir);
    int fd = mkstemp(w->path);
    if (fd < 0) { w->path[0] = 0; return -1; }
    close(fd);
    lxw_workbook_options o = { .constant_memory = LXW_TRUE, .tmpdir = (char *)dir, .use_zip64 = LXW_TRUE };
    w->wb = workbook_new_opt(w->path, &o);
    if (!w->wb) return -1;
    w->ws = workbook_add_worksheet(w->wb, "listings");
    w->bold = workbook_add_format(w->wb);
    if (!w->ws || !w->bold) return -1;
    format_set_bold(w->bold);
    for (size_t i = 0; i < NCOLUMNS; i++)
        if (worksheet_write_string(w->ws, 0, (lxw_col_t)i, columns[i].name, w->bold) != LXW_NO_ERROR) return -1;
    return 0;
}

static int xlsx_row(writer *w, json_t *row)
{
    if (fill_cells(&w->cells, row, w->privileged, false)) return -1;
    lxw_row_t r = (lxw_row_t)(w->rows + 1);
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (!w->cells.len[i]) continue;
        bool numeric = columns[i].kind == K_INT || columns[i].kind == K_BOOL || columns[i].kind == K_MONEY;
        lxw_error e = numeric ? worksheet_write_number(w->ws, r, (lxw_col_t)i, strtod(w->cells.ptr[i], NULL), NULL)
                              : worksheet_write_string(w->ws, r, (lxw_col_t)i, w->cells.ptr[i], NULL);
        if (e != LXW_NO_ERROR) return -1;
    }
    return 0;
}

/* Closes the workbook and copies the file through the sink. */
static int xlsx_end(writer *w, bool ok)
{
    int rc = 0;
    if (w->wb && workbook_close(w->wb) != LXW_NO_ERROR) rc = -1;
    w->wb = NULL;
    FILE *f = ok && rc == 0 && w->path[0] ? fopen(w->path, "rb") : NULL;
    if (ok && !f) rc = -1;
    char chunk[65536];
    size_t n;
    while (f && rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = w->sink(w->ctx, chunk, n);
    if (f && ferror(f)) rc = -1;
    if (f) fclose(f);
    if (w->path[0]) unlink(w->path);
    return rc;
}

static const struct { int (*begin)(writer *); int (*row)(writer *, json_t *); int (*end)(writer *, bool); } writers[] = {
    [KJ_EXPORT_CSV]  = { csv_begin, csv_row, csv_end },
    [KJ_EXPORT_XLSX] = { xlsx_begin, xlsx_row, xlsx_end },
    [KJ_EXPORT_JSON] = { json_begin, json_row, json_end },
};

#define MAX_FILTER_PARAMS 16

/* Prepares the export query; params bound by their JSON type. */
static kj_stmt *prepare_export(kj_db *db, const kj_listing_query *q)
{
    kj_listing_query f = *q;
    f.status = NULL;   /* public export: published and current only */
    kj_buf sql = { 0 };
    json_t *params = json_array();
    kj_buf_puts(&sql, EXPORT_SQL);
    kj_listing_filter_sql(&f, &sql, params);
    kj_buf_puts(&sql, " ORDER BY l.published_at DESC, l.id DESC");
    size_t n = json_array_size(params);
    kj_stmt *st = NULL;
    if (n <= MAX_FILTER_PARAMS) {
        json_t *p[MAX_FILTER_PARAMS] = { 0 };
        for (size_t i = 0; i < n; i++) p[i] = json_array_get(params, i);
        static const char types[] = "jjjjjjjjjjjjjjjj";
        /* Unused trailing arguments are never read: the type string says how many there are. */
        st = kj_db_prepare(db, sql.data, types + (MAX_FILTER_PARAMS - n), p[0], p[1], p[2], p[3], p[4], p[5], p[6],
                           p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
    }
    kj_buf_free(&sql);
    json_decref(params);
    return st;
}

/* The patent/registration numbers of an anonymous listing identify its
 * owner as surely as a name: they go only to whoever may see the owner
 * (kj_listing_can_see_private: the owner, its reviewers, the sender of an
 * accepted EOI), or to a privileged export without a viewer (the command
 * line). */
static void redact_ip_numbers(kj_db *db, json_t *row, bool privileged, json_t *viewer)
{
    if (!json_integer_value(json_object_get(row, "anonymous"))) return;
    if (viewer ? kj_listing_can_see_private(db, row, viewer) : privileged) return;
    json_object_del(row, "ip_numbers");
}

long kj_listing_export(kj_db *db, const kj_listing_query *q, kj_export_format fmt, bool privileged, json_t *viewer,
                       kj_csv_sink sink, void *ctx)
{
    if ((size_t)fmt >= sizeof writers / sizeof *writers) return -1;
    writer w = { .begin = writers[fmt].begin, .row = writers[fmt].row, .end = writers[fmt].end,
                 .sink = sink, .ctx = ctx, .privileged = privileged };
    kj_stmt *st = prepare_export(db, q);
    int rc = st ? w.begin(&w) : -1;
    int step = KJ_DB_DONE;
    while (rc == 0 && (step = kj_stmt_step(db, st)) == KJ_DB_ROW) {
        json_t *row = kj_stmt_row_json(db, st);
        redact_ip_numbers(db, row, privileged, viewer);
        rc = w.row(&w, row);
        json_decref(row);
        if (rc == 0) w.rows++;
    }
    if (step < 0) rc = -1;
    kj_stmt_finish(db, st);
    if (w.end(&w, rc == 0)) rc = -1;
    kj_buf_free(&w.cells.text);
    kj_buf_free(&w.cells.scratch);
    return rc ? -1 : w.rows;
}

/* ---- import ---- */

/* What the import accepts: the export columns plus these two. */
static const column import_only[] = {
    { "status",    "status",    K_TEXT, 0 },
    { "studio_id", "studio_id", K_TEXT, 0 },
};

static const column *find_column(const char *name)
{
    /* Names as spelled here first: every cell of every row comes this way. */
    for (size_t i = 0; i < NCOLUMNS; i++)
        if (columns[i].name[0] == name[0] && !strcmp(columns[i].name, name)) return &columns[i];
    for (size_t i = 0; i < NCOLUMNS; i++) if (!strcasecmp(columns[i].name, name)) return &columns[i];
    for (size_t i = 0; i < sizeof import_only / sizeof *import_only; i++)
        if (!strcasecmp(import_only[i].name, name)) return &import_only[i];
    return NULL;
}

/* Position of a column name in report order (unknown names last). */
static size_t column_rank(const char *name)
{
    const column *c = find_column(name);
    if (!c) return NCOLUMNS + 2;
    if (c >= columns && c < columns + NCOLUMNS) return (size_t)(c - columns);
    return NCOLUMNS + (size_t)(c - import_only);
}

typedef struct {
    kj_db *db;
    json_t *importer;
    json_t *owners;      /* lower-cased e-mail → users row, or null when unknown */
    kj_import_report *rep;
    kj_analyzer *analyzer; /* for the analysis ahead (kj_import_opts), or NULL */
    bool failed;         /* the database failed: everything is rolled back */
    bool fatal;          /* the file itself is broken: nothing is kept, even with partial */
} importer;

static void report(importer *im, long line, const char *col, const char *code)
{
    size_t n = json_array_size(im->rep->errors);
    if (n > KJ_IMPORT_MAX_ERRORS) return;
    if (n == KJ_IMPORT_MAX_ERRORS) { line = 0; col = ""; code = "err.import.too_many_errors"; }
    json_array_append_new(im->rep->errors, json_pack("{s:I, s:s, s:s}", "line", (json_int_t)line, "column", col, "code", code));
}

/* Reports a row's problems (column → key) in column order. */
static void report_row(importer *im, long line, json_t *problems)
{
    if (!json_object_size(problems)) return;
    im->rep->error_rows++;
    size_t n = json_object_size(problems), k = 0;
    const char **keys = malloc(n * sizeof *keys);
    const char *key;
    json_t *v;
    json_object_foreach(problems, key, v) keys[k++] = key;
    for (size_t i = 1; i < n; i++)   /* insertion sort: a row has a handful of problems */
        for (size_t j = i; j > 0 && column_rank(keys[j]) < column_rank(keys[j - 1]); j--) {
            const char *t = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) report(im, line, keys[i], json_string_value(json_object_get(problems, keys[i])));
    free(keys);
}

static void problem(json_t *problems, const char *col, const char *key)
{
    if (!json_object_get(problems, col)) json_object_set_new(problems, col, json_string(key));
}

/* The users row of an owner by e-mail (borrowed), or NULL when there is
 * no active user with that address. */
static json_t *owner_by_email(importer *im, const char *email)
{
    char key[256];
    size_t n = strlen(email);
    if (n >= sizeof key) return NULL;
    for (size_t i = 0; i <= n; i++) key[i] = (char)tolower((unsigned char)email[i]);
    json_t *u = json_object_get(im->owners, key);
    if (!u) {
        u = kj_db_row(im->db, "SELECT id, email, name, role, org_id, org_role, region, jurisdiction FROM users "
                              "WHERE lower(email) = ? AND disabled = 0", "s", key);
        json_object_set_new(im->owners, key, u ? u : json_null());
    }
    return json_is_object(u) ? u : NULL;
}

/* Drops ASCII white space around s[0..*n). */
static void trim_span(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) { (*s)++; (*n)--; }
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

/* A cell as a trimmed string (description keeps its white space). */
static json_t *text_value(const column *c, json_t *v)
{
    if (json_is_integer(v)) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return json_string(num);
    }
    if (!json_is_string(v)) return NULL;
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (!strcmp(c->name, "description")) return json_incref(v);
    trim_span(&s, &n);
    return json_stringn(s, n);
}

static bool blank(json_t *v)
{
    if (!v || json_is_null(v)) return true;
    if (!json_is_string(v)) return false;
    for (const char *s = json_string_value(v); *s; s++) if (!isspace((unsigned char)*s)) return false;
    return true;
}

/* Per-row state while turning raw cells into the domain's input. */
typedef struct {
    json_t *in, *problems;
    const char *kind, *status;
    json_t *owner;
    bool owner_from_column;
} row_input;

/* Converts one raw cell (string from CSV, any JSON value from JSON). */
static void take_cell(importer *im, row_input *ri, const column *c, json_t *v)
{
    const char *name = c->name;
    if (blank(v) || !strcmp(name, "id")) return;
    json_t *out = NULL;
    bool ok = false;
    switch (c->kind) {
    case K_LIST:
        out = json_is_array(v) ? json_incref(v) : json_is_string(v) ? kj_transfer_split_list(json_string_value(v)) : NULL;
        break;
    case K_INDICATORS:
        out = json_is_array(v) ? json_incref(v) : json_is_string(v) ? kj_transfer_split_indicators(json_string_value(v)) : NULL;
        if (!out) { problem(ri->problems, name, "err.import.indicators"); return; }
        break;
    case K_BOOL:
        if (json_is_boolean(v)) out = json_incref(v);
        else if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) out = json_boolean(json_integer_value(v));
        else if (json_is_string(v)) {
            json_t *t = text_value(c, v);
            if (kj_transfer_parse_bool(json_string_value(t), &ok)) out = json_boolean(ok);
            json_decref(t);
        }
        if (!out) { problem(ri->problems, name, "err.import.bool"); return; }
        break;
    case K_INT:
    case K_MONEY:
        out = json_is_string(v) ? text_value(c, v) : (json_is_integer(v) || json_is_real(v)) ? json_incref(v) : NULL;
        break;
    case K_TEXT:
        out = text_value(c, v);
        break;
    }
    if (!out) { problem(ri->problems, name, "err.import.value"); return; }
    if (!strcmp(name, "kind")) {
        json_object_set_new(ri->in, "kind", out);   /* ri->in keeps the string alive for the row */
        ri->kind = json_string_value(out);
    } else if (!strcmp(name, "status")) {
        const char *s = json_string_value(out);
        if (!strcmp(s, "published") || !strcmp(s, "draft")) ri->status = !strcmp(s, "draft") ? "draft" : "published";
        else problem(ri->problems, name, "err.import.status");
        json_decref(out);
    } else if (!strcmp(name, "owner_email")) {
        json_t *u = owner_by_email(im, json_string_value(out));
        if (u) { ri->owner = u; ri->owner_from_column = true; }
        else problem(ri->problems, name, "err.import.owner_unknown");
        json_decref(out);
    } else {
        json_object_set_new(ri->in, name, out);
    }
}

/* Merges the market domain's findings; a role refusal is about the owner
 * when the owner came from the file. */
static void take_domain_errors(row_input *ri, json_t *errors)
{
    const char *field;
    json_t *key;
    json_object_foreach(errors, field, key) {
        const char *k = json_string_value(key);
        bool role = !strcmp(field, "kind") && (!strcmp(k, "err.listing.demand_role") || !strcmp(k, "err.listing.offer_role"));
        problem(ri->problems, role && ri->owner_from_column ? "owner_email" : field, k);
    }
}

/* Checks and inserts one row given as {column: value}; line is for the report. */
static void import_row(importer *im, json_t *raw, long line)
{
    row_input ri = { json_object(), json_object(), NULL, "published", im->importer, false };
    const char *name;
    json_t *v;
    json_object_foreach(raw, name, v) {
        const column *c = find_column(name);
        if (!c) problem(ri.problems, name, "err.import.unknown_column");
        else take_cell(im, &ri, c, v);
    }
    json_t *errors = json_object();
    if (!ri.kind) problem(ri.problems, "kind", "err.field.required");
    else if (!kj_in_list(kj_listing_kinds, ri.kind)) problem(ri.problems, "kind", "err.field.choice");
    else if (json_object_size(ri.problems)) {
        kj_listing_check(im->db, ri.kind, ri.in, ri.owner, errors);   /* report the rest of the row too */
    } else {
        char id[KJ_ID_LEN + 1];
        if (kj_listing_insert(im->db, ri.owner, ri.kind, ri.in, ri.status, id, errors) == 0) im->rep->imported++;
        else if (json_object_get(errors, "form")) im->failed = true;
    }
    take_domain_errors(&ri, errors);
    report_row(im, line, ri.problems);
    json_decref(errors);
    json_decref(ri.problems);
    json_decref(ri.in);
}

/* ---- import: CSV ---- */

/* Maps header cells to columns; reports unknown, repeated and missing
 * ones. Returns the number of problems. */
static int read_header(importer *im, const kj_csv_row *h, const column **map)
{
    int bad = 0;
    long line = (long)h->line;
    for (int i = 0; i < h->nfields; i++) {
        char name[64];
        const char *p = h->fields[i];
        size_t n = h->lens[i];
        while (n && isspace((unsigned char)*p)) { p++; n--; }
        while (n && isspace((unsigned char)p[n - 1])) n--;
        snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), p);
        map[i] = n < sizeof name && !memchr(p, 0, n) ? find_column(name) : NULL;
        if (!map[i]) {
            report(im, line, name, "err.import.unknown_column");
            bad++;
        }
        for (int j = 0; map[i] && j < i; j++)
            if (map[j] == map[i]) { report(im, line, map[i]->name, "err.import.duplicate_column"); bad++; break; }
    }
    static const char *const required[] = { "kind", "title" };
    for (size_t r = 0; r < sizeof required / sizeof *required; r++) {
        bool found = false;
        for (int i = 0; i < h->nfields; i++) if (map[i] && !strcmp(map[i]->name, required[r])) found = true;
        if (!found) { report(im, line, required[r], "err.import.missing_column"); bad++; }
    }
    return bad;
}

/* A data row as {column: string}, or NULL for a row of empty cells. */
static json_t *row_object(const kj_csv_row *row, const column **map, int ncols, json_t *problems)
{
    json_t *raw = json_object();
    bool any = false;
    for (int i = 0; i < row->nfields; i++) {
        const char *p = row->fields[i];
        size_t n = row->lens[i];
        bool nonblank = false;
        for (size_t k = 0; k < n; k++) if (!isspace((unsigned char)p[k])) nonblank = true;
        any = any || nonblank;
        if (i >= ncols) { if (nonblank) problem(problems, "", "err.import.extra_cells"); continue; }
        if (memchr(p, 0, n)) { problem(problems, map[i]->name, "err.import.value"); continue; }
        size_t skip = kj_transfer_unguard(p, n);
        json_object_set_new(raw, map[i]->name, json_stringn(p + skip, n - skip));
    }
    if (!any) { json_decref(raw); return NULL; }
    return raw;
}

/* ---- import: analysis ahead ----
 * Segmenting the text is about 40% of an import's work, and the database
 * writes cannot start before it. So while the importing thread checks and
 * inserts row n, a worker thread reads the same CSV with its own reader
 * and records the token streams of the searchable text of rows n+1 ..
 * n+AHEAD — title, keywords, summary, description, normalized exactly as
 * the listing will store them and the index will be fed them. Inserting a
 * row then replays them (kj_analyze_replay): an index text that is not
 * byte-identical to a recorded one (a cell the worker read differently)
 * is simply analyzed then, so the index never depends on the worker. */
#define AHEAD 32

enum { T_TITLE, T_KEYWORDS, T_SUMMARY, T_DESCRIPTION, N_TEXTS };
static const char *const text_columns[N_TEXTS] = { "title", "keywords", "summary", "description" };

typedef struct {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    kj_analyzer *a;
    kj_csv_reader r;              /* the worker's own reader of the text */
    int col[N_TEXTS];             /* CSV field of each text, or -1 */
    kj_tokens *slot[AHEAD];       /* row k's streams: slot[k % AHEAD] */
    long produced, consumed;      /* rows recorded, rows used (under mu) */
    long resume_at;               /* the worker sleeps until consumed >= this (under mu) */
    bool stop, finished;          /* under mu */
    bool worker_waits, user_waits; /* under mu: who is in pthread_cond_wait */
} ahead;

/* One cell as the listing stores it (see row_object and take_cell). */
static void cell_span(const kj_csv_row *row, int f, const char **p, size_t *n)
{
    *p = "";
    *n = 0;
    if (f < 0 || f >= row->nfields) return;
    *p = row->fields[f];
    *n = row->lens[f];
    size_t skip = kj_transfer_unguard(*p, *n);
    *p += skip;
    *n -= skip;
}

static void record_row(ahead *h, const kj_csv_row *row, kj_tokens *t)
{
    for (int k = 0; k < N_TEXTS; k++) {
        const char *p;
        size_t n;
        cell_span(row, h->col[k], &p, &n);
        if (k == T_KEYWORDS) {
            json_t *items = kj_transfer_split_list(p), *kw = kj_listing_list_items(items);
            char *text = kj_listing_keywords_text(kw);
            if (text) kj_tokens_add(t, h->a, text, (int)strlen(text));
            free(text);
            json_decref(kw);
            json_decref(items);
            continue;
        }
        if (k != T_DESCRIPTION) trim_span(&p, &n);
        if (n && n < INT_MAX) kj_tokens_add(t, h->a, p, (int)n);
    }
}

static void *ahead_main(void *arg)
{
    ahead *h = arg;
    kj_csv_row row;
    for (long k = 0; kj_csv_next_row(&h->r, &row) == 1; k++) {
        pthread_mutex_lock(&h->mu);
        /* Full: sleep until half the window is free, not one wake-up per row. */
        h->resume_at = k - AHEAD / 2;
        while (!h->stop && k - h->consumed >= AHEAD) {
            h->worker_waits = true;
            pthread_cond_wait(&h->cv, &h->mu);
            h->worker_waits = false;
        }
        bool stop = h->stop;
        pthread_mutex_unlock(&h->mu);
        if (stop) break;
        kj_tokens_clear(h->slot[k % AHEAD]);   /* row k - AHEAD is done with it */
        record_row(h, &row, h->slot[k % AHEAD]);
        pthread_mutex_lock(&h->mu);
        h->produced = k + 1;
        if (h->user_waits) pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
    }
    pthread_mutex_lock(&h->mu);
    h->finished = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static void ahead_free(ahead *h)
{
    for (int i = 0; i < AHEAD; i++) kj_tokens_free(h->slot[i]);
    kj_csv_reader_free(&h->r);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

/* Starts the worker on the rows after the header (map: field → column).
 * NULL when there is no analyzer or no thread: the import runs as before. */
static ahead *ahead_start(kj_analyzer *a, const char *text, size_t len, char delim, const column **map, int ncols)
{
    ahead *h = a ? calloc(1, sizeof *h) : NULL;
    if (!h) return NULL;
    h->a = a;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    kj_csv_reader_init(&h->r, text, len, delim);
    for (int k = 0; k < N_TEXTS; k++) {
        h->col[k] = -1;
        for (int i = 0; i < ncols; i++) if (!strcmp(map[i]->name, text_columns[k])) h->col[k] = i;
    }
    bool ok = true;
    for (int i = 0; i < AHEAD; i++) ok = (h->slot[i] = kj_tokens_new()) != NULL && ok;
    kj_csv_row header;
    if (!ok || kj_csv_next_row(&h->r, &header) != 1 || pthread_create(&h->thread, NULL, ahead_main, h) != 0) {
        ahead_free(h);
        return NULL;
    }
    return h;
}

/* Installs row k's recorded streams on this thread, once the worker has
 * them (or has given up before row k). */
static void ahead_use(ahead *h, long k)
{
    if (!h) return;
    pthread_mutex_lock(&h->mu);
    while (h->produced <= k && !h->finished) {
        h->user_waits = true;
        pthread_cond_wait(&h->cv, &h->mu);
        h->user_waits = false;
    }
    bool have = h->produced > k;
    pthread_mutex_unlock(&h->mu);
    kj_analyze_replay(have ? h->slot[k % AHEAD] : NULL);
}

/* Row k is inserted: its slot may be refilled. */
static void ahead_done(ahead *h, long k)
{
    if (!h) return;
    kj_analyze_replay(NULL);
    pthread_mutex_lock(&h->mu);
    h->consumed = k + 1;
    if (h->worker_waits && h->consumed >= h->resume_at) pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

static void ahead_stop(ahead *h)
{
    if (!h) return;
    kj_analyze_replay(NULL);
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    ahead_free(h);
}

static void import_csv(importer *im, const char *text, size_t len)
{
    kj_csv_reader r;
    char delim = kj_transfer_sniff_delimiter(text, len);
    kj_csv_reader_init(&r, text, len, delim);
    kj_csv_row row;
    int rc = kj_csv_next_row(&r, &row);
    int ncols = rc == 1 ? row.nfields : 0;
    const column **map = rc == 1 ? calloc((size_t)ncols, sizeof *map) : NULL;
    bool header_ok = rc == 1 && map && read_header(im, &row, map) == 0;
    ahead *h = header_ok ? ahead_start(im->analyzer, text, len, delim, map, ncols) : NULL;
    for (long k = 0; header_ok && !im->failed && (rc = kj_csv_next_row(&r, &row)) == 1; k++) {
        json_t *problems = json_object();
        json_t *raw = row_object(&row, map, ncols, problems);
        if (raw || json_object_size(problems)) im->rep->rows++;
        if (json_object_size(problems)) report_row(im, (long)row.line, problems);
        else if (raw) {
            ahead_use(h, k);
            import_row(im, raw, (long)row.line);
        }
        ahead_done(h, k);
        json_decref(raw);
        json_decref(problems);
    }
    ahead_stop(h);
    if (rc < 0) {   /* a broken quote swallows the rest of the file: no row after it is trustworthy */
        report(im, (long)r.err_line, "", r.err_key ? r.err_key : "err.csv.out_of_memory");
        im->rep->error_rows++;
        im->fatal = true;
    } else if (rc == 0 && im->rep->rows == 0 && !json_array_size(im->rep->errors)) {
        report(im, 1, "", "err.import.empty");
    }
    free(map);
    kj_csv_reader_free(&r);
}

/* ---- import: JSON ---- */

static void import_json_items(importer *im, json_t *items)
{
    if (!json_array_size(items)) { report(im, 1, "", "err.import.empty"); return; }
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        if (im->failed) break;
        im->rep->rows++;
        if (!json_is_object(item)) {
            im->rep->error_rows++;
            report(im, (long)i + 1, "", "err.import.item");
            continue;
        }
        import_row(im, item, (long)i + 1);
    }
}

static void import_json_text(importer *im, const char *text, size_t len)
{
    json_error_t e;
    json_t *doc = json_loadb(text, len, 0, &e);
    json_t *items = json_is_array(doc) ? doc : json_object_get(doc, "items");
    if (!json_is_array(items)) report(im, doc ? 1 : e.line, "", "err.import.json");
    else import_json_items(im, items);
    json_decref(doc);
}

/* ---- import: the transaction ---- */

#define IMPORT_OPTIMIZE_ROWS 10000  /* imports this large end with a merge of the search index */

/* An import of at least this many rows, and at least as many as the
 * listings already there, builds the listings' indexes once at its end
 * (kj_db_defer_indexes) rather than keeping them up to date row by row:
 * at 100k rows into an empty table, 13.5 s → 12.1 s with the rebuild. */
#define IMPORT_DEFER_INDEX_ROWS 20000

static int run_import(kj_db *db, json_t *importer_user, const kj_import_opts *opts, kj_import_report *rep,
                      void (*body)(importer *im, const void *a, size_t b), const void *a, size_t b, int64_t expected_rows)
{
    memset(rep, 0, sizeof *rep);
    rep->errors = json_array();
    importer im = { .db = db, .importer = importer_user, .owners = json_object(), .rep = rep, .analyzer = opts ? opts->analyzer : NULL };
    /* Every value is checked below, row by row. Without bulk mode the
     * import is only slower: the database checks again. */
    if (kj_db_bulk(db, true)) kj_log_error("import: bulk mode unavailable (%s); importing with checks", kj_db_errmsg(db));
    if (kj_db_begin(db)) {
        if (kj_db_bulk(db, false)) kj_log_error("import: cannot leave bulk mode: %s", kj_db_errmsg(db));
        report(&im, 0, "", "err.internal");
        json_decref(im.owners);
        return -1;
    }
    char *rebuild = NULL;
    if (expected_rows >= IMPORT_DEFER_INDEX_ROWS &&
        expected_rows >= kj_db_int(db, INT64_MAX, "SELECT count(*) FROM listings", "") &&
        !(rebuild = kj_db_defer_indexes(db, "listings"))) im.failed = true;
    kj_listing_bulk(true);
    if (!im.failed) body(&im, a, b);
    kj_listing_bulk(false);
    bool problems = json_array_size(rep->errors) > 0;
    bool keep = !im.failed && !im.fatal && rep->imported > 0 && (!problems || (opts && opts->partial));
    if (keep && rebuild && *rebuild) {
        int64_t t0 = kj_mono_us();
        if (kj_db_run_script(db, rebuild) < 0) { im.failed = true; keep = false; }
        rep->index_us = kj_mono_us() - t0;
    }
    free(rebuild);
    if (keep && kj_db_commit(db)) { im.failed = true; keep = false; }
    if (!keep) {
        kj_db_rollback(db);
        rep->imported = 0;
    }
    /* A bulk load leaves the full-text index in many segments that every
     * query reads; merged into one, searches and matching at 1M listings
     * ran 3-5x faster (29 s of merging there). Small imports leave it to
     * FTS5's own incremental merging. */
    if (keep && rep->imported >= IMPORT_OPTIMIZE_ROWS) {
        int64_t t0 = kj_mono_us();
        kj_listing_publish(db, &(kj_listing_event){ .what = KJ_LISTINGS_LOADED });
        rep->merge_us = kj_mono_us() - t0;
    }
    /* What was imported stays (committed or not, as reported below). */
    if (kj_db_bulk(db, false)) kj_log_error("import: cannot leave bulk mode: %s", kj_db_errmsg(db));
    json_decref(im.owners);
    if (im.failed) {
        report(&im, 0, "", "err.internal");
        return -1;
    }
    return problems ? 1 : 0;
}

static void body_text(importer *im, const void *a, size_t len)
{
    const char *data = a;
    kj_encoding enc = kj_detect_encoding(data, len);
    size_t n = 0;
    char *text = kj_to_utf8(data, len, enc, &n);
    if (!text) { report(im, 1, "", "err.import.encoding"); im->rep->error_rows++; return; }
    size_t i = 0;
    while (i < n && isspace((unsigned char)text[i])) i++;
    if (i < n && (text[i] == '[' || text[i] == '{')) import_json_text(im, text, n);
    else import_csv(im, text, n);
    free(text);
}

static void body_items(importer *im, const void *a, size_t unused)
{
    import_json_items(im, (json_t *)a);
}

int kj_listing_import(kj_db *db, json_t *importer_user, const char *data, size_t len,
                      const kj_import_opts *opts, kj_import_report *rep)
{
    int64_t lines = 0;
    for (const char *p = data, *end = data + len; p && p < end; p = memchr(p, '\n', (size_t)(end - p)), p = p ? p + 1 : NULL) lines++;
    return run_import(db, importer_user, opts, rep, body_text, data, len, lines);
}

int kj_listing_import_items(kj_db *db, json_t *importer_user, json_t *items,
                            const kj_import_opts *opts, kj_import_report *rep)
{
    return run_import(db, importer_user, opts, rep, body_items, items, 0, (int64_t)json_array_size(items));
}

json_t *kj_transfer_importer(kj_db *db, const char *email)
{
    if (email) return kj_db_row(db, "SELECT id, email, name, role, org_id, org_role, region, jurisdiction FROM users "
                                    "WHERE lower(email) = lower(?) AND disabled = 0", "s", email);
    return kj_db_row(db, "SELECT id, email, name, role, org_id, org_role, region, jurisdiction FROM users WHERE role = 'admin' AND disabled = 0 "
                         "ORDER BY created_at, id LIMIT 1", "");
}

void kj_import_report_free(kj_import_report *rep)
{
    json_decref(rep->errors);
    memset(rep, 0, sizeof *rep);
}
