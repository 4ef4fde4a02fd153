/*
 * store.h — the storage layer: the only way kejiyun talks to a database.
 *
 * Two levels:
 *  1. kj_store_backend, a table of functions (prepare, bind, step, columns,
 *     transactions) that a database backend implements. SQLite is the
 *     first (store_sqlite.c); PostgreSQL slots in by filling the same table.
 *     SQL text uses '?' placeholders; a backend that numbers them ($1...)
 *     rewrites them when it prepares.
 *  2. Convenience calls on top (kj_db_exec, kj_db_rows, kj_db_row, ...)
 *     that bind by a small type string and return rows as jansson objects,
 *     which is what domain modules use. Domain modules never see a backend
 *     type.
 *
 * Connections: a kj_store holds a pool of connections. A thread borrows
 * one with kj_store_acquire() and gives it back with kj_store_release();
 * between the two, the kj_db belongs to that thread alone. Prepared
 * statements are cached per connection, keyed by their SQL text.
 *
 * Bind types for the convenience calls:
 *   's' const char * (NULL binds NULL)   'i' int64_t   'b' int (as 0/1)
 *   'd' double                           'n' NULL (consumes no argument)
 *   'j' json_t * bound by its JSON type: null/missing → NULL, integer,
 *       real, string; true/false → 1/0; arrays and objects → JSON text
 *
 * Column names: a result column whose name ends in "__json" holds JSON
 * text; it is decoded and appears under the name without the suffix.
 *
 * Failing closed (the contract every caller relies on):
 *  - Writes: the result of every call that writes or delimits a
 *    transaction (kj_db_exec, kj_db_begin, kj_db_commit, kj_db_run_script,
 *    kj_db_bulk) must be used: KJ_MUST_USE makes ignoring it a compile
 *    error under -Werror. Inside a transaction a failed statement means:
 *    roll back and return an error to the caller, up to the handler, which
 *    answers an error (never a success). A write whose loss is harmless
 *    (a counter, a cache) goes through kj_db_exec_optional, which logs a
 *    warning and names why it may be lost.
 *  - A transaction in which any statement failed (other than a constraint
 *    violation, which its caller is told about and may handle) cannot
 *    commit: kj_db_commit rolls it back and returns KJ_DB_ERROR. A failed
 *    commit always leaves the transaction rolled back: nothing of it
 *    remains, and the caller need not (but may) call kj_db_rollback.
 *  - Reads: kj_db_rows returns NULL only on error (an empty array when
 *    nothing matched); kj_db_row, kj_db_int and kj_db_text cannot tell an
 *    error from "nothing" by their value. So every failure (other than a
 *    constraint violation) is also recorded on the connection:
 *    kj_db_failed() says whether this connection saw one since it was
 *    acquired. The web layer (app.c) checks it after each handler and
 *    replaces the response by a 500 (problem+json or error page) carrying
 *    the request id that the log lines of the failure carry too: a failed
 *    read is never a silently empty page. Code outside a request (jobs,
 *    commands) checks kj_db_failed itself where "nothing" would decide
 *    something.
 */
#ifndef KJ_STORE_H
#define KJ_STORE_H
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A result that must be looked at: ignoring it is a compile error
 * (-Werror). See "Failing closed" above. */
#define KJ_MUST_USE __attribute__((warn_unused_result))

typedef struct kj_store kj_store;
typedef struct kj_db kj_db;
typedef struct kj_stmt kj_stmt;

/* Results of step and of the convenience calls. */
enum {
    KJ_DB_OK = 0,
    KJ_DB_ROW = 1,
    KJ_DB_DONE = 2,
    KJ_DB_ERROR = -1,
    KJ_DB_CONSTRAINT = -2, /* unique / foreign-key / check violated */
    KJ_DB_BUSY = -3,
};

enum { KJ_COL_NULL, KJ_COL_INT, KJ_COL_REAL, KJ_COL_TEXT };

/* Called on every new low-level connection (e.g. to register the search
 * tokenizer); raw is the backend's own handle. Non-zero fails the open. */
