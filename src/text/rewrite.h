/*
 * rewrite.h — what a query means, before it is analyzed into terms: how
 * people type into a search box is not how listings are written.
 *
 * Three rewrites, each driven by a data file in the analyzer's data_dir (so
 * an instance extends them without a rebuild; a missing file means none):
 *
 *   1. Filler (query-filler-zh.txt): conversational words around the
 *      content of a spoken question — 请问、有没有、能不能、我们需要、的技术、
 *      哪里有 — are cut out, so that "请问有没有能把秸秆变成饲料的技术？"
 *      searches 秸秆 饲料 and not every listing that says 技术. A line is a
 *      phrase removed anywhere; "^求" only at the start of a clause, "吗$"
 *      only at its end (clauses end at punctuation and spaces). A text that
 *      would keep nothing keeps everything: filler alone is the content.
 *   2. Terms (terms-en-zh.tsv): common English technical terms typed in a
 *      Chinese query ("机器视觉 defect detection") are replaced by their
 *      Chinese term ("机器视觉 缺陷检测"), so they meet the Chinese
 *      listings. Matched on whole English words, case-insensitively, a
 *      plural -s/-es accepted; the longest term wins. (Synonyms that should
 *      hold in documents as well belong in synonyms.tsv, which the index
 *      uses too; this list is for queries only and needs no reindex.)
 *      And back: the same list gives each Chinese term its English forms
 *      (kj_rewrite_alternates), which the query builder searches beside
 *      it (search.h kj_search_expr_alt), so that listings written in
 *      English are found by a Chinese query (缺陷检测 also searches
 *      "defect detection" and "defect inspection"). This is not a
 *      rewrite of the text: the Chinese term stays what is searched first.
 *      An instance adds lines of its own in its data directory
 *      (kj_rewriter_add_terms), read after the shipped list.
 *   3. Typos (pinyin-zh.tsv, from scripts/gen_pinyin.py): a character whose
 *      two-character neighbourhood is (nearly) absent from the index while
 *      a homophone's is frequent is replaced by that homophone: 石墨稀 →
 *      石墨烯, because "墨稀" is in no listing and "墨烯" in many. The index
 *      is asked through a callback (how many documents hold a bigram: the
 *      analyzer indexes every pair of adjacent Chinese characters).
 *
 * All three work on the analyzer's normalized text (kj_analyze_normalize:
 * full-width folded, lower case, traditional → simplified), so 請問 is
 * filler too and a traditional query is never "corrected" into simplified.
 *
 * Thread safety: a kj_rewriter is immutable after kj_rewriter_open; any
 * number of threads may use it at once.
 */
#ifndef KJ_REWRITE_H
#define KJ_REWRITE_H
#include "text/analyzer.h"
#include <stdbool.h>
#include <stdint.h>

typedef struct kj_rewriter kj_rewriter;

/** Loads data_dir's query-filler-zh.txt, terms-en-zh.tsv and
 *  pinyin-zh.tsv (each optional). a (kept, not owned) normalizes texts.
 *  NULL with a message in err on a malformed file or out of memory. */
kj_rewriter *kj_rewriter_open(kj_analyzer *a, const char *data_dir, char *err, size_t errlen);
void kj_rewriter_close(kj_rewriter *r);
/** Adds dir's terms-en-zh.tsv (an instance's own terms; a missing file
 *  adds none) to the shipped list, both directions. Before the rewriter is
 *  shared (it is immutable afterwards). 0, or -1 with a message in err. */
int kj_rewriter_add_terms(kj_rewriter *r, const char *dir, char *err, size_t errlen);

/** How many documents hold term (one analyzed term: here a bigram of two
 *  Chinese characters); < 0 when unknown. */
typedef int64_t (*kj_df_fn)(void *ctx, const char *term);

typedef struct {
    char *text;          /* what to analyze: normalized, filler cut, terms mapped, typos corrected */
    char *corrected;     /* the same text as the user would read it when a typo was corrected, else NULL */
    bool filler;         /* filler was cut */
    bool mapped;         /* an English term was mapped */
} kj_rewritten;

/** Rewrites a user's query (len bytes). Typos are corrected only when df
 *  is given; docs is the index's document count (decides what is rare).
 *  0, or -1 when out of memory (out is then empty). Free with
 *  kj_rewritten_free. Thread-safe. */
int kj_rewrite_query(const kj_rewriter *r, const char *text, size_t len, kj_df_fn df, void *ctx, int64_t docs,
                     kj_rewritten *out);
void kj_rewritten_free(kj_rewritten *w);

/** A Chinese term of the list found in a text: bytes [start, end) of the
 *  text, and its English forms (each a normalized phrase: words separated
 *  by one space; owned by the rewriter). */
typedef struct { int start, end; const char *const *en; int nen; } kj_alternate;
/** The list's Chinese terms in normalized text: every one, left to right
 *  by where it starts, the longer first where several start at one place;
 *  overlapping and nested ones included (表面缺陷检测: 表面缺陷, then
 *  缺陷检测), so that a query searches the English forms of each. At most
 *  max, into out. Returns their number. Thread-safe. */
int kj_rewrite_alternates(const kj_rewriter *r, const char *text, kj_alternate *out, int max);

/* The steps one by one, on normalized text (for tests). Each returns a
 * malloc'd text (NULL when out of memory) and says whether it changed. */
char *kj_rewrite_filler(const kj_rewriter *r, const char *text, bool *changed);
char *kj_rewrite_terms(const kj_rewriter *r, const char *text, bool *changed);
/** NULL when nothing was corrected (or out of memory). */
char *kj_rewrite_typos(const kj_rewriter *r, const char *text, kj_df_fn df, void *ctx, int64_t docs);
#endif
