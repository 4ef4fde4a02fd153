/*
 * markdown.h — user-written Markdown (service descriptions, requirement
 * texts, messages) turned into HTML that is safe to embed in a kejiyun page,
 * and into plain text for summaries, snippets and the search index.
 *
 * Parsing is md4c's (md_parse, GitHub dialect: tables, strikethrough, task
 * lists, permissive autolinks); the HTML is written by markdown.c itself so
 * that every byte of output is under our control:
 *   - raw HTML is never passed through: "<script>" arrives as text and is
 *     escaped like any other text;
 *   - links and images keep their URL only when it is http:, https:,
 *     mailto: or relative (no scheme, or starting with '/', '#', '?');
 *     the check runs on the URL as a browser would see it (entities
 *     decoded, leading spaces/control characters and embedded tab/CR/LF
 *     dropped, scheme case-folded). A link with any other URL is rendered
 *     as its plain text, an image as its alt text;
 *   - links get rel="nofollow noopener", images loading="lazy";
 *   - headings are shifted down one level (# → <h2>, ###### stays <h6>)
 *     because the page around the text owns the <h1>;
 *   - table cell alignment uses the align attribute, not style="", so a
 *     Content-Security-Policy without 'unsafe-inline' styles still holds.
 * Both functions are pure (no global state) and safe to call from any
 * thread at once.
 */
#ifndef KJ_MARKDOWN_H
#define KJ_MARKDOWN_H
#include <stddef.h>

/**
 * Renders len bytes of Markdown (UTF-8; need not be NUL-terminated) as an
 * HTML fragment following the safety rules above. Returns a malloc'd,
 * NUL-terminated string that the caller frees; *out_len (when out_len is
 * not NULL) receives its length. Empty input gives "". Returns NULL when
 * memory runs out or when len does not fit md4c's 32-bit sizes (≥ 4 GiB).
 * md == NULL is allowed only with len == 0.
 */
char *kj_markdown_to_html(const char *md, size_t len, size_t *out_len);

/**
 * Plain text of len bytes of Markdown: the words a reader sees, without
 * markup. Each block (paragraph, heading, list item, table row, code
 * block line) ends up on its own line(s); line breaks inside a paragraph
 * stay '\n'; table cells are separated by a space; images give their alt
 * text, links their text (not the URL); entities are decoded. No leading
 * or trailing newline. Returns a malloc'd NUL-terminated string the caller
 * frees, or NULL when memory runs out (or len ≥ 4 GiB).
 */
char *kj_markdown_to_text(const char *md, size_t len);

#endif
