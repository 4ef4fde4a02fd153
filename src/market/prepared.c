/* prepared.c — listings a center's staff prepared on behalf of an
 * organization (代发布, issue 14 §3; see market.h). */
#include "market/market.h"

int kj_listing_mark_prepared(kj_db *db, const char *listing_id, const char *staff_id, const char *workorder_id)
{
    return kj_db_exec(db, "UPDATE listings SET prepared_by = ?, prepared_for_workorder = ? WHERE id = ? AND status = 'draft'",
                      "sss", staff_id, workorder_id, listing_id) == 1 ? 0 : -1;
}