typedef int (*kj_conn_hook)(void *raw, void *ctx);

typedef struct kj_store_backend {
    const char *name;                                  /* "sqlite" */
    int      (*open)(kj_store *s, const char *uri, int pool_size, char *err, size_t errlen);
    void     (*close)(kj_store *s);
    kj_db   *(*acquire)(kj_store *s);
    void     (*release)(kj_store *s, kj_db *db);
    kj_stmt *(*prepare)(kj_db *db, const char *sql);   /* cached; NULL on error */
    int      (*bind_text)(kj_stmt *st, int idx, const char *s, size_t len);
    int      (*bind_int)(kj_stmt *st, int idx, int64_t v);
    int      (*bind_double)(kj_stmt *st, int idx, double v);
    int      (*bind_null)(kj_stmt *st, int idx);
    int      (*step)(kj_stmt *st);                     /* KJ_DB_ROW / DONE / <0 */
    int      (*column_count)(kj_stmt *st);
    const char *(*column_name)(kj_stmt *st, int col);
    int      (*column_type)(kj_stmt *st, int col);
    int64_t  (*column_int)(kj_stmt *st, int col);
    double   (*column_double)(kj_stmt *st, int col);
    const char *(*column_text)(kj_stmt *st, int col, size_t *len);
    void     (*finish)(kj_stmt *st);                   /* reset, clear, back to cache */
    int      (*exec_script)(kj_db *db, const char *sql);
    int      (*begin)(kj_db *db);                      /* write transaction */
    int      (*commit)(kj_db *db);
    int      (*rollback)(kj_db *db);
    int      (*bulk)(kj_db *db, bool on);              /* see kj_db_bulk */
    int      (*checkpoint)(kj_db *db);                 /* see kj_db_checkpoint */
    bool     (*in_transaction)(kj_db *db);             /* see kj_db_in_transaction */
    void     (*set_stop)(kj_db *db, const atomic_bool *stop);   /* see kj_db_set_stop; NULL: not offered */
    char    *(*defer_indexes)(kj_db *db, const char *table);   /* see kj_db_defer_indexes; NULL: not offered */
    int64_t  (*changes)(kj_db *db);
    const char *(*errmsg)(kj_db *db);
    /* Several nodes on one database (see "Several nodes" below). All three
     * NULL for a database that only one process serves (SQLite): signals
     * then stay in the process and the process is always the leader. */
    /* Queues a signal to the other processes on this database: sent with
     * the open transaction's commit (dropped by its rollback), at once
     * outside one (PostgreSQL: pg_notify). 0 or < 0. */
    int      (*notify)(kj_db *db, const char *channel, const char *payload);
    /* From now on, hands every signal on channel, from any process, to
     * kj_store_deliver (from a thread of the backend's own, on a
     * connection of its own: PostgreSQL LISTEN). 0 or < 0. */
    int      (*listen)(kj_store *s, const char *channel);
    /* Whether this process holds the store-wide leadership lock, trying to
     * take it when not (PostgreSQL: pg_try_advisory_lock on a connection
     * of its own, which also proves that the lock is still held: a lost
     * connection is lost leadership). 1, 0, or < 0 on error (not leader). */
    int      (*leader)(kj_store *s);
} kj_store_backend;

/* The backends compiled in. */
extern const kj_store_backend kj_sqlite_backend;
extern const kj_store_backend kj_pg_backend;     /* store_pg.c: name "postgresql" */

/** The backend a database URL names, and in *location what to hand its
 *  open(): "sqlite:PATH" → SQLite, PATH; "postgresql://…" or
 *  "postgres://…" → PostgreSQL, the whole URL (a libpq connection URI).
 *  NULL when the URL names no backend compiled in. */
const kj_store_backend *kj_store_backend_for(const char *url, const char **location);

/** Opens a store. uri is a backend-specific location (SQLite: a file
 *  path). hook, if set, runs on each new connection. On failure returns
 *  NULL and a one-line reason in err. */
