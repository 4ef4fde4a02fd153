/*
 * indicators.h — technical indicators (技术指标) as people type them: one
 * format for demands and 揭榜 entries (issue 15, item 5).
 *
 * One indicator per line: name | target | unit [| verification]. A Chinese
 * input method types full-width punctuation, so every separator has its
 * full-width twin:
 *   between indicators  a line break, ";" or "；"
 *   between fields      "|" or "｜"; on a line without bars, ":" or "：";
 *                       on a line without bars or colons, "," "，" or "、"
 * The first kind present on a line wins, so "比例 | 1:1000 | —" keeps its
 * colon. Fields are trimmed (ASCII and ideographic spaces); blank lines
 * are skipped. Pure functions: no state, thread-safe.
 */
#ifndef KJ_TEXT_INDICATORS_H
#define KJ_TEXT_INDICATORS_H
#include <jansson.h>

/** Parses text into [{name, target, unit[, verification]}] (with
 *  verification when fields == 4; fields is 3 or 4: extra separators stay
 *  in the last field). A line with more than fields parts is kept whole in
 *  the last field, never dropped. New reference; NULL text = []. */
json_t *kj_indicators_parse(const char *text, int fields);

/** The form text for an indicator array, one per line, fields joined by
 *  " | " (4 when fields == 4). malloc'd string the caller frees. */
char *kj_indicators_text(json_t *indicators, int fields);
#endif
