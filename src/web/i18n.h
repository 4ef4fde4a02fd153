/*
 * i18n.h — message catalogs.
 *
 * Every user-visible string is a key looked up here: templates use
 * {{t key}}, handlers and domain errors pass keys. Catalogs are files
 * i18n/<lang>.tsv ("key<TAB>message" per line, '#' comments). zh-CN is the
 * first language and the fallback; en is the second.
 *
 * Threading rule: kj_i18n_load() runs once at start-up before any worker
 * thread exists; afterwards the catalogs are read-only and every function
 * here is safe from any thread.
 */
#ifndef KJ_I18N_H
#define KJ_I18N_H
#include <stdbool.h>
#include <stddef.h>

#define KJ_LANG_DEFAULT "zh-CN"

/** Loads every catalog in dir. 0, or -1 with a reason in err. */
int kj_i18n_load(const char *dir, char *err, size_t errlen);
/** Frees the catalogs (at exit). */
void kj_i18n_free(void);
/** The message for key in lang; falls back to zh-CN, then to the key. */
const char *kj_i18n_get(const char *lang, const char *key);
/** True when lang's own catalog has key. */
bool kj_i18n_has(const char *lang, const char *key);
/** A supported language code for a requested one ("en-US" → "en"), or NULL. */
const char *kj_i18n_supported(const char *requested);
/** Picks from an Accept-Language header; KJ_LANG_DEFAULT when nothing fits. */
const char *kj_i18n_from_accept(const char *accept_language);
/** Number of languages loaded and their codes. */
int kj_i18n_count(void);
const char *kj_i18n_lang(int i);
/** Calls cb for every key of lang's catalog. */
void kj_i18n_each_key(const char *lang, void (*cb)(void *ctx, const char *key), void *ctx);
/** Translator callback for the template engine (ctx is the lang string). */
const char *kj_i18n_translate(void *lang, const char *key);
#endif
