/*
 * fast_terms.h — bitmaps of the documents holding each frequent term, so
 * that a search whose words are all common intersects a few bitmaps
 * instead of stepping through FTS5 doclists of 200,000+ entries each.
 *
 * For each term held by many documents: one bit per index rowid up to
 * built_max (1M bits = 122 KB), a prefix count of set bits per 64-bit word
 * (to find a document's place among the term's documents), and per document
 * the term's weighted hits (the sum of the column weights of its
 * occurrences, as kj_bm25 counts them), in rowid order. Dead rowids (the
 * documents that left the index since the build, from the removal log)
 * are a bitmap of their own. Documents added after the build have rowids
 * above built_max: searches read those from FTS5.
 *
 * Filter values get bitmaps too (no hits): the documents of a kind, a
 * first-level domain, a province, a TRL of at least t — so that a filtered
 * search only visits the documents its filter may keep.
 *
 * Lifetime: built whole by one thread (kj_fast_new, kj_fast_add_term), then
 * installed in its store's slot (kj_fast_install; the slot belongs to the
 * store's search context, search/context.h) and read by many; readers hold a reference
 * (kj_fast_acquire / kj_fast_release), so a rebuilt index can replace it
 * while searches still read the old one. Only kj_fast_mark_dead changes an
 * installed index (atomic OR, one word).
 */
#ifndef KJ_FAST_TERMS_H
#define KJ_FAST_TERMS_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kj_fast_index kj_fast_index;
typedef struct kj_fast_term kj_fast_term;

/** A new, empty index for rowids 1..built_max. NULL when out of memory. */
kj_fast_index *kj_fast_new(int64_t built_max);
/** Adds term with its n documents (rowids ascending, all ≤ built_max) and
 *  their weighted hits (NULL: a set of documents only, such as those of a
 *  filter value). 0, or -1 when out of memory. */
int kj_fast_add_term(kj_fast_index *ix, const char *term, const int64_t *rowids, const uint16_t *hits, size_t n);
/** Frees an index no one else holds (one never installed). */
void kj_fast_free(kj_fast_index *ix);

/* Where one store's installed index is kept: the index and its
 * references are only touched under lock. */
typedef struct {
    pthread_mutex_t lock;
    kj_fast_index *installed;
} kj_fast_slot;
void kj_fast_slot_init(kj_fast_slot *slot);
/** Drops the installed index (no reader may hold it any more). */
void kj_fast_slot_destroy(kj_fast_slot *slot);
/** Makes ix the index searches of the slot's store use (NULL: none),
 *  dropping the previous one when its last reader releases it. */
void kj_fast_install(kj_fast_slot *slot, kj_fast_index *ix);
/** The installed index, held until kj_fast_release; NULL when there is none. */
kj_fast_index *kj_fast_acquire(kj_fast_slot *slot);
void kj_fast_release(kj_fast_slot *slot, kj_fast_index *ix);

int64_t kj_fast_built_max(const kj_fast_index *ix);
/** The number of terms with hits (filter values' bitmaps not counted). */
size_t kj_fast_term_count(const kj_fast_index *ix);
/** Bytes the index holds (for /metrics and the notes). */
size_t kj_fast_bytes(const kj_fast_index *ix);
/** The term, or NULL when it is not one of the index's. */
const kj_fast_term *kj_fast_term_find(const kj_fast_index *ix, const char *term);

/** The day (YYYYMMDD) the index was built on, as its builder set it (0:
 *  none): some of its bitmaps hold for that day only (search.c). */
uint32_t kj_fast_day(const kj_fast_index *ix);
void kj_fast_set_day(kj_fast_index *ix, uint32_t day);
/** The removal log position the index has read up to (see search.c). */
int64_t kj_fast_removed_seq(const kj_fast_index *ix);
void kj_fast_set_removed_seq(kj_fast_index *ix, int64_t seq);
/** Marks a document gone since the build. */
void kj_fast_mark_dead(kj_fast_index *ix, int64_t rowid);
int64_t kj_fast_dead_count(const kj_fast_index *ix);

/** Gives ix, for each rowid 1..built_max, one word of the document's
 *  values that a walk's caller counts (search.c packs a document's facet
 *  codes): codes[0..built_max], malloc'd; ix owns it from here. */
void kj_fast_set_codes(kj_fast_index *ix, uint64_t *codes);
/** The words kj_fast_set_codes gave (NULL: none). */
const uint64_t *kj_fast_codes(const kj_fast_index *ix);

/* How a walk decides each rowid (kj_fast_walk): NULL pass, every rowid
 * goes to fn to be checked; else the rowids of pass surely pass the
 * caller's filter (fn gets them with checked false, to count and rank
 * without reading anything but their codes), those of check go to fn to
 * be checked, and the others are left out. */
typedef struct {
    const kj_fast_term *pass, *check;
} kj_fast_split;

/** Calls fn for each live rowid held by all n terms (1 ≤ n ≤ 64), in
 *  ascending order, with the weighted hits of the first nhits terms (which
 *  must have them) in hits[0..nhits). With any true, a rowid needs only one
 *  of the first nhits terms (an any-word query; the others, the filter
 *  values', are still all required), and a term it lacks has 0 hits.
 *  split (optional) says which rowids fn must check (fn's checked true)
 *  and which surely pass (checked false; see kj_fast_split). prefetch
 *  (optional) is called for the rowids of each 64-rowid word before fn is
 *  called for them: fn's reads of other memory per rowid (the documents'
 *  attributes or codes) then overlap instead of waiting one by one. Stops
 *  when fn returns non-zero. */
void kj_fast_walk(const kj_fast_index *ix, const kj_fast_term *const *terms, int n, int nhits, bool any,
                  const kj_fast_split *split, void (*prefetch)(void *ctx, int64_t rowid, bool checked),
                  int (*fn)(void *ctx, int64_t rowid, const uint16_t *hits, bool checked), void *ctx);
/** A term of ix's shape that is not in ix: rowids (ascending; those past
 *  built_max are left out) with their weighted hits, for one search (an
 *  any-word query's rare word, which has no bitmap). NULL when out of
 *  memory. Freed with kj_fast_term_free. */
kj_fast_term *kj_fast_term_new(const kj_fast_index *ix, const int64_t *rowids, const uint16_t *hits, size_t n);
void kj_fast_term_free(kj_fast_term *t);
#endif
