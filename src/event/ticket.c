/* ticket.c — a ticket's QR code as SVG (see ticket.h). */
#include "event/ticket.h"
#include <qrencode.h>

int kj_ticket_qr_svg(kj_buf *out, const char *code)
{
    QRcode *qr = QRcode_encodeString(code ? code : "", 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) return -1;
    int w = qr->width, quiet = 4, size = w + 2 * quiet;
    int rc = kj_buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\" "
                                "role=\"img\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                           size, size, size, size);
    /* One path: a unit square per dark module, runs along a row merged. */
    for (int y = 0; !rc && y < w; y++)
        for (int x = 0; !rc && x < w; x++) {
            if (!(qr->data[y * w + x] & 1)) continue;
            int run = 1;
            while (x + run < w && (qr->data[y * w + x + run] & 1)) run++;
            rc = kj_buf_printf(out, "M%d %dh%dv1h-%dz", x + quiet, y + quiet, run, run);
            x += run - 1;
        }
    if (!rc) rc = kj_buf_puts(out, "\"/></svg>");
    QRcode_free(qr);
    return rc ? -1 : 0;
}
