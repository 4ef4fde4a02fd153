/*
 * xlsx.h — tables to an XLSX workbook (libxlsxwriter), for the event
 * report's export: the caller labels the cells (in the reader's language),
 * this writes them. Numbers stay numbers. Thread-safe (a temporary file
 * per call, under TMPDIR or /tmp, removed before returning).
 */
#ifndef KJ_EVENT_XLSX_H
#define KJ_EVENT_XLSX_H
#include <jansson.h>
#include "core/buf.h"

/** sheets: [{name (≤ 31 characters), rows: [[cell, ...], ...]}], a cell a
 *  string or a number; the first row of each sheet is bold (headings).
 *  Appends the workbook's bytes to out. 0 or -1. */
int kj_xlsx_tables(json_t *sheets, kj_buf *out);
#endif