kj_store *kj_store_open(const kj_store_backend *be, const char *uri, int pool_size,
                        kj_conn_hook hook, void *hook_ctx, char *err, size_t errlen);
/** Closes every connection; no kj_db may be borrowed any more. */
void kj_store_close(kj_store *s);
/** Borrows a connection, waiting if all are in use. Never NULL. */
kj_db *kj_store_acquire(kj_store *s);
/** Returns a borrowed connection; an open transaction is rolled back. */
void kj_store_release(kj_store *s, kj_db *db);
/** Counters for /metrics: errors seen by the convenience calls. */
int64_t kj_store_error_count(kj_store *s);
/** A number that grows after every write this process makes through the
 *  store: a statement of kj_db_exec that changed rows, and every commit.
 *  It grows after the write is done, so a reader that sees a value has
 *  every write before it. Response caches compare it to know whether what
 *  they keep may be stale. Writes by other processes do not move it. */
uint64_t kj_store_generation(kj_store *s);

/** A number no other store opened by this process has: lets a
 *  process-wide cache of one database's rows tell that it is asked about
 *  another (tests open many). */
uint64_t kj_store_serial(kj_store *s);

/** Applies every migration in dir not applied yet (files NNN_name.sql in
 *  order, each in its own transaction). Returns the number applied, or -1
 *  with a one-line reason in err. */
int kj_store_migrate(kj_store *s, const char *dir, char *err, size_t errlen);

/** Whether the database has every migration that kj_store_migrate found
 *  in this process (a newer node may have applied more: that is fine).
 *  False before kj_store_migrate ran, and when the read fails. */
bool kj_store_schema_current(kj_db *db);
/** Copies a whole instance from src into dst (kejiyun migrate-data): both
 *  migrated to the same schema version, dst new (no accounts). Every table
 *  both have, parents before children, each in one transaction of dst,
 *  then its rows counted on both sides; the search index is left for dst
 *  to build at its first start. Prints one line per table on out. 0, or
 *  -1 with a one-line reason in err (the tables committed so far stay). */
int kj_store_copy(kj_store *src, kj_store *dst, FILE *out, char *err, size_t errlen);

/** What a database holds, read before anything migrates it (kejiyun
 *  restore asks it of the database that pg_restore filled, which the
 *  migrations would otherwise turn into a new, empty instance when the
 *  operator forgot that step): *version, the last migration applied (0:
 *  no kejiyun tables at all), and in instance_id the instance it records
 *  (empty when none). Reads only. 0, or -1 with the reason in err. */
int kj_store_probe(kj_db *db, int64_t *version, char *instance_id, size_t n, char *err, size_t errlen);

/* ---- export-instance / import-instance (copy.c; ops/move.h uses them) ---- */

/** The tables an instance export carries, parents first: every table
 *  but the migration runner's, the search index, and what is derived,
 *  ephemeral or a secret of the deployment (sessions, throttles, one-time
 *  tokens, federation nonces, the mail and match queues, the matches and
 *  the statistics' pre-counted figures, which the new deployment computes). New ref, or NULL with the reason in err. */
json_t *kj_store_export_tables(kj_db *db, char *err, size_t errlen);
/** Receives one exported row: a JSON array on one line (no newline). 0 or -1. */
typedef int (*kj_row_sink)(void *ctx, const char *line, size_t len);
/** Every row of table (meta: but the search format) as a compact JSON
 *  array of its values (integers, reals, text, null as stored), columns
 *  sorted by name (*columns gets them, new ref), rows ordered by every
 *  column. The row count, or -1 with the reason in err. */
int64_t kj_store_dump_table(kj_db *db, const char *table, json_t **columns, kj_row_sink sink, void *ctx, char *err, size_t errlen);
/** Loading a table of an export into a staging SQLite database:
 *  kj_store_load_mode once (no foreign-key checks on it; SQLite only, -1
 *  otherwise), then per table load_begin (a transaction, the table
 *  emptied), load_row for each row (columns as dumped), load_end (commit,
 *  or rollback when !ok). 0 or -1 with the reason in err. */
