/*
 * analyzer.h — the one text analyzer behind search: the same code turns a
 * document into index terms and a user's query into query terms, so the two
 * always agree.
 *
 * Pipeline, per call:
 *   1. Unicode NFKC + case folding (utf8proc), one cluster (base character
 *      plus combining marks) at a time, remembering for every normalized
 *      code point the byte range of the ORIGINAL text it came from — this is
 *      what makes FTS5 highlight()/snippet() mark the right substring.
 *      Full-width "ＵＡＶ５Ｇ" becomes "uav5g". Invalid UTF-8 bytes become
 *      separators; nothing is rejected.
 *   2. Traditional → simplified Chinese (OpenCC "t2s.json"): 無人機 → 无人机.
 *   3. Splitting into words: each run of CJK characters is segmented by
 *      friso (mmseg, complex mode); characters friso leaves out become
 *      single-character words. Runs of letters/digits are one word each
 *      ("yolov5", "5g", "3.14", "farmer's"); English words are stemmed by
 *      Snowball ("batteries" → "batteri").
 *   4. Stop words (data_dir/stopwords-zh.txt, stopwords-en.txt) are dropped
 *      as whole words only; the CJK bigrams covering their characters stay.
 *   5. Synonyms (data_dir/synonyms.tsv: one group of equivalent terms per
 *      line, tab separated, first term canonical) — see "Synonyms" below.
 *
 * Token layout. Every token has a position; FTS5_TOKEN_COLOCATED tokens
 * (KJ_TOKEN_COLOCATED here) share the position of the token before them.
 * Positions are per WORD, identical in both modes, so a quoted phrase
 * matches a document whenever both were segmented alike:
 *   - a dictionary word of 2+ CJK characters: one position holding the word;
 *   - consecutive single-character CJK words (what friso produces for words
 *     missing from its dictionary) of length m >= 2: m-1 positions holding
 *     the overlapping bigrams (the "bigram fallback"); a lone one: the char;
 *   - a Latin/number word: one position holding the (stemmed) word;
 *   - stop words: no position.
 * INDEX mode adds colocated extras: every CJK bigram starting inside the
 * word (the one that crosses into the next word marked, KJ_CROSSING_MARK —
 * a query's word never matches across a seam), the single
 * characters of a bigram-fallback run, the letter/digit parts of a mixed
 * word ("yolov5" → "yolov", "5"; parts of one letter are skipped), and the
 * canonical synonym token. QUERY mode emits only the position tokens, so
 * query terms are meaningful words ("无人机", "目标", "检测"), not noise
 * bigrams like "机目".
 *
 * Synonyms. Each synonym term is analyzed by this same pipeline at open
 * time into a key: its words concatenated (a space only between two Latin
 * words). A span of consecutive words in the text matches a term when its
 * concatenation equals the key — so a match always starts and ends on word
 * boundaries ("无人机场" segmented 无人|机场 does not contain the synonym
 * 无人机), but does not depend on how friso split the inside (物联网 is
 * 物|联网). The canonical token of a group is the key of its first term.
 *   INDEX: at the first word of every longest matching span, the canonical
 *          token is added colocated (unless it equals the word itself).
 *   QUERY: matching spans are taken greedily, longest first, left to right,
 *          and each is replaced by the single canonical token.
 * So "UAV", "drone", "無人機" and "无人机" all query as 无人机, and a
 * document saying any of them is indexed with 无人机. A multi-word span
 * replaced by one query position can make a longer quoted phrase around it
 * miss; queries built as AND/OR of single terms (kj_analyze_terms) do not
 * have that problem and are the intended use.
 *
 * Thread safety: a kj_analyzer is immutable after kj_analyzer_open; any
 * number of threads may call kj_analyze / kj_analyze_terms on it at once.
 * Each call borrows a private workspace (friso task, Snowball stemmer,
 * buffers) from a mutex-guarded pool, so steady-state calls do not allocate
 * per token. The friso dictionary is only read during segmentation (the
 * library has no mutable globals), and OpenCC's converter is const during
 * conversion (its authors test it shared between threads).
 *
 * Cost: about 3–4 MB/s (~1M tokens/s) of Chinese text per core, most of it
 * in friso; OpenCC only runs on text that has traditional characters.
 * Stemmed terms are stems, not words: "batteries" gives "batteri".
 */
#ifndef KJ_ANALYZER_H
#define KJ_ANALYZER_H
#include <stddef.h>

typedef struct kj_analyzer kj_analyzer;

