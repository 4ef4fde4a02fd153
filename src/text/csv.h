/*
 * csv.h — RFC 4180 CSV (and TSV) reading and writing, for bulk imports of
 * listings and exports of orders and reports.
 *
 * The reader walks an in-memory buffer row by row; fields are unescaped
 * into a buffer the reader owns and reuses, so a row stays valid only until
 * the next kj_csv_next_row() or kj_csv_reader_free(). The writer produces
 * RFC 4180 text through a caller-supplied append callback, quoting only
 * where needed, and can defuse spreadsheet formula injection.
 * Nothing here has global state. A reader has one owner at a time (it is
 * not thread-safe); the writer functions are pure given their sink.
 */
#ifndef KJ_CSV_H
#define KJ_CSV_H
#include <stddef.h>

/* ---- reading ----------------------------------------------------------- */

/**
 * Reader state. Initialise with kj_csv_reader_init(), release with
 * kj_csv_reader_free(). Only err_line and err_key are for the caller to
 * read; the other members are private.
 */
typedef struct {
    const char *buf;          /* private: the input (borrowed, not owned) */
    size_t len, pos;
    size_t line;              /* private: physical line at pos, 1-based */
    char delim;
    char  *data;              /* private: unescaped fields, NUL-separated */
    size_t data_len, data_cap;
    size_t *offs, *lens;      /* private: per-field offset into data, length */
    const char **ptrs;        /* private: per-field pointer handed out in rows */
    size_t field_cap;
    /** After kj_csv_next_row() returned -1: the 1-based line of the fault
     *  (for an unterminated quote, the line where the quote opened). */
    size_t err_line;
    /** After -1: an i18n message key (static string), one of
     *  "err.csv.unterminated_quote"  a quoted field runs to end of input,
     *  "err.csv.text_after_quote"    e.g. "abc"def — text after the closing quote,
     *  "err.csv.bad_delimiter"       delim is '"', CR, LF or NUL,
     *  "err.csv.out_of_memory". NULL while no error happened. */
    const char *err_key;
} kj_csv_reader;

/** One row, as returned by kj_csv_next_row(). */
typedef struct {
    int nfields;                 /* ≥ 1 */
    const char *const *fields;   /* unescaped; each also NUL-terminated */
    const size_t *lens;          /* exact lengths (fields may contain NUL) */
    size_t line;                 /* 1-based physical line where the row starts */
} kj_csv_row;

/**
 * Prepares r to read len bytes at buf, which must stay alive and unchanged
 * while r is used. delim is ',' for CSV, '\t' for TSV, ';' for European
 * Excel. A UTF-8 byte-order mark at the start is skipped. Allocates
 * nothing; cannot fail (a bad delim is reported by the first next_row).
 */
void kj_csv_reader_init(kj_csv_reader *r, const char *buf, size_t len, char delim);

/**
 * Reads the next row into *row. Returns 1 with a row, 0 at the end of the
 * input, -1 on error (r->err_line and r->err_key say what and where; the
 * error is sticky: later calls return -1 too).
 * Rules: fields are separated by delim; rows end at CRLF, LF or a lone CR
 * (the last row may lack one); completely empty lines are skipped, so a
 * row with one empty field must be written as "" (kj_csv_write_row does);
 * a field starting with '"' is quoted: it runs to the next lone '"', may
 * contain delimiters and line breaks (kept as they are in the input) and
 * "" stands for one '"'; a '"' inside an unquoted field is ordinary text.
 * The row's pointers belong to r and stay valid until the next call.
 */
int kj_csv_next_row(kj_csv_reader *r, kj_csv_row *row);

/** Frees what the reader allocated; r may be re-initialised afterwards. */
void kj_csv_reader_free(kj_csv_reader *r);

/* ---- writing ----------------------------------------------------------- */

/** Append callback: writes n bytes, returns 0, or non-zero on failure.
 *  kj_buf_sink (core/buf.h) fits. */
typedef int (*kj_csv_sink)(void *ctx, const char *p, size_t n);

enum {
    /** Prefix ' to fields that start with = + - @ TAB or CR, so that Excel,
     *  WPS and LibreOffice show them as text instead of running them as
     *  formulas (CSV injection). Plain numbers such as -12.5 or +86 are
     *  left alone: they cannot carry a formula and amounts must stay
     *  numeric. */
    KJ_CSV_GUARD_FORMULAS = 1u << 0,
    /** End rows with LF instead of RFC 4180's CRLF. */
    KJ_CSV_LF = 1u << 1,
    /** What every export offered for download should use. */
    KJ_CSV_EXPORT = KJ_CSV_GUARD_FORMULAS,
};

/**
 * Writes one field (no delimiter, no line end) of n bytes at p, p == NULL
 * meaning empty. It is quoted when it contains delim, '"', CR or LF, or
 * starts or ends with a space or tab, or starts with U+FEFF (which a reader
 * would skip as a byte-order mark); inner quotes are doubled. Returns 0,
 * or -1 when the sink failed.
 */
int kj_csv_write_field(kj_csv_sink sink, void *ctx, const char *p, size_t n,
                       char delim, unsigned flags);

/**
 * Writes n fields separated by delim and a line end. lens may be NULL
 * (fields are then NUL-terminated strings); a NULL field is empty. A row
 * consisting of one empty field is written as "" so that readers do not
 * take it for a blank line. Returns 0, or -1 at the first sink failure
 * (the output is then truncated mid-row).
 */
int kj_csv_write_row(kj_csv_sink sink, void *ctx, const char *const *fields,
                     const size_t *lens, int n, char delim, unsigned flags);

/** Writes the UTF-8 byte-order mark that Excel needs to recognise a UTF-8
 *  CSV file (without it, Chinese Excel assumes GBK). Call once, first. */
int kj_csv_write_bom(kj_csv_sink sink, void *ctx);

#endif