int kj_store_load_mode(kj_db *db);
int kj_store_load_begin(kj_db *db, const char *table, char *err, size_t errlen);
int kj_store_load_row(kj_db *db, const char *table, json_t *columns, json_t *values, char *err, size_t errlen);
int kj_store_load_end(kj_db *db, bool ok, char *err, size_t errlen);

/** A consistent copy of the whole database in the SQLite file path
 *  (kejiyun backup), made while the instance serves: SQLite's online
 *  backup API copies every page in one step, inside one read transaction,
 *  so the copy is the database as of one commit while writers go on (WAL).
 *  The copy is then opened and must pass PRAGMA integrity_check. path must
 *  not exist. 0; 1 when the backend offers no such copy (PostgreSQL: use
 *  pg_dump or pgBackRest); -1 with a one-line reason in err. */
int kj_db_snapshot(kj_db *db, const char *path, char *err, size_t errlen);
/** PRAGMA integrity_check of the SQLite file path, opened read-only: 0
 *  when it answers "ok", else -1 with its first complaint in err. */
int kj_sqlite_file_check(const char *path, char *err, size_t errlen);

/** Runs one statement; returns the number of rows changed (≥ 0) or a
 *  negative KJ_DB_ error. */
KJ_MUST_USE int kj_db_exec(kj_db *db, const char *sql, const char *types, ...);
/** A write whose loss is harmless (a view counter, a cache, a last-seen
 *  time), outside any transaction: like kj_db_exec, but a failure is only
 *  logged as a warning naming why (a short reason), and does not count
 *  as a failure of the connection (kj_db_failed). Never for a write that
 *  a user is told has happened. */
int kj_db_exec_optional(kj_db *db, const char *why, const char *sql, const char *types, ...);
/** Whether a statement on this connection failed (other than a
 *  constraint violation) since it was acquired: what the caller read may
 *  then be incomplete, and the request must answer an error. */
bool kj_db_failed(kj_db *db);
/** Test mode only (the /__test/faults endpoint): the next connection that
 *  calls kj_db_take_faults gets the faults: its next `commits` calls of
 *  kj_db_commit fail (the transaction is rolled back, as when the disk
 *  refuses it) and its next `reads` queries (prepared SELECT/WITH
 *  statements) fail, counting only statements whose SQL contains
 *  sql_part when that is set. Statements outside a transaction (such as
 *  a session's last-seen time) do not use up commit faults. */
void kj_store_inject_faults(kj_store *s, int commits, int reads, const char *sql_part);
/** Moves the injected faults, if any, onto this connection (a request's). */
void kj_db_take_faults(kj_db *db);
/** Runs a query; returns a new JSON array of row objects (caller owns,
 *  json_decref), or NULL on error. */
json_t *kj_db_rows(kj_db *db, const char *sql, const char *types, ...);
/** The first row as a new object, or NULL when there is none or on error. */
json_t *kj_db_row(kj_db *db, const char *sql, const char *types, ...);
/** The first column of the first row as an integer; dflt when no row. */
int64_t kj_db_int(kj_db *db, int64_t dflt, const char *sql, const char *types, ...);
/** The first column of the first row as a malloc'd string (caller frees) or NULL. */
char *kj_db_text(kj_db *db, const char *sql, const char *types, ...);
/** Like kj_db_rows / kj_db_int, with parameters bound from a JSON array
 *  (each element as by 'j'): for queries assembled from optional filters. */
json_t *kj_db_rows_j(kj_db *db, const char *sql, json_t *params);
int64_t kj_db_int_j(kj_db *db, int64_t dflt, const char *sql, json_t *params);
/** Transactions: begin takes the write lock at once (no upgrade deadlocks).
 *  A failed begin leaves no transaction: the caller must not go on
 *  writing (each statement would commit on its own). A failed commit
 *  leaves the transaction rolled back. Rollback's result may be ignored:
 *  it runs on error paths, and a connection given back rolls back anyway. */
