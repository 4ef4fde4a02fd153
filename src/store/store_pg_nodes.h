/*
 * store_pg_nodes.h — the PostgreSQL backend's notify, listen and leader
 * (store.h, "Several nodes"; how: store_pg_nodes.c). For store_pg.c only.
 */
#ifndef KJ_STORE_PG_NODES_H
#define KJ_STORE_PG_NODES_H
#include "store/store.h"

struct kj_pg_nodes;
/** The state for store s on the database at uri (no connection yet);
 *  NULL when memory runs out. The backend keeps it in s->nodes. */
struct kj_pg_nodes *kj_pg_nodes_new(kj_store *s, const char *uri);
/** Stops the listening thread and closes the nodes' connections (the
 *  leadership lock goes with its session). */
void kj_pg_nodes_free(struct kj_pg_nodes *n);
static inline struct kj_pg_nodes *kj_pg_nodes_of(kj_store *s) { return s->nodes; }
/* The backend's members (kj_store_backend). */
int kj_pg_notify(kj_db *db, const char *channel, const char *payload);
int kj_pg_listen(kj_store *s, const char *channel);
int kj_pg_leader(kj_store *s);
#endif
