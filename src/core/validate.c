/*
 * validate.c — the validators declared in validate.h: credit codes
 * (GB 32100-2015), CNIPA patent application numbers, e-mail, UTF-8,
 * dates and 万元 amounts. Pure functions only: no globals that change,
 * no allocation, no locale (ctype.h is avoided on purpose, its answers
 * depend on the locale).
 */
#include "core/validate.h"
#include <string.h>

static void set_why(const char **why_key, const char *key)
{
    if (why_key) *why_key = key;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_alpha(char c) { return is_upper(c) || is_lower(c); }

/* ---- 统一社会信用代码 ---------------------------------------------------- */

#define CREDIT_LEN 18

/* The 31 characters of GB 32100 in value order; I O S V Z are left out
 * because they are easily confused with 1 0 5 U 2. */
static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static const int credit_weights[CREDIT_LEN - 1] = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
};

/* Registration authorities: 1 机构编制 2 外交 3 司法行政 4 文化 5 民政
 * 6 旅游 7 宗教 8 工会 9 市场监管(工商) A 中央军委改革和编制办公室
 * N 农业农村 Y 其他. */
static const char credit_authorities[] = "123456789ANY";

/* Value 0..30 of a code character, or -1 if it is not in the alphabet. */
static int credit_value(char c)
{
    const char *p = c ? strchr(credit_alphabet, c) : NULL;
    return p ? (int)(p - credit_alphabet) : -1;
}

static char credit_check_char(const char *code)
{
    int sum = 0;
    for (int i = 0; i < CREDIT_LEN - 1; i++)
        sum += credit_value(code[i]) * credit_weights[i];
    int check = (31 - sum % 31) % 31;   /* 31 - 0 wraps to 0 */
    return credit_alphabet[check];
}

bool kj_valid_credit_code(const char *code, const char **why_key)
{
    if (!code || strlen(code) != CREDIT_LEN) {
        set_why(why_key, "err.credit_code.length");
        return false;
    }
    for (int i = 0; i < CREDIT_LEN; i++) {
        if (credit_value(code[i]) < 0) {
            set_why(why_key, "err.credit_code.charset");
            return false;
        }
    }
    if (!strchr(credit_authorities, code[0])) {
        set_why(why_key, "err.credit_code.authority");
        return false;
    }
    if (code[1] < '1' || code[1] > '9') {
        set_why(why_key, "err.credit_code.category");
        return false;
    }
    for (int i = 2; i < 8; i++) {
        if (!is_digit(code[i])) {
            set_why(why_key, "err.credit_code.division");
            return false;
        }
    }
    if (credit_check_char(code) != code[CREDIT_LEN - 1]) {
        set_why(why_key, "err.credit_code.check_digit");
        return false;
    }
    set_why(why_key, NULL);
    return true;
}

/* Full-width forms U+FF01..U+FF5E are ASCII 0x21..0x7E shifted by 0xFEE0;
 * in UTF-8 they are EF BC 81..BF and EF BD 80..9E. Returns the ASCII
 * character and sets *used to 3, or returns 0 when p is not one. */
static char fullwidth_to_ascii(const unsigned char *p, size_t *used)
{
    if (p[0] != 0xEF || (p[1] != 0xBC && p[1] != 0xBD) || (p[2] & 0xC0) != 0x80)
        return 0;
    unsigned cp = 0xF000u | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3Fu);
    if (cp < 0xFF01 || cp > 0xFF5E) return 0;
    *used = 3;
    return (char)(cp - 0xFEE0);
}

static bool is_ascii_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static const char ideographic_space[] = "\xE3\x80\x80";   /* U+3000 */

/* Byte length of a blank (ASCII whitespace or U+3000) starting at p, else 0. */
static size_t leading_blank_len(const char *p)
{
    if (is_ascii_space((unsigned char)*p)) return 1;
    return strncmp(p, ideographic_space, 3) == 0 ? 3 : 0;
}

