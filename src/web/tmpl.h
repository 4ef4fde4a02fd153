/*
 * tmpl.h — kejiyun's HTML template engine (owns: template syntax, the
 * compile-time HTML context analysis and the context-aware escaping).
 *
 * Syntax, mustache-like:
 *   {{a.b.c}} {{.}} {{@index}}  value, escaped for the HTML context it sits in
 *   {{{body_html}}}             raw output; only names ending in "_html", only
 *                               in text context
 *   {{#x}}..{{/x}} {{^x}}..{{/x}}  section / inverted section
 *   {{>dir/name}}               partial (text context only)
 *   {{t key}} {{t key arg.path}}   translated message, "{0}" replaced by arg
 *   {{! comment }}
 *
 * Every tag's HTML context is fixed when the template is compiled, by running
 * the literal text through a small HTML lexer. Text and quoted attribute
 * values get entity escaping; URL attributes (href, src, action, ...) get a
 * scheme check (http, https, mailto or relative, else "#unsafe") when the tag
 * starts the value and percent-encoding when it sits later in the value.
 * Tags in <script>/<style>, comments, unquoted attribute values, tag or
 * attribute names, event-handler/style/srcset/srcdoc attributes are compile
 * errors, as are malformed tags, unclosed or mismatched sections, sections
 * that end in a different HTML context than they began, and templates that
 * end inside a tag, comment or script.
 *
 * Lookups: the first path segment is searched from the innermost context
 * outwards (mustache rules); later segments walk objects (or arrays, by
 * decimal index) of that value only. Strings print as is, integers in
 * decimal, reals with %g, booleans as "true"/"false", null, missing,
 * objects and arrays as nothing.
 */
#ifndef KJ_WEB_TMPL_H
#define KJ_WEB_TMPL_H

#include <stddef.h>
#include <jansson.h>

typedef struct kj_tmpl_set kj_tmpl_set;

/* Returns the message for key in the caller's language; never NULL (fall
 * back to key). The returned string must stay valid until the render that
 * asked for it returns. Called from rendering threads: must be thread-safe. */
typedef const char *(*kj_translate_fn)(void *ctx, const char *key);

/* Receives rendered output in pieces; return non-zero to stop rendering
 * (kj_tmpl_render then returns -1). */
typedef int (*kj_sink_fn)(void *ctx, const char *p, size_t n);

/* Loads and compiles every *.html file under dir, recursively; a file
 * "a/b.html" is named "a/b". Names beginning with '.' are skipped. Files are
 * compiled in name order and partial references are checked to exist.
 * On the first error returns NULL and writes "file:line: reason" to err
 * (if err is not NULL and errlen > 0). The caller owns the returned set
 * (free with kj_tmpl_free). Once returned the set is immutable: any number
 * of threads may render from it concurrently. */
kj_tmpl_set *kj_tmpl_load_dir(const char *dir, char *err, size_t errlen);

/* Like kj_tmpl_load_dir, then every *.html under override_dir (NULL or
 * missing: none) replaces the install's template of the same name before
 * anything is compiled: an instance overrides one file at a time and every
 * load-time check applies to the result (an override that names no
 * template of dir is an error too). */
kj_tmpl_set *kj_tmpl_load_dirs(const char *dir, const char *override_dir, char *err, size_t errlen);

/* Frees the set and everything compiled into it. NULL is fine. Must not
 * race with renders of the same set. */
void kj_tmpl_free(kj_tmpl_set *set);

/* 1 if a template called name exists in the set, else 0. Thread-safe. */
int kj_tmpl_has(const kj_tmpl_set *set, const char *name);

/* Renders template name with data (may be NULL: every lookup is missing) as
 * the root context, writing output to sink. tr may be NULL: messages are
 * then their keys. data is only read (no reference taken), but must not be
 * mutated by anyone during the render. Returns 0 on success, -1 when the
 * template is unknown, the sink asked to stop, or partials nest deeper than
 * 16 / contexts deeper than 256. Output already given to the sink stays
 * given. Thread-safe; no heap allocation besides what the sink does. */
int kj_tmpl_render(const kj_tmpl_set *set, const char *name, json_t *data,
                   kj_translate_fn tr, void *tr_ctx,
                   kj_sink_fn sink, void *sink_ctx);

/* Like kj_tmpl_render, into a NUL-terminated malloc'd string the caller
 * frees; its length goes to *len when len is not NULL. NULL on failure
 * (same causes as kj_tmpl_render, or out of memory). Thread-safe. */
char *kj_tmpl_render_str(const kj_tmpl_set *set, const char *name,
                         json_t *data, kj_translate_fn tr, void *tr_ctx,
                         size_t *len);

/* Calls cb once per {{t ...}} tag in the set (so a key used twice is
 * reported twice), templates in name order, tags in source order. key and
 * tmpl_name belong to the set. Returns the number of calls. Thread-safe. */
int kj_tmpl_each_message_key(const kj_tmpl_set *set,
                             void (*cb)(void *ctx, const char *key,
                                        const char *tmpl_name),
                             void *ctx);

#endif
