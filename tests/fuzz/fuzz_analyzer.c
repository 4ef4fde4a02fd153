/*
 * fuzz_analyzer — src/text/analyzer.c: the Chinese/English analyzer behind
 * search (utf8proc NFKC, OpenCC t2s, friso segmentation, Snowball stems,
 * stop words, synonyms) on any bytes, in both modes.
 *
 * Properties (analyzer.h's contract):
 *   - any byte sequence is accepted: kj_analyze returns 0;
 *   - every token is non-empty valid UTF-8 with 0 <= start <= end <= len;
 *   - the first token is never colocated, QUERY mode has no colocated tokens;
 *   - a callback's non-zero value stops the analysis and is returned;
 *   - every term kj_analyze_terms gives in QUERY mode re-analyzes to itself.
 */
#include "fuzz.h"
#include "text/analyzer.h"
#include <limits.h>
#include <unistd.h>

static kj_analyzer *an;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[4096], err[256];
    const char *root = getenv("KEJIYUN_ROOT");
    /* tests/fuzz/run runs the targets from the repository's root. */
    snprintf(dir, sizeof dir, "%s/data/text", root && *root ? root : ".");
    an = kj_analyzer_open(dir, err, sizeof err);
    if (!an) { fprintf(stderr, "fuzz_analyzer: kj_analyzer_open(%s): %s\n", dir, err); exit(1); }
    return 0;
}

static bool valid_utf8(const unsigned char *s, int n)
{
    int i = 0;
    while (i < n) {
        unsigned c = s[i];
        int k;
        if (c < 0x80) k = 0;
        else if (c >= 0xC2 && c <= 0xDF) k = 1;
        else if ((c & 0xF0) == 0xE0) k = 2;
        else if (c >= 0xF0 && c <= 0xF4) k = 3;
        else return false;
        if (i + k > n - 1) return false;
        for (int j = 1; j <= k; j++) if ((s[i + j] & 0xC0) != 0x80) return false;
        i += k + 1;
    }
    return true;
}

typedef struct {
    int len, mode, count, stop_after;
    char first[256];
    int first_len;
} walk;

static int on_token(void *ctx, int flags, const char *tok, int len, int start, int end)
{
    walk *w = ctx;
    FUZZ_CHECK(len > 0, "tokens are not empty");
    FUZZ_CHECK(valid_utf8((const unsigned char *)tok, len), "tokens are valid UTF-8");
    FUZZ_CHECK(0 <= start && start <= end && end <= w->len, "byte range inside the text");
    FUZZ_CHECK(flags == 0 || flags == KJ_TOKEN_COLOCATED, "known flags");
    FUZZ_CHECK(!(flags & KJ_TOKEN_COLOCATED) || w->count > 0, "the first token has a position");
    FUZZ_CHECK(!(flags & KJ_TOKEN_COLOCATED) || w->mode == KJ_ANALYZE_INDEX, "QUERY mode: no colocated tokens");
    if (w->count == 0 && len < (int)sizeof w->first) { memcpy(w->first, tok, (size_t)len); w->first_len = len; }
    w->count++;
    if (w->stop_after && w->count == w->stop_after) return 7;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    const char *text = (const char *)data;
    int len = (int)size;
    walk idx = { .len = len, .mode = KJ_ANALYZE_INDEX };
    FUZZ_CHECK(kj_analyze(an, KJ_ANALYZE_INDEX, text, len, on_token, &idx) == 0, "INDEX analysis succeeds");
    walk q = { .len = len, .mode = KJ_ANALYZE_QUERY };
    FUZZ_CHECK(kj_analyze(an, KJ_ANALYZE_QUERY, text, len, on_token, &q) == 0, "QUERY analysis succeeds");
    if (idx.count > 1) {
        walk st = { .len = len, .mode = KJ_ANALYZE_INDEX, .stop_after = 1 + (int)(data[0] % (unsigned)idx.count) };
        FUZZ_CHECK(kj_analyze(an, KJ_ANALYZE_INDEX, text, len, on_token, &st) == 7, "a callback's value stops the analysis");
        FUZZ_CHECK(st.count == st.stop_after, "no token after the stop");
    }
    int n = 0;
    char **terms = kj_analyze_terms(an, KJ_ANALYZE_QUERY, text, len, &n);
    FUZZ_CHECK((terms == NULL) == (n == 0), "terms: NULL exactly when none");
    FUZZ_CHECK(n <= q.count, "distinct terms are at most the tokens");
    for (int i = 0; i < n; i++) {
        int tl = (int)strlen(terms[i]);
        walk again = { .len = tl, .mode = KJ_ANALYZE_QUERY };
        FUZZ_CHECK(kj_analyze(an, KJ_ANALYZE_QUERY, terms[i], tl, on_token, &again) == 0, "a term analyzes");
        if (again.count != 1 || again.first_len != tl || memcmp(again.first, terms[i], (size_t)tl)) {
            fprintf(stderr, "term \"%s\" re-analyzes to %d token(s), first \"%.*s\"\n", terms[i], again.count,
                    again.first_len, again.first);
            FUZZ_CHECK(0, "each QUERY term re-analyzes to itself");
        }
    }
    kj_terms_free(terms, n);
    return 0;
}