/* Byte length of a blank ending just before end (start <= end), else 0. */
static size_t trailing_blank_len(const char *start, const char *end)
{
    if (end > start && is_ascii_space((unsigned char)end[-1])) return 1;
    if (end - start >= 3 && memcmp(end - 3, ideographic_space, 3) == 0) return 3;
    return 0;
}

void kj_normalize_credit_code(char *code)
{
    if (!code) return;
    const char *in = code;
    char *out = code;
    size_t n;
    while ((n = leading_blank_len(in)) > 0) in += n;
    /* Writing never overtakes reading: each step reads >= 1 byte, writes 1. */
    while (*in) {
        size_t used = 1;
        char c = fullwidth_to_ascii((const unsigned char *)in, &used);
        if (!c) c = *in;
        *out++ = is_lower(c) ? (char)(c - 'a' + 'A') : c;
        in += used;
    }
    while ((n = trailing_blank_len(code, out)) > 0) out -= n;
    *out = '\0';
}

/* ---- Patent application numbers --------------------------------------- */

static const int patent_weights[12] = { 2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5 };

/* Indexed by the type digit. */
static const kj_patent_type patent_types[10] = {
    ['1'-'0'] = KJ_PATENT_INVENTION, ['2'-'0'] = KJ_PATENT_UTILITY,
    ['3'-'0'] = KJ_PATENT_DESIGN,    ['8'-'0'] = KJ_PATENT_INVENTION,
    ['9'-'0'] = KJ_PATENT_UTILITY,
};

static const char *skip_patent_prefix(const char *s)
{
    bool cn = (s[0] == 'C' || s[0] == 'c') && (s[1] == 'N' || s[1] == 'n');
    bool zl = (s[0] == 'Z' || s[0] == 'z') && (s[1] == 'L' || s[1] == 'l');
    if (!cn && !zl) return s;
    s += 2;
    return *s == ' ' ? s + 1 : s;
}

static bool patent_year_ok(const char *digits, size_t ndigits)
{
    if (ndigits == 12) {
        int year = (digits[0] - '0') * 1000 + (digits[1] - '0') * 100 +
                   (digits[2] - '0') * 10 + (digits[3] - '0');
        return year >= 2003 && year <= 2099;
    }
    int yy = (digits[0] - '0') * 10 + (digits[1] - '0');
    return yy >= 85 || yy <= 3;
}

static char patent_check_char(const char *digits, size_t ndigits)
{
    int sum = 0;
    for (size_t i = 0; i < ndigits; i++)
        sum += (digits[i] - '0') * patent_weights[i];
    int check = sum % 11;
    return check == 10 ? 'X' : (char)('0' + check);
}

static bool patent_fail(kj_patent_type *type, const char **why_key, const char *key)
{
    if (type) *type = KJ_PATENT_UNKNOWN;
    set_why(why_key, key);
    return false;
}

bool kj_valid_cn_patent_app_no(const char *no, kj_patent_type *type,
                               const char **why_key)
{
    if (!no) return patent_fail(type, why_key, "err.patent_no.format");
    const char *digits = skip_patent_prefix(no);
    size_t ndigits = 0;
    while (is_digit(digits[ndigits])) ndigits++;
    const char *rest = digits + ndigits;
    /* Without the dot the check digit was swallowed by the digit run. */
    if (*rest == '.') rest++;
    else if (ndigits == 13 || ndigits == 9) { ndigits--; rest--; }
    if (ndigits != 12 && ndigits != 8)
        return patent_fail(type, why_key, "err.patent_no.format");
    if (!(is_digit(rest[0]) || rest[0] == 'X' || rest[0] == 'x') || rest[1] != '\0')
        return patent_fail(type, why_key, "err.patent_no.format");

    if (!patent_year_ok(digits, ndigits))
        return patent_fail(type, why_key, "err.patent_no.year");
    size_t type_at = ndigits == 12 ? 4 : 2;
    kj_patent_type t = patent_types[digits[type_at] - '0'];
    if (t == KJ_PATENT_UNKNOWN)
        return patent_fail(type, why_key, "err.patent_no.type");
    char want = patent_check_char(digits, ndigits);
    char got = rest[0] == 'x' ? 'X' : rest[0];
    if (got != want)
        return patent_fail(type, why_key, "err.patent_no.check_digit");
    if (type) *type = t;
    set_why(why_key, NULL);
    return true;
}

