/*
 * validate.h — input validators for the identifiers, texts and amounts
 * users type into kejiyun forms: 统一社会信用代码, Chinese patent application
 * numbers, e-mail addresses, UTF-8 text, calendar dates and money in 万元.
 *
 * Every function here is pure: no global state, no allocation, no locale
 * dependence, so all of them are safe to call from any thread at once.
 * Functions that explain a rejection do so through an i18n message key
 * (a static string, never freed) so that the web layer can show the
 * reason in the user's language.
 *
 * Valid example credit codes (check digits computed by this module, used by
 * tests/unit/test_validate.c and by the demo data; they are made up and not
 * meant to identify real organisations):
 *   91510100MA61RE0Q7E   enterprise registered in 成都市 (510100)
 *   91510107MA6CFJ3P6C   enterprise registered in 武侯区 (510107)
 *   12630000MB1K7T2N9R   public institution (事业单位) of 青海省 (630000)
 *   91630100MA7527HJ8N   enterprise registered in 西宁市 (630100)
 * Their positions 9-17 also carry a valid GB 11714 organisation-code check.
 * Valid example patent application numbers (same origin):
 *   202310456789.0   invention        202220123456.7   utility model
 *   202130567890.5   design           202180012345.7   PCT invention
 *   202410512343.X   invention (check character X)
 *   02123456.6       invention, pre-2003 format
 */
#ifndef KJ_VALIDATE_H
#define KJ_VALIDATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- 统一社会信用代码 (GB 32100-2015) ---------------------------------- */

/**
 * Checks an 18-character unified social credit code: the character set
 * (0-9 and A-Y without I O S V Z), the registration-authority code in
 * position 1, a digit 1-9 as organisation category in position 2, six
 * digits of administrative division in positions 3-8, and the mod-31 check
 * character in position 18.
 * The input must already be normalised (see kj_normalize_credit_code):
 * lowercase letters are rejected as charset errors.
 * On failure, when why_key is not NULL, *why_key is set to one of
 * "err.credit_code.length", "err.credit_code.charset",
 * "err.credit_code.authority", "err.credit_code.category",
 * "err.credit_code.division", "err.credit_code.check_digit";
 * on success it is set to NULL. code == NULL counts as a length error.
 * Positions 9-17 (the GB 11714 organisation code) are not checked on their
 * own: the mod-31 check already covers typing mistakes there, and being
 * strict about the embedded check would reject codes that registries did
 * issue.
 */
bool kj_valid_credit_code(const char *code, const char **why_key);

/**
 * Normalises what a user typed into a credit code in place: strips leading
 * and trailing ASCII whitespace and full-width spaces (U+3000), converts
 * full-width digits and letters (from Chinese input methods) to ASCII and
 * uppercases ASCII letters. The result is never longer than the input.
 * code may be NULL (nothing happens).
 */
void kj_normalize_credit_code(char *code);

/* ---- Chinese patent application numbers -------------------------------- */

typedef enum {
    KJ_PATENT_UNKNOWN = 0,
    KJ_PATENT_INVENTION,   /* type digit 1, or 8 (PCT invention entering China) */
    KJ_PATENT_UTILITY,     /* type digit 2, or 9 (PCT utility model) */
    KJ_PATENT_DESIGN       /* type digit 3 */
} kj_patent_type;

/**
 * Checks a CNIPA patent application number (or the ZL patent number made
 * from it) and reports its type.
 * Accepted shapes: an optional prefix "CN" or "ZL" (any case, optionally
 * followed by one space), then either
 *   12 digits: 4-digit year 2003-2099, type digit, 7-digit serial (since
 *              October 2003), weights 2,3,4,5,6,7,8,9,2,3,4,5, or
 *    8 digits: 2-digit year 85-99 or 00-03, type digit, 5-digit serial
 *              (1985-2003), weights 2..9,
 * then an optional '.' and the check character: the weighted digit sum
 * mod 11, written 'X' (or 'x') for 10.
 * Type digits: 1 invention, 2 utility model, 3 design, 8 PCT invention,
 * 9 PCT utility model.
 * type may be NULL; otherwise it receives the type on success and
 * KJ_PATENT_UNKNOWN on failure. why_key as for kj_valid_credit_code, one of
 * "err.patent_no.format", "err.patent_no.year", "err.patent_no.type",
 * "err.patent_no.check_digit"; NULL on success.
 */
