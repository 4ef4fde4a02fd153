/*
 * test_err.c — the one error type (core/err.h) and its one mapping to HTTP
 * (kj_err_status in src/web/app.c). The statuses are what the HTTP tests
 * pin for each kind of refusal; a kind that lost its row would answer 500.
 */
#include "t.h"
#include "core/err.h"
#include "web/app.h"

TEST(err_set_fills_and_fails)
{
    kj_err e = { 0 };
    CHECK_INT(kj_err_set(&e, KJ_E_CONFLICT, "err.x", "title"), -1);
    CHECK_INT(e.kind, KJ_E_CONFLICT);
    CHECK_STR(e.key, "err.x");
    CHECK_STR(e.field, "title");
    REQUIRE(e.arg == NULL);
}

TEST(err_kinds_map_to_their_http_status)
{
    static const struct { kj_err_kind kind; int status; } table[] = {
        { KJ_E_INVALID, 422 },  { KJ_E_BAD_REQUEST, 400 }, { KJ_E_FORBIDDEN, 403 }, { KJ_E_NOT_FOUND, 404 },
        { KJ_E_CONFLICT, 409 }, { KJ_E_GONE, 410 },        { KJ_E_TOO_LARGE, 413 }, { KJ_E_LIMITED, 429 },
        { KJ_E_INTERNAL, 500 },
        { KJ_E_NONE, 500 },     /* an error without a kind is a bug, never a success */
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        kj_err e = { .kind = table[i].kind, .key = "k" };
        CHECK_INT(kj_err_status(&e), table[i].status);
    }
    kj_err bogus = { .kind = (kj_err_kind)999, .key = "k" };
    CHECK_INT(kj_err_status(&bogus), 500);
    CHECK_INT(kj_err_status(NULL), 500);
}