/* ---- E-mail ------------------------------------------------------------ */

#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define EMAIL_LABEL_MAX 63

static bool email_local_char(unsigned char c)
{
    return c >= 0x80 || is_alpha((char)c) || is_digit((char)c) ||
           (c && strchr("!#$%&'*+/=?^_`{|}~.-", c));
}

static bool email_local_ok(const char *s, size_t n)
{
    if (n == 0 || n > EMAIL_LOCAL_MAX || s[0] == '.' || s[n - 1] == '.') return false;
    for (size_t i = 0; i < n; i++) {
        if (!email_local_char((unsigned char)s[i])) return false;
        if (s[i] == '.' && s[i + 1] == '.') return false;
    }
    return true;
}

static bool email_label_ok(const char *s, size_t n, bool last)
{
    if (n == 0 || n > EMAIL_LABEL_MAX || s[0] == '-' || s[n - 1] == '-') return false;
    bool all_digits = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c >= 0x80 || is_alpha((char)c) || is_digit((char)c) || c == '-')) return false;
        if (!is_digit((char)c)) all_digits = false;
    }
    return !(last && all_digits);
}

static bool email_domain_ok(const char *s, size_t n)
{
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') continue;
        if (!email_label_ok(s + start, i - start, i == n)) return false;
        labels++;
        start = i + 1;
    }
    return labels >= 2;
}

/* Non-ASCII characters that are invisible or blank and so never belong in
 * an address: C1 controls and NBSP, U+2000-200F spaces and zero-width
 * marks, U+2028/2029 separators, U+3000 ideographic space, U+FEFF BOM.
 * Each entry is a byte prefix plus an inclusive range for the next byte. */
static const struct { const char *prefix; unsigned char lo, hi; } email_blanks[] = {
    { "\xC2",     0x80, 0xA0 },
    { "\xE2\x80", 0x80, 0x8F },
    { "\xE2\x80", 0xA8, 0xA9 },
    { "\xE3\x80", 0x80, 0x80 },
    { "\xEF\xBB", 0xBF, 0xBF },
};

static bool has_unicode_blank(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x80) continue;
        for (size_t i = 0; i < sizeof email_blanks / sizeof email_blanks[0]; i++) {
            size_t plen = strlen(email_blanks[i].prefix);
            if (strncmp(s, email_blanks[i].prefix, plen) != 0) continue;
            unsigned char next = (unsigned char)s[plen];
            if (next >= email_blanks[i].lo && next <= email_blanks[i].hi) return true;
        }
    }
    return false;
}

bool kj_valid_email(const char *s)
{
    if (!s) return false;
    size_t n = strlen(s);
    if (n > EMAIL_MAX || !kj_valid_utf8(s, n) || has_unicode_blank(s)) return false;
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@')) return false;
    size_t local_len = (size_t)(at - s);
    return email_local_ok(s, local_len) &&
           email_domain_ok(at + 1, n - local_len - 1);
}

/* ---- UTF-8 ------------------------------------------------------------- */

/* Allowed range of the second byte for each lead byte: these ranges are
 * what rules out overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4). */
struct utf8_lead { unsigned char lo, hi, second_lo, second_hi, len; };

static const struct utf8_lead utf8_leads[] = {
    { 0xC2, 0xDF, 0x80, 0xBF, 2 },
    { 0xE0, 0xE0, 0xA0, 0xBF, 3 },
    { 0xE1, 0xEC, 0x80, 0xBF, 3 },
    { 0xED, 0xED, 0x80, 0x9F, 3 },
    { 0xEE, 0xEF, 0x80, 0xBF, 3 },
    { 0xF0, 0xF0, 0x90, 0xBF, 4 },
    { 0xF1, 0xF3, 0x80, 0xBF, 4 },
    { 0xF4, 0xF4, 0x80, 0x8F, 4 },
};