KJ_MUST_USE int kj_db_begin(kj_db *db);
KJ_MUST_USE int kj_db_commit(kj_db *db);
int kj_db_rollback(kj_db *db);
/** Bulk-load mode for this connection, on until turned off; call it
 *  outside a transaction. The backend skips re-checking CHECK and
 *  foreign-key constraints, so the caller must have
 *  validated every value it writes and every row it refers to (as an
 *  import does, row by row, through the domain's checks). */
KJ_MUST_USE int kj_db_bulk(kj_db *db, bool on);
/** Moves what the log of recent writes holds into the database file, as far
 *  as readers allow, without waiting for anyone. For a background thread:
 *  otherwise the commit that fills the log pays for this (and for its
 *  fsync) in some request's time. No-op for backends without such a log. */
int kj_db_checkpoint(kj_db *db);
/** For a bulk load, inside its transaction: drops table's secondary
 *  indexes (never one that enforces uniqueness) and returns the script that
 *  builds them again (malloc'd; "" when there are none or the backend does
 *  not do this), or NULL on error. Building an index once from all its rows
 *  is faster than keeping it in order row by row when most rows are new
 *  (1M listings: see bench/README.md). The caller runs the script with
 *  kj_db_run_script before it commits; a rollback brings the indexes back
 *  by itself. Queries in between go without those indexes. */
char *kj_db_defer_indexes(kj_db *db, const char *table);
/** Runs statements separated by ';' (no parameters). 0 or < 0. */
KJ_MUST_USE int kj_db_run_script(kj_db *db, const char *sql);
/** Whether a transaction is open on this connection: what it reads may
 *  then include its own writes, which a rollback can still undo. */
bool kj_db_in_transaction(kj_db *db);
/** Makes this connection's statements give up once *stop is true (asked
 *  every few thousand steps of a statement, so within a long one): the
 *  statement then fails like any error, and the caller rolls back. NULL
 *  removes it; set it around one job's work only (the connection goes back
 *  to the pool). For a long job a shutdown must not wait for (the
 *  statistics rebuild). A backend that cannot (PostgreSQL) ignores it: the
 *  caller also checks *stop between its statements. */
void kj_db_set_stop(kj_db *db, const atomic_bool *stop);
/** The backend's last error message for this connection. */
const char *kj_db_errmsg(kj_db *db);
/** Low-level access for code that streams rows (e.g. exports): prepare and
 *  bind with a type string; then step with kj_stmt_step and read columns;
 *  always kj_stmt_finish. */
kj_stmt *kj_db_prepare(kj_db *db, const char *sql, const char *types, ...);
kj_stmt *kj_db_vprepare(kj_db *db, const char *sql, const char *types, va_list ap);
int      kj_stmt_step(kj_db *db, kj_stmt *st);
json_t  *kj_stmt_row_json(kj_db *db, kj_stmt *st);
void     kj_stmt_finish(kj_db *db, kj_stmt *st);
/** Like kj_db_prepare, binding the elements of the JSON array params. */
kj_stmt *kj_db_prepare_j(kj_db *db, const char *sql, json_t *params);
/** Column col of the current row as an integer; dflt when it is NULL. */
int64_t  kj_stmt_int(kj_db *db, kj_stmt *st, int col, int64_t dflt);
/** Column col of the current row as a double; dflt when it is NULL. */
double   kj_stmt_double(kj_db *db, kj_stmt *st, int col, double dflt);
/** Column col of the current row as text (not NUL-terminated for sure:
 *  use *len), valid until the next step; NULL when the column is NULL. */
const char *kj_stmt_text(kj_db *db, kj_stmt *st, int col, size_t *len);
/** The store a connection belongs to. */
kj_store *kj_db_store(kj_db *db);
/** How many statements this connection ran since it was acquired (each
 *  prepared statement once, however many rows it stepped through, and each
 *  BEGIN, COMMIT, ROLLBACK and script), and the microseconds spent in the
 *  backend preparing and stepping them: the web layer reports both for
 *  each request (Server-Timing), so that a page that starts issuing a
 *  query per row shows it at once. */
