/*
 * scheduler.h — places one-to-one meetings on an event's meeting grid
 * (tables × time slots). Pure logic: no database, no clock, thread-safe.
 *
 * Rules it keeps (tests/unit/test_event_scheduler.c checks them under
 * random requests and cancellations):
 *  - never a conflict: no participant in two meetings of one slot, no
 *    table holding two meetings of one slot;
 *  - meetings already placed stay where they are (a participant's agenda
 *    does not move under them when someone else cancels);
 *  - every unplaced meeting is placed when some slot has both its
 *    participants free and a table free: its preferred slot when that is
 *    such a slot, else the earliest one. A meeting stays unplaced only
 *    when no such slot exists, and placing others only takes slots, so
 *    none appears for it later in the same run.
 * Rescheduling after a cancellation is running it again: the freed slot
 * goes to the first waiting meeting that fits.
 */
#ifndef KJ_EVENT_SCHEDULER_H
#define KJ_EVENT_SCHEDULER_H
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    int a, b;        /* the two participants, as indices 0..nparticipants-1 (a != b) */
    int preferred;   /* a slot to try first, or -1 */
    int slot, table; /* the place, or -1 / -1 while unplaced */
} kj_sched_meeting;

/** Places every unplaced meeting of m (in array order: the order they
 *  were accepted) without moving the placed ones. Returns how many it
 *  placed, or -1 when the input breaks the rules above already (a
 *  participant or table twice in a slot, a place off the grid, an index
 *  out of range) or memory fails; then nothing is changed. */
int kj_sched_place(kj_sched_meeting *m, size_t n, int nparticipants, int nslots, int ntables);

/** True when the placed meetings of m keep the rules: places on the grid,
 *  no participant or table twice in a slot. */
bool kj_sched_valid(const kj_sched_meeting *m, size_t n, int nparticipants, int nslots, int ntables);

/** True when meeting i (unplaced) could be placed now: a slot with both
 *  participants and a table free. */
bool kj_sched_fits(const kj_sched_meeting *m, size_t n, size_t i, int nparticipants, int nslots, int ntables);
#endif