static const struct utf8_lead *utf8_lead_of(unsigned char c)
{
    for (size_t i = 0; i < sizeof utf8_leads / sizeof utf8_leads[0]; i++)
        if (c >= utf8_leads[i].lo && c <= utf8_leads[i].hi) return &utf8_leads[i];
    return NULL;
}

bool kj_valid_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] < 0x80) { i++; continue; }
        const struct utf8_lead *lead = utf8_lead_of(p[i]);
        if (!lead || len - i < lead->len) return false;
        if (p[i + 1] < lead->second_lo || p[i + 1] > lead->second_hi) return false;
        for (size_t k = 2; k < lead->len; k++)
            if ((p[i + k] & 0xC0) != 0x80) return false;
        i += lead->len;
    }
    return true;
}

size_t kj_utf8_chars(const char *s, size_t len)
{
    size_t count = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
    return count;
}

/* ---- Dates ------------------------------------------------------------- */

static int digits_value(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool kj_valid_date(const char *d)
{
    static const int days_in_month[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-') return false;
    int y = digits_value(d, 4), m = digits_value(d + 5, 2), day = digits_value(d + 8, 2);
    if (y < 1 || m < 1 || m > 12 || day < 1) return false;
    int limit = days_in_month[m - 1] + (m == 2 && is_leap_year(y));
    return day <= limit;
}

/* ---- Money ------------------------------------------------------------- */

#define WAN_DECIMALS 6

bool kj_parse_money_wan(const char *s, int64_t *fen)
{
    if (!s || !is_digit(*s)) return false;
    int64_t whole = 0;
    for (; is_digit(*s); s++) {
        int d = *s - '0';
        if (whole > (INT64_MAX - d) / 10) return false;
        whole = whole * 10 + d;
    }
    int64_t frac = 0;
    int decimals = 0;
    if (*s == '.') {
        for (s++; is_digit(*s); s++) {
            if (++decimals > WAN_DECIMALS) return false;
            frac = frac * 10 + (*s - '0');
        }
        if (decimals == 0) return false;
    }
    if (*s != '\0') return false;
    for (int i = decimals; i < WAN_DECIMALS; i++) frac *= 10;
    if (whole > (INT64_MAX - frac) / KJ_FEN_PER_WAN) return false;
    *fen = whole * KJ_FEN_PER_WAN + frac;
    return true;
}

bool kj_format_fen_as_wan(int64_t fen, char *buf, size_t n)
{
    char tmp[32];
    char *end = tmp + sizeof tmp, *p = end;
    bool negative = fen < 0;
    /* Work on the magnitude as unsigned so INT64_MIN does not overflow. */
    uint64_t mag = negative ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    uint64_t whole = mag / (uint64_t)KJ_FEN_PER_WAN, frac = mag % (uint64_t)KJ_FEN_PER_WAN;
    if (frac) {
        int width = WAN_DECIMALS;
        while (frac % 10 == 0) { frac /= 10; width--; }
        for (; width > 0; width--) { *--p = (char)('0' + frac % 10); frac /= 10; }
        *--p = '.';
    }
    do { *--p = (char)('0' + whole % 10); whole /= 10; } while (whole);
    if (negative) *--p = '-';
    size_t len = (size_t)(end - p);
    if (!buf || n <= len) {
        if (buf && n) buf[0] = '\0';
        return false;
    }
    memcpy(buf, p, len);
    buf[len] = '\0';
    return true;
}

const char *kj_local_path(const char *next, const char *dflt)
{
    if (!next || next[0] != '/' || next[1] == '/' || strlen(next) > 1000) return dflt;
    for (const unsigned char *p = (const unsigned char *)next; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\') return dflt;
    return next;
}