/**
 * Loads friso's dictionary, OpenCC's t2s converter, and data_dir's
 * stopwords-zh.txt, stopwords-en.txt and synonyms.tsv (e.g.
 * "<root>/data/text"). friso's dictionary is read from
 * /usr/share/friso/dict/UTF-8/ (Debian's friso-dict), or from the
 * directory named by the environment variable KEJIYUN_FRISO_DICT (must end
 * in '/'). Takes 0.1–0.2 s and ~25 MB (mostly the dictionary). Open one
 * per process and share it. Returns NULL with a
 * message in err (may be NULL) on any failure, including a synonym term
 * listed in two groups. The caller owns the result: kj_analyzer_close.
 */
kj_analyzer *kj_analyzer_open(const char *data_dir, char *err, size_t errlen);

/** Frees everything. No call may be running on it; NULL is a no-op. */
void kj_analyzer_close(kj_analyzer *a);

enum { KJ_ANALYZE_INDEX = 0, KJ_ANALYZE_QUERY = 1 };
/* Appended to a bigram that crosses from the last character of a word into
 * the next one (INDEX mode): 品质检测 (品质|检测) is indexed with "质检\x01",
 * not "质检", so the word 质检 in a query does not match across the seam. No
 * query term ever carries it: such bigrams still count for document
 * statistics (a typo check adds both forms), never for matching. */
#define KJ_CROSSING_MARK "\x01"
enum { KJ_TOKEN_COLOCATED = 1 };

/**
 * Receives one token: tok[0..len) (not NUL-terminated, valid only during
 * the call), flags KJ_TOKEN_COLOCATED or 0, and the byte range
 * [start, end) of the ORIGINAL text it came from. Returning non-zero stops
 * the analysis and becomes kj_analyze's return value.
 */
typedef int (*kj_token_cb)(void *ctx, int flags, const char *tok, int len,
                           int start, int end);

/**
 * Analyzes len bytes of text (len < 0: up to the NUL) in mode
 * KJ_ANALYZE_INDEX or KJ_ANALYZE_QUERY (see the token layout above), calling
 * cb for each token in order. Returns 0 when done, the callback's non-zero
 * value if it stopped early, or -1 on bad arguments or out of memory. Any
 * byte sequence is accepted: invalid UTF-8 bytes act as separators. The
 * callback may itself call kj_analyze. Thread-safe.
 */
int kj_analyze(kj_analyzer *a, int mode, const char *text, int len,
               kj_token_cb cb, void *ctx);

/**
 * The distinct tokens kj_analyze would emit, in order of first appearance,
 * as a malloc'd array of *n malloc'd NUL-terminated strings; free both with
 * kj_terms_free. In QUERY mode these are the words to quote and join with
 * AND/OR into an FTS5 MATCH expression (each re-analyzes to itself), and a
 * readable summary of a text ("shared key terms"). Returns NULL (with
 * *n = 0) for no terms or on error. Thread-safe.
 */
char **kj_analyze_terms(kj_analyzer *a, int mode, const char *text, int len,
                        int *n);

/** Frees what kj_analyze_terms returned; NULL is a no-op. */
void kj_terms_free(char **terms, int n);

/**
 * The text as the analyzer sees it before splitting it into words: stages
 * 1 and 2 (NFKC, case folding, traditional → simplified; invalid bytes
 * become U+FFFD). Analyzing the result gives the same tokens as analyzing
 * the text. malloc'd, NULL on bad arguments or out of memory. Thread-safe.
 */
char *kj_analyze_normalize(kj_analyzer *a, const char *text, int len);

/*
 * Analysis ahead of use. A kj_tokens records the INDEX-mode token streams
 * of some texts (with a copy of each text), e.g. on a worker thread while
 * another thread writes to the database. Installed on a thread with
 * kj_analyze_replay, it makes kj_analyze(INDEX) on that thread replay the
 * recorded stream of any text byte-identical to a recorded one instead of
 * analyzing it again; every other call analyzes as usual. Tokens are a
 * pure function of (text, mode), so the result is the same either way.
 * A kj_tokens has one user at a time: fill it, then hand it over.
 */
typedef struct kj_tokens kj_tokens;

/** An empty recording, or NULL when out of memory. Free: kj_tokens_free. */
kj_tokens *kj_tokens_new(void);

/** Frees t; NULL is a no-op. Must not be installed on any thread. */
void kj_tokens_free(kj_tokens *t);

/** Forgets every recorded text (keeps the memory for reuse). */
void kj_tokens_clear(kj_tokens *t);

/**
 * Analyzes text[0..len) in INDEX mode and records its tokens. Returns 0,
 * or -1 on bad arguments or out of memory (the text is then not recorded
 * and will simply be analyzed when used). Thread-safe for distinct t.
 */
int kj_tokens_add(kj_tokens *t, kj_analyzer *a, const char *text, int len);

/**
 * Makes kj_analyze on the calling thread replay t's recorded streams (see
 * above); NULL stops it. t must stay alive and unchanged while installed.
 */
void kj_analyze_replay(const kj_tokens *t);

#endif
