/*
 * i18n.h — message catalogs.
 *
 * Every user-visible string is a key looked up here: templates use
 * {{t key}}, handlers and domain errors pass keys. Catalogs are files
 * i18n/<lang>.tsv and i18n/<lang>.<part>.tsv ("key<TAB>message" per line,
 * '#' comments). zh-CN is the first language and the fallback, key by key.
 *
 * Languages are data (issue 17 §1): a language is installed by its
 * metadata file i18n/<tag>.meta (INI: name = its name in itself, dir =
 * ltr|rtl, font = a CSS font-family list, partial = true when it may lack
 * keys) next to its catalogs — no code change. An instance adds its own
 * from DATA/i18n/ (same files). Which installed languages are offered is
 * the instance's setting (`languages`, instance/instance.h).
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

/** Loads zh-CN and every language with a .meta file in dir, then those of
 *  extra_dir (NULL or missing: none; a tag installed twice is an error).
 *  0, or -1 with a reason in err. */
int kj_i18n_load_dirs(const char *dir, const char *extra_dir, char *err, size_t errlen);
/** kj_i18n_load_dirs(dir, NULL, ...). */
int kj_i18n_load(const char *dir, char *err, size_t errlen);
/** Frees the catalogs (at exit). */
void kj_i18n_free(void);
/** The message for key in lang; falls back to zh-CN, then to the key. */
const char *kj_i18n_get(const char *lang, const char *key);
/** True when lang's own catalog has key. */
bool kj_i18n_has(const char *lang, const char *key);
/** A loaded language's tag for a requested one ("en-US" → "en", "bo-CN"
 *  → "bo"; case ignored), or NULL. */
const char *kj_i18n_supported(const char *requested);
/** The same, among the tags of the comma-separated list only. */
const char *kj_i18n_offered(const char *requested, const char *list);
/** A request's language among list (comma-separated offered tags): the
 *  cookie's, else the best of Accept-Language, else dflt, else zh-CN. */
const char *kj_i18n_pick(const char *cookie, const char *accept_language, const char *list, const char *dflt);
/** A loaded language's metadata: its name in itself, "ltr"/"rtl", its
 *  font stack ("" = the stylesheet's), whether it may lack keys.
 *  "", "ltr", "", false for an unknown tag. */
const char *kj_i18n_name(const char *lang);
const char *kj_i18n_dir(const char *lang);
const char *kj_i18n_font(const char *lang);
bool kj_i18n_partial(const char *lang);
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
