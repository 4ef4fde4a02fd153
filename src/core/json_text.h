/*
 * json_text.h — JSON values to compact text, fast.
 *
 * json_dumps(v, JSON_COMPACT) walks a string one code point at a time;
 * binding a listing's revision (a kilobyte or two of Chinese text) that
 * way was an eighth of a bulk import. This writer copies runs of bytes
 * that need no escape in one go. Its output is valid JSON that jansson
 * reads back to an equal value; for the values kejiyun stores (objects,
 * arrays, strings, integers, booleans, null) it is byte-identical to
 * jansson's compact output. Reals are written by jansson itself.
 */
#ifndef KJ_JSON_TEXT_H
#define KJ_JSON_TEXT_H
#include <jansson.h>
#include "core/buf.h"

/** Appends the compact JSON text of v to out. Returns 0, or -1 when memory
 *  runs out or v nests deeper than jansson itself would write. */
int kj_json_text(kj_buf *out, const json_t *v);

#endif