void kj_db_statements(kj_db *db, int64_t *count, int64_t *us);
/** The id of the installation this database belongs to (the origin of the
 *  records created here): the meta row 'instance_id', written on first use
 *  (a ULID), then kept by the store — one per database, not one per
 *  process, so two stores in one process (tests) each have their own.
 *  Thread-safe (under the store's meta_lock); "LOCAL" when the database
 *  cannot give one. The app reads it at start-up, before serving. */
const char *kj_store_instance_id(kj_db *db);

/* ---- Several nodes ----
 * Several processes (nodes) may serve one database (PostgreSQL). What one
 * node keeps in memory about the data (response caches, memos, search
 * attributes) must then learn of the others' writes, and the background
 * jobs must run on one node at a time.
 *
 * Change signals: kj_db_publish(db, channel, payload) queues a signal on
 * the connection; the commit of its transaction delivers it (a rollback
 * or a failed commit drops it; outside a transaction it goes at once) to
 * the listeners of this process (remote = false, on the committing
 * thread, after the commit) and through the backend to every other node
 * (remote = true, on the backend's listening thread). So a listener never
 * hears of a write that did not happen, and each node hears of each
 * signal once.
 *
 * The store publishes one signal itself: KJ_CHANNEL_WRITES after every
 * committed write to the other nodes (never to itself). A node that
 * hears it moves its kj_store_generation, exactly as its own writes do:
 * every cache keyed by the generation (resp_cache, browse memo, figures)
 * drops what it keeps on every node, with no listener to write. Finer
 * signals (a listing's id, for a cache of listings) are the domains' own
 * channels. One process (SQLite) needs nothing more: the generation is
 * moved by every write, and the listeners are called in process. */
#define KJ_CHANNEL_WRITES "kj_writes"
/** At most this many signals queue in one transaction: a write that
 *  would send more publishes a coarser one (kj_db_publish says -1). */
#define KJ_PUBLISH_MAX 16
/** A listener: must be quick and thread-safe (it runs on the thread that
 *  committed, or on the backend's listening thread). channel and payload
 *  are valid during the call only. */
typedef void (*kj_change_listener)(void *ctx, kj_store *s, const char *channel, const char *payload, bool remote);
/** Calls fn for every signal on channel (at most KJ_LISTENERS_MAX in a
 *  store); from any thread. 0, or -1 when full or the backend cannot
 *  listen. Channels: [a-z0-9_], at most 47 characters. */
#define KJ_LISTENERS_MAX 16
int kj_store_subscribe(kj_store *s, const char *channel, kj_change_listener fn, void *ctx);
/** Queues a signal (see above); payload at most 180 bytes. 0 or -1 (too
 *  many queued, a bad channel, a payload too long: nothing queued). */
int kj_db_publish(kj_db *db, const char *channel, const char *payload);
/** For backends: a signal from the database, as the other node sent it
 *  (its node id, a space, the payload). Signals of this node are
 *  ignored: they were delivered when their transaction committed. */
void kj_store_deliver(kj_store *s, const char *channel, const char *wire_payload);
/** This process's id among the nodes (a ULID made when the store opened). */
const char *kj_store_node_id(kj_store *s);
/** Whether this node is the one that runs the background jobs now. A
 *  backend for one process: always. Otherwise the backend's lock, asked
 *  at most every 500 ms (the answer in between is remembered): a node
 *  that is not the leader calls this each round of its job loop (about
 *  every second) and takes over within about a second of the leader's
 *  death. Leadership can end between two calls (a lost connection) while
 *  the old leader is still inside a job: jobs therefore claim their rows
 *  inside their own transactions, and run correctly twice at once. */
bool kj_store_leader(kj_store *s);
/** Answers kj_store_leader from memory, without asking and without
 *  waiting (for /readyz and /metrics). */
bool kj_store_leader_known(kj_store *s);

/* State that a module above the store keeps per store (the search
 * context: search/context.h), so that two stores in one process (tests, a
 * node with a second database) never share it. One slot per owner. The
 * store destroys what a slot holds in kj_store_close, after its
 * connections are closed. */
