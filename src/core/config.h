/*
 * config.h — kejiyun's settings.
 *
 * One table lists every setting: its name in kejiyun.conf ([section] key),
 * its environment variable, its command-line flag, default and help text.
 * Values are layered: default < file < environment < flag. `kejiyun help`
 * prints the table, so the documentation cannot drift from the code.
 *
 * The kj_config struct is filled once at start-up and read-only after.
 */
#ifndef KJ_CONFIG_H
#define KJ_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct kj_config {
    char listen[128];
    char data[1024];          /* directory holding kejiyun.db and files/ */
    char db[1024];            /* the database: sqlite:PATH or postgresql://… ; "" = sqlite:DATA/kejiyun.db */
    char search_dir[1024];    /* PostgreSQL: the node's local search index directory; "" = DATA/search */
    char root[1024];          /* directory holding templates/, static/, i18n/, migrations/, data files */
    char config_file[1024];
    char site_name[128];      /* the name pages show (zh-CN, and en when site_name_en is empty) */
    char site_name_en[128];   /* the name English pages show */
    /* The instance profile's defaults (instance/instance.h: an
     * administrator's edits in the database win over these). */
    char short_name[64], short_name_en[64];
    char home_region[32];     /* region code this instance serves ("" = all) */
    char default_language[16];
    char languages[160];      /* offered catalog tags, comma-separated */
    char color_primary[8], color_accent[8];
    char footer_host[256], footer_contact[256], icp_record[64], police_record[96];
    char operator_contact[256];
    char demo_profile[16];    /* sichuan | qinghai: what `kejiyun demo` loads */
    char public_url[256];
    char time_zone[64];       /* the zone times are shown in (core/clock.h) */
    char contract_prefix[17]; /* human contract numbers: PREFIX-YYYY-NNNNNN */
    int threads;
    int heavy_jobs;           /* workers for CPU-heavy requests (core/heavy.h); 0 in the file = cores */
    long heavy_queue;         /* heavy requests that may wait for a worker; beyond: 503 */
    int password_hashes;      /* argon2id hashes at once (64 MiB each); 0 in the file = min(cores, 4) */
    long max_image_pixels;    /* largest width × height an uploaded image may declare */
    long max_body;
    long max_upload;
    long max_video;           /* largest uploaded video (popular science), bytes */
    long max_header;
    long max_fields;
    long max_conns;           /* open connections in total */
    long max_conns_per_ip;    /* open connections per client address (not with trust_proxy) */
    long header_timeout_s;    /* deadline for a request line and headers */
    long body_timeout_s;      /* deadline for a body after its headers ... */
    long body_min_rate;       /* ... plus a second per this many declared bytes */
    char metrics_token[128];  /* bearer token for /metrics on the public listener ("" = none) */
    char metrics_listen[128]; /* separate listener for /metrics and /healthz ("" = none) */
    long drain_s;             /* seconds a stopping node keeps serving with /readyz at 503 */
    bool access_log;
    long page_cache_ms;       /* anonymous browse pages served from memory this long at most (0 = off) */
    bool trust_proxy;
    bool secure_cookies;      /* force Secure on cookies (behind TLS) */
    long hsts_seconds;        /* Strict-Transport-Security max-age over TLS (0 = none) */
    long session_days;
    char terms_version[32];   /* the 用户协议 and 隐私政策 in force (account/privacy.h) */
    char privacy_version[32];
    long login_max_account;   /* free failures per (account, address) pair */
    long login_max_ip;        /* free failures per address */
    long login_max_account_total; /* free failures per account from all addresses */
    long login_window_s;      /* counters forget after this; longest wait */
    long login_delay_s;       /* first wait beyond the free failures (doubles)*/
    long register_max_ip;     /* registrations per client address per hour (0 = no limit) */
    long reset_max_ip;        /* password-reset requests per client address per hour (0 = no limit) */
    long search_max_ip;       /* searches per client address per minute, per node (0 = no limit) */
    long review_escalate_days; /* working days before an unreviewed item climbs to the parent center (0 = never) */
    char holidays[1024];      /* the working-day calendar file (core/workdays.h); "" = Monday to Friday */
    bool test_mode;           /* enables /__test endpoints (clock control) */
    long workorder_first_response_hours; /* work orders escalate when not accepted within this */
    long stats_refresh_minutes;          /* statistics: facts rebuilt this often (stats/stats.h) */
    /* E-mail (src/mail): SMTP server for notifications; empty host = no sending. */
    char smtp_host[256];
    long smtp_port;
    char smtp_tls[16];        /* none | starttls | tls */
    char smtp_user[256];
    char smtp_password[256];
    char mail_from[256];
    /* Federation (fed/fed.h). */
    long fed_sync_ms;         /* harvest and outbox round, ms */
    long fed_window_s;        /* a signed request's validity */
    long fed_rate_per_min;    /* requests a peer may make per minute */
    long fed_page;            /* feed items per page */
    long fed_timeout_ms;      /* the longest one request to a peer may take */
    /* Which settings the file, the environment or a flag gave (by row of
     * the settings table): see kj_config_explicit. */
    unsigned char given[128];
} kj_config;

/** Fills c with defaults, then kejiyun.conf (path from --config, env
 *  KEJIYUN_CONFIG, or ./kejiyun.conf if present), then environment, then
 *  the flags in argv (argv[0..argc) are options only, like
 *  "--listen 127.0.0.1:8080"). Unknown flags and bad values are errors:
 *  returns -1 with a one-line reason in err. */
int kj_config_load(kj_config *c, int argc, char **argv, char *err, size_t errlen);
/** Whether the setting with file key `key` (or another key for the same
 *  value, such as instance_name for site_name) was given by the file, the
 *  environment or a flag rather than left at its default. The instance
 *  profile (instance/instance.h) lets such a value win over an
 *  administrator's edit. */
bool kj_config_explicit(const kj_config *c, const char *key);
/** Prints every setting with its file key, variable, flag, default, help. */
void kj_config_help(FILE *out);
/** Finds the data root when the root setting is empty: next to the binary,
 *  then PREFIX/share/kejiyun for a binary in PREFIX/bin, then the source tree
 *  of a binary in build/<variant>/, then the current directory. Writes the
 *  resolved path; 0, or -1 when none holds templates/ and migrations/sqlite/.
 *  Nothing about the build machine is compiled in. */
int kj_config_find_root(char *out, size_t n);
#endif
