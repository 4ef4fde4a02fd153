/*
 * ticket.h — the QR code of an event ticket as SVG (libqrencode, Debian's
 * libqrencode-dev). The code carries only the ticket's secret; staff
 * scan it (or type it) at the check-in page. Pure; thread-safe.
 */
#ifndef KJ_EVENT_TICKET_H
#define KJ_EVENT_TICKET_H
#include "core/buf.h"

/** Appends an SVG image of code as a QR code (error correction M, a
 *  4-module quiet zone), scaled by the viewBox. 0, or -1 when encoding
 *  fails. */
int kj_ticket_qr_svg(kj_buf *out, const char *code);
#endif