enum { KJ_STORE_EXT_SEARCH, KJ_STORE_EXT_STATS, KJ_STORE_EXT_COUNT };
/** The slot's value; when it is empty and make is given, make(arg) fills
 *  it first (under the store's meta_lock, so two threads asking at once get
 *  one value) and destroy will free it. Thread-safe; lock-free once set. */
void *kj_store_ext(kj_store *s, int slot, void *(*make)(void *arg), void *arg, void (*destroy)(void *));

/* A resource a module above the store pairs with each connection: the
 * search module's connection to the node's local index (search/local.h),
 * whose writes follow the transaction of the connection they pair with.
 * One owner per store (the search module); set up at start-up, before the
 * store serves any thread. */
/** The connection's slot for the paired resource (NULL until the owner
 *  sets it; kept while the connection lives, across borrowings). Only the
 *  thread that borrowed db touches it. */
void **kj_db_pair_slot(kj_db *db);
/** fn(ctx, db, committed) is called on the thread that ends each
 *  transaction of the store's connections: after a commit (committed
 *  true), after a failed commit or a rollback, and when a connection is
 *  given back with a transaction open (false). Start-up only. */
void kj_store_on_tx_end(kj_store *s, void (*fn)(void *ctx, kj_db *db, bool committed), void *ctx);
/** Records, on db, a failure of a read or write that a module made for
 *  db's caller elsewhere (the paired local index): kj_db_failed then
 *  answers true, and a request answers 500, as for the store's own. */
void kj_db_note_failure(kj_db *db, const char *what);

/* ---- for backends only ---- */
struct kj_store {
    const kj_store_backend *be;
    void *impl;              /* the backend's state */
    kj_conn_hook hook;
    void *hook_ctx;
    int64_t errors;          /* atomic add */
    uint64_t generation;     /* atomic add: see kj_store_generation */
    uint64_t serial;         /* see kj_store_serial */
    /* Injected faults waiting for a connection (kj_store_inject_faults),
     * guarded by fault_lock; test mode only. */
    int fault_commits, fault_reads;
    char fault_sql[128];
    pthread_mutex_t fault_lock;
    /* kj_store_instance_id: empty until first read, under meta_lock. */
    char instance_id[32];
    pthread_mutex_t meta_lock;
    /* Several nodes (see above). */
    char node_id[32];        /* written at open, then read-only */
    pthread_mutex_t listen_lock;   /* guards listeners */
    struct { char channel[48]; kj_change_listener fn; void *ctx; } listeners[KJ_LISTENERS_MAX];
    int nlisteners;
    pthread_mutex_t leader_lock;   /* guards the three below (leader: written under it, read atomically) */
    bool leader, leader_asked;
    int64_t leader_asked_ms;
    int64_t schema_known;    /* the last migration kj_store_migrate found (atomic) */
    void *nodes;             /* the backend's state for notify/listen/leader, or NULL */

    /* kj_store_ext: set once under meta_lock, read with acquire order. */
    void *ext[KJ_STORE_EXT_COUNT];
    void (*ext_destroy[KJ_STORE_EXT_COUNT])(void *);
    /* kj_store_on_tx_end: set at start-up, then read-only. */
    void (*tx_end)(void *ctx, kj_db *db, bool committed);
    void *tx_end_ctx;
};
/* Per connection, used by the thread that borrowed it only. */
struct kj_db_header {
    kj_store *store;
    int failures;            /* see kj_db_failed; reset when acquired */
    bool tx_failed;          /* a statement of the open transaction failed */
    int fault_commits, fault_reads;   /* taken by kj_db_take_faults */
    char fault_sql[128];
    int64_t statements;      /* see kj_db_statements; reset when acquired */
    int64_t statement_us;
    /* Signals waiting for the open transaction's commit (kj_db_publish). */
    int npending;
    struct { char channel[48]; char payload[184]; } pending[KJ_PUBLISH_MAX];
    bool tx_wrote;           /* the open transaction changed rows */
    void *pair;              /* kj_db_pair_slot (zeroed by the backend's calloc) */
};
#endif
