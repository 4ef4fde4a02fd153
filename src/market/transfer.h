/*
 * transfer.h — bulk import and export of listings (CSV, XLSX, JSON).
 *
 * Owns: the exchange format of listings (the column table below), the
 * streaming export of a browse query, and the transactional import of a
 * CSV or JSON file through the market domain's own checks
 * (kj_listing_insert), with a report of every bad row.
 *
 * The exchange format — one row (CSV/XLSX) or object (JSON) per listing,
 * columns in this order, names as in market.h:
 *   id kind subtype title summary description domain keywords region
 *   valid_until trl trl_min ip_type ip_numbers coop_modes price_kind
 *   price_min price_max delivery_mode duration indicators deadline
 *   anonymous contact_name contact_phone contact_email owner_email
 * CSV/XLSX cells are text. Prices are 万元 decimal strings. anonymous is
 * 1/0 (import also takes true/false, yes/no, 是/否, empty = 0).
 * Lists (keywords, ip_numbers, coop_modes) are items joined with "|";
 * indicators are "name:target:unit" items joined with "|". Inside an item
 * a backslash escapes the next character, so "\|", "\:" and "\\" stand for
 * a literal '|', ':' and '\' — this is what makes every value round-trip.
 * The import also takes an indicators cell holding a JSON array of
 * {name, target, unit}. In JSON, lists are arrays, indicators an array of
 * objects, trl/trl_min numbers, anonymous a boolean, prices strings.
 *
 * Export: published, current listings only, newest first. Anonymous
 * listings never carry contact_name, contact_phone, contact_email or
 * owner_email (empty cells): the export has no studio/org columns at all.
 * contact_phone, contact_email and owner_email of other listings appear
 * only when the caller is privileged (administrators, the command line),
 * matching what listing pages show to the public. CSV output starts with
 * the UTF-8 BOM and guards formula-looking cells with a leading "'"
 * (text/csv.h); a cell that itself starts with "'" before such a character
 * gets one more "'", and the import strips exactly one, so the guard is
 * invisible after a round trip. The id column is informative: the import
 * always creates new listings.
 *
 * Import: CSV in UTF-8 (with or without BOM) or GB18030/GBK, delimiter
 * ',' (or ';' / TAB when the header uses those), header row first; or a
 * JSON array of objects. Column names are case-insensitive; unknown or
 * repeated columns are refused (a typo must not silently drop data). Each
 * row is checked by the market domain; listings are published unless the
 * optional status column says draft. owner_email, when given, must name an
 * active user whose role may post the listing's kind; when empty the
 * importer owns the listing. Everything runs in one transaction: by default
 * one bad row rolls the whole file back; with partial, good rows are kept.
 * Every problem is reported as (line, column, i18n key): line is the CSV
 * physical line where the row starts, or the 1-based item number in JSON;
 * column is a column name, or "" for problems of the whole file.
 *
 * Thread-safety: functions use only the kj_db given (one thread per
 * connection) and no global state.
 */
#ifndef KJ_TRANSFER_H
#define KJ_TRANSFER_H
#include "core/buf.h"
#include "market/market.h"
#include "text/csv.h"
#include <stdbool.h>
#include <stddef.h>

/** The name of exchange column i (0-based, export order), NULL past the end. */
const char *kj_transfer_column(int i);

typedef enum { KJ_EXPORT_CSV, KJ_EXPORT_XLSX, KJ_EXPORT_JSON } kj_export_format;

/** "csv", "xlsx" or "json" → *out; false for anything else. */
bool kj_export_format_parse(const char *name, kj_export_format *out);
/** MIME type and file extension of a format (static strings). */
const char *kj_export_mime(kj_export_format f);
const char *kj_export_ext(kj_export_format f);

/**
 * Writes the listings matching q's filters (status, paging and sort are
 * ignored: published and current, newest first) through sink in format
 * fmt. privileged adds contact_phone, contact_email and owner_email of
 * non-anonymous listings. The ip_numbers of an anonymous listing are
 * exported only to a viewer who may see its owner
 * (kj_listing_can_see_private), or with privileged and no viewer (the
 * command line). Rows are streamed from one statement; only the
 * XLSX writer buffers, in a temporary file it removes. Returns the number
 * of listings written, or -1 when the database, the sink or the XLSX
 * writer failed (output may then be truncated).
 */
