/* scheduler.c — meetings onto the meeting grid (see scheduler.h). */
#include "event/scheduler.h"
#include <stdlib.h>
#include <string.h>

/* Occupancy of the grid: busy[p * nslots + s] participant p in slot s,
 * tables[s * ntables + t] table t in slot s. */
typedef struct {
    unsigned char *busy, *tables;
    int np, ns, nt;
} grid;

static void grid_free(grid *g) { free(g->busy); free(g->tables); }

/* Fills g from the placed meetings; -1 on a broken input or no memory. */
static int grid_fill(grid *g, const kj_sched_meeting *m, size_t n, int np, int ns, int nt)
{
    memset(g, 0, sizeof *g);
    if (np < 0 || ns < 0 || nt < 0) return -1;
    g->np = np, g->ns = ns, g->nt = nt;
    g->busy = calloc((size_t)np * (size_t)ns + 1, 1);
    g->tables = calloc((size_t)ns * (size_t)nt + 1, 1);
    if (!g->busy || !g->tables) { grid_free(g); return -1; }
    for (size_t i = 0; i < n; i++) {
        const kj_sched_meeting *x = &m[i];
        if (x->a < 0 || x->a >= np || x->b < 0 || x->b >= np || x->a == x->b) { grid_free(g); return -1; }
        if (x->slot < 0 && x->table < 0) continue;
        if (x->slot < 0 || x->slot >= ns || x->table < 0 || x->table >= nt) { grid_free(g); return -1; }
        unsigned char *pa = &g->busy[(size_t)x->a * ns + x->slot], *pb = &g->busy[(size_t)x->b * ns + x->slot];
        unsigned char *t = &g->tables[(size_t)x->slot * nt + x->table];
        if (*pa || *pb || *t) { grid_free(g); return -1; }
        *pa = *pb = *t = 1;
    }
    return 0;
}

/* A free table in slot s for participants a and b, or -1. */
static int free_table(const grid *g, int a, int b, int s)
{
    if (s < 0 || s >= g->ns) return -1;
    if (g->busy[(size_t)a * g->ns + s] || g->busy[(size_t)b * g->ns + s]) return -1;
    for (int t = 0; t < g->nt; t++)
        if (!g->tables[(size_t)s * g->nt + t]) return t;
    return -1;
}

int kj_sched_place(kj_sched_meeting *m, size_t n, int np, int ns, int nt)
{
    grid g;
    if (grid_fill(&g, m, n, np, ns, nt)) return -1;
    int placed = 0;
    for (size_t i = 0; i < n; i++) {
        kj_sched_meeting *x = &m[i];
        if (x->slot >= 0) continue;
        int slot = -1, table = free_table(&g, x->a, x->b, x->preferred);
        if (table >= 0) slot = x->preferred;
        for (int s = 0; slot < 0 && s < ns; s++)
            if ((table = free_table(&g, x->a, x->b, s)) >= 0) slot = s;
        if (slot < 0) continue;
        x->slot = slot, x->table = table;
        g.busy[(size_t)x->a * ns + slot] = g.busy[(size_t)x->b * ns + slot] = 1;
        g.tables[(size_t)slot * nt + table] = 1;
        placed++;
    }
    grid_free(&g);
    return placed;
}

bool kj_sched_valid(const kj_sched_meeting *m, size_t n, int np, int ns, int nt)
{
    grid g;
    if (grid_fill(&g, m, n, np, ns, nt)) return false;
    grid_free(&g);
    return true;
}

bool kj_sched_fits(const kj_sched_meeting *m, size_t n, size_t i, int np, int ns, int nt)
{
    grid g;
    if (i >= n || m[i].slot >= 0 || grid_fill(&g, m, n, np, ns, nt)) return false;
    bool fits = false;
    for (int s = 0; !fits && s < ns; s++) fits = free_table(&g, m[i].a, m[i].b, s) >= 0;
    grid_free(&g);
    return fits;
}