bool kj_valid_cn_patent_app_no(const char *no, kj_patent_type *type,
                               const char **why_key);

/* ---- Texts ------------------------------------------------------------- */

/**
 * A pragmatic e-mail check meant for sign-up forms, not RFC 5322:
 * local@domain with total length <= 254, local part 1-64 bytes of
 * letters, digits, !#$%&'*+/=?^_`{|}~.- or UTF-8 non-ASCII, without a
 * leading, trailing or doubled dot; a domain of at least two dot-separated
 * labels of 1-63 letters/digits/hyphens/non-ASCII, no label starting or
 * ending with '-', the last label not all digits. No spaces, control
 * characters or quoted local parts. s == NULL is invalid.
 */
bool kj_valid_email(const char *s);

/**
 * Strict UTF-8 check of len bytes (embedded NULs count as U+0000 and are
 * allowed): rejects stray continuation bytes, truncated sequences,
 * overlong forms, UTF-16 surrogates (U+D800-DFFF) and code points above
 * U+10FFFF. s may be NULL only when len is 0.
 */
bool kj_valid_utf8(const char *s, size_t len);

/**
 * A ?next= target a redirect may follow: a path on this site, or dflt.
 * Accepted: starts with one '/', then no second '/' or '\' (both make a
 * browser leave for another host: "//evil.example", "/\evil.example"), no
 * backslash anywhere, no control character or DEL anywhere (a browser
 * drops tab, CR and LF from URLs, so "/\t/evil.example" is "//evil…"), at
 * most 1000 bytes. The one rule for every page that sends a user on
 * (login, language, region, consent, organization pages).
 */
const char *kj_local_path(const char *next, const char *dflt);

/**
 * Number of code points in len bytes of UTF-8, for limits such as
 * "at most 300 characters". Counts every byte that is not a continuation
 * byte, so the result is exact only for valid UTF-8: validate first.
 */
size_t kj_utf8_chars(const char *s, size_t len);

/**
 * True when s is exactly "YYYY-MM-DD" naming a real day of the proleptic
 * Gregorian calendar, years 0001-9999 (leap years by the 4/100/400 rule).
 */
bool kj_valid_date(const char *yyyy_mm_dd);

/* ---- Money in 万元 ------------------------------------------------------ */

/** Fen per 万元: 1 万元 = 10 000 元 = 1 000 000 分. */
#define KJ_FEN_PER_WAN INT64_C(1000000)

/**
 * Parses a non-negative amount of 万元 as typed in forms ("12.5",
 * "300", "0.000001") into fen without floating point:
 * "12.5" -> 12 500 000 fen. Grammar: one or more ASCII digits, optionally
 * '.' and 1-6 digits; nothing else (no sign, spaces, separators or
 * exponent). Returns false for junk, more than 6 decimals (finer than one
 * fen) or amounts beyond INT64_MAX fen; *fen is then left unchanged.
 */
bool kj_parse_money_wan(const char *s, int64_t *fen);

/**
 * Writes fen as 万元 with trailing fractional zeros removed:
 * 12 500 000 -> "12.5", 1 000 000 -> "1", 1 -> "0.000001", 0 -> "0";
 * negative amounts get a leading '-'. Needs at most 22 bytes including the
 * NUL. Returns false when buf is NULL or n too small (buf then holds ""
 * if n > 0). The output parses back with kj_parse_money_wan (if >= 0).
 */
bool kj_format_fen_as_wan(int64_t fen, char *buf, size_t n);

#endif