long kj_listing_export(kj_db *db, const kj_listing_query *q, kj_export_format fmt, bool privileged, json_t *viewer,
                       kj_csv_sink sink, void *ctx);

typedef struct {
    bool partial;   /* keep the good rows when some are bad */
    /* The analyzer the search index uses (the app's): with it, a worker
     * thread segments the rows' text ahead of their insertion. NULL: the
     * text is analyzed as it is indexed (same result, slower). */
    struct kj_analyzer *analyzer;
} kj_import_opts;

/** The outcome of an import. errors is a JSON array of
 *  {line (integer), column (string), code (i18n key)}, owned by the report;
 *  at most KJ_IMPORT_MAX_ERRORS entries are kept, the last then being
 *  err.import.too_many_errors, while error_rows counts them all. */
typedef struct {
    long imported;     /* listings created (and committed) */
    long rows;         /* data rows or items seen */
    long error_rows;   /* rows with at least one problem */
    int64_t merge_us;  /* of the time taken, merging the search index after a large import */
    int64_t index_us;  /* of the time taken, building the listings' indexes (a large import defers them) */
    json_t *errors;
} kj_import_report;

#define KJ_IMPORT_MAX_ERRORS 5000

/**
 * Imports len bytes of CSV or JSON (recognised by content: JSON starts with
 * '[' after optional white space) as listings owned by importer (a users
 * row with id and role, as from kj_session_user) unless a row's
 * owner_email names someone else. Opens and ends its own transaction.
 * Fills *rep (release with kj_import_report_free). Returns 0 when nothing
 * was wrong, 1 when problems were reported (rep->imported says whether
 * good rows were kept), -1 when the database failed (nothing imported;
 * rep->errors says err.internal).
 */
int kj_listing_import(kj_db *db, json_t *importer, const char *data, size_t len,
                      const kj_import_opts *opts, kj_import_report *rep);
/** Like kj_listing_import for an already parsed JSON array of objects. */
int kj_listing_import_items(kj_db *db, json_t *importer, json_t *items,
                            const kj_import_opts *opts, kj_import_report *rep);
/** Releases what a report owns; the report may be reused. */
void kj_import_report_free(kj_import_report *rep);
/** The importer for the command line: the active user with e-mail email,
 *  or when email is NULL the oldest active administrator. New ref, or NULL
 *  when there is none. */
json_t *kj_transfer_importer(kj_db *db, const char *email);

/* ---- cell codecs (pure; exposed for tests and for other exporters) ---- */

/** Appends the items of a JSON array of strings to out joined with "|",
 *  escaping '\\', '|' and ':' with a backslash. 0, or -1 on OOM. */
int kj_transfer_join_list(json_t *items, kj_buf *out);
/** Splits a cell at unescaped "|" into a new JSON array of strings (items
 *  trimmed of ASCII white space, empty items dropped, escapes removed). */
json_t *kj_transfer_split_list(const char *cell);
/** Appends indicators ([{name, target, unit}]) as name:target:unit items
 *  joined with "|" (empty unit leaves the trailing ':' out). */
int kj_transfer_join_indicators(json_t *indicators, kj_buf *out);
/** Parses an indicators cell: a JSON array (first non-blank byte '[') or
 *  name:target[:unit] items. Returns a new array of {name, target, unit},
 *  or NULL when an item has more than three parts or the JSON is bad. */
json_t *kj_transfer_split_indicators(const char *cell);
/** Export side of the formula guard: true when a CSV cell starts with "'"
 *  followed by = + - @ TAB CR or "'", so one more "'" must be written before
 *  it (text/csv.h's own guard leaves such a cell alone, and the import's
 *  kj_transfer_unguard removes exactly one "'"). */
bool kj_transfer_needs_quote_guard(const char *p, size_t n);
/** Import side of the formula guard: the number of leading bytes to drop
 *  from a cell (0 or 1). */
size_t kj_transfer_unguard(const char *p, size_t n);
/** Picks the delimiter of a CSV from its first line: the most frequent of
 *  ',' ';' and TAB outside quotes (',' on ties or when none occurs). */
char kj_transfer_sniff_delimiter(const char *p, size_t n);
/** Parses a yes/no cell: "", 0, 1, true, false, yes, no, on, off, 是, 否
 *  (ASCII case-insensitive). Returns false for anything else. */
bool kj_transfer_parse_bool(const char *s, bool *out);
#endif
