/*
 * config.c — the settings table and its three sources (see config.h).
 */
#include "core/config.h"
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind { K_STR, K_INT, K_BOOL };

typedef struct {
    const char *section, *key, *env, *flag;
    enum kind kind;
    size_t offset, size;
    const char *dflt;
    const char *help;
} setting;

#define S(sec, key, env, flag, kind, field, dflt, help) \
    { sec, key, env, flag, kind, offsetof(kj_config, field), sizeof(((kj_config *)0)->field), dflt, help }

static const setting settings[] = {
    S("server", "listen", "KEJIYUN_LISTEN", "--listen", K_STR, listen, "127.0.0.1:8080", "address to serve on, HOST:PORT (port 0 picks a free port)"),
    S("server", "data", "KEJIYUN_DATA", "--data", K_STR, data, "./data", "data directory: kejiyun.db and uploaded files"),
    S("server", "db", "KEJIYUN_DB", "--db", K_STR, db, "", "the database: sqlite:PATH (a file) or postgresql://USER@HOST:PORT/NAME?... (a libpq connection URI; postgres:// too); empty: sqlite:DATA/kejiyun.db"),
    S("server", "search_dir", "KEJIYUN_SEARCH_DIR", "--search-dir", K_STR, search_dir, "", "PostgreSQL only: the directory of this node's own copy of the search index (index.db, built from the database and kept current from its search outbox); must be node-local, never shared between nodes; empty: DATA/search"),
    S("server", "root", "KEJIYUN_ROOT", "--root", K_STR, root, "", "directory with templates/, static/, i18n/, migrations/ and reference data (empty: found at start, see kj_config_find_root)"),
    S("server", "threads", "KEJIYUN_THREADS", "--threads", K_INT, threads, "0", "HTTP worker threads (0 = number of cores)"),
    S("server", "heavy_jobs", "KEJIYUN_HEAVY_JOBS", "--heavy-jobs", K_INT, heavy_jobs, "0", "worker threads for CPU-heavy requests (password hashing, image variants, contract PDFs), never the HTTP threads (0 = number of cores)"),
    S("server", "heavy_queue", "KEJIYUN_HEAVY_QUEUE", "--heavy-queue", K_INT, heavy_queue, "32", "CPU-heavy requests that may wait for a worker; more get 503 with Retry-After"),
    S("server", "public_url", "KEJIYUN_PUBLIC_URL", "--public-url", K_STR, public_url, "", "external URL of this instance, for links in e-mails and feeds"),
    S("server", "contract_prefix", "KEJIYUN_CONTRACT_PREFIX", "--contract-prefix", K_STR, contract_prefix, "KJY", "prefix of human contract numbers (KJY-2026-000123): 1-16 capital letters or digits"),
    S("server", "time_zone", "KEJIYUN_TIME_ZONE", "--time-zone", K_STR, time_zone, "Asia/Shanghai", "time zone in which pages show times and working days are counted (IANA name, or a POSIX rule such as CST-8)"),
    /* The demo must not claim to be any government platform: an instance
     * names itself (issue 15). instance_name is the older key, kept so that
     * existing configuration files still load; it sets the Chinese name. */
    S("server", "instance_name", "KEJIYUN_INSTANCE_NAME", "--instance-name", K_STR, site_name, "科技云 (demo)", "older name of site_name"),
    S("server", "site_name", "KEJIYUN_SITE_NAME", "--site-name", K_STR, site_name, "科技云 (demo)", "the site's name in page headers and titles (Chinese pages; English ones too when site_name_en is empty)"),
    S("server", "site_name_en", "KEJIYUN_SITE_NAME_EN", "--site-name-en", K_STR, site_name_en, "Kejiyun (demo)", "the site's name on English pages"),
    S("instance", "short_name", "KEJIYUN_SHORT_NAME", "--short-name", K_STR, short_name, "", "short name of the instance (Chinese; phone header, mails); empty: site_name"),
    S("instance", "short_name_en", "KEJIYUN_SHORT_NAME_EN", "--short-name-en", K_STR, short_name_en, "", "short name on English pages"),
    S("instance", "home_region", "KEJIYUN_HOME_REGION", "--home-region", K_STR, home_region, "", "region code this instance serves (e.g. 630000 for 青海): the default of region pickers, filters and feeds; empty: all of China"),
    S("instance", "default_language", "KEJIYUN_DEFAULT_LANGUAGE", "--default-language", K_STR, default_language, "zh-CN", "language of visitors whose browser asks for none offered (a catalog tag of i18n/)"),
    S("instance", "languages", "KEJIYUN_LANGUAGES", "--languages", K_STR, languages, "zh-CN,en", "languages offered, comma-separated catalog tags in menu order (a catalog is i18n/<tag>.tsv with i18n/<tag>.meta; e.g. zh-CN,en,bo)"),
    S("instance", "color_primary", "KEJIYUN_COLOR_PRIMARY", "--color-primary", K_STR, color_primary, "", "brand colour #rrggbb (links, buttons); empty: the stylesheet's"),
    S("instance", "color_accent", "KEJIYUN_COLOR_ACCENT", "--color-accent", K_STR, color_accent, "", "accent colour #rrggbb; empty: the stylesheet's"),
    S("instance", "footer_host", "KEJIYUN_FOOTER_HOST", "--footer-host", K_STR, footer_host, "", "主办单位 shown in every page's footer"),
    S("instance", "footer_contact", "KEJIYUN_FOOTER_CONTACT", "--footer-contact", K_STR, footer_contact, "", "contact shown in the footer (telephone, address)"),
    S("instance", "icp_record", "KEJIYUN_ICP_RECORD", "--icp-record", K_STR, icp_record, "", "ICP 备案号 shown in the footer"),
    S("instance", "police_record", "KEJIYUN_POLICE_RECORD", "--police-record", K_STR, police_record, "", "公安备案号 shown in the footer"),
    S("instance", "operator_contact", "KEJIYUN_OPERATOR_CONTACT", "--operator-contact", K_STR, operator_contact, "", "contact of the platform operator (personal-information questions), shown with the policies"),
    S("instance", "demo_profile", "KEJIYUN_DEMO_PROFILE", "--profile", K_STR, demo_profile, "sichuan", "which province `kejiyun demo` loads: sichuan or qinghai (its home region, centers, content and demo name)"),
    S("server", "access_log", "KEJIYUN_ACCESS_LOG", "--access-log", K_BOOL, access_log, "true", "one log line per request"),
    S("server", "page_cache_ms", "KEJIYUN_PAGE_CACHE_MS", "--page-cache-ms", K_INT, page_cache_ms, "5000", "how long anonymous visitors may get browse lists from memory, in ms (0 = never); any write ends it sooner"),
    S("server", "trust_proxy", "KEJIYUN_TRUST_PROXY", "--trust-proxy", K_BOOL, trust_proxy, "false", "believe X-Forwarded-For/-Proto from a reverse proxy"),
    S("server", "secure_cookies", "KEJIYUN_SECURE_COOKIES", "--secure-cookies", K_BOOL, secure_cookies, "false", "always mark cookies Secure (serving behind TLS)"),
    S("server", "hsts_seconds", "KEJIYUN_HSTS_SECONDS", "--hsts-seconds", K_INT, hsts_seconds, "31536000", "Strict-Transport-Security max-age sent on answers that went over TLS (a trusted proxy's X-Forwarded-Proto: https, or secure_cookies); 0 = none"),
    S("limits", "max_body", "KEJIYUN_MAX_BODY", "--max-body", K_INT, max_body, "1048576", "largest request body in bytes (413 beyond)"),
    S("limits", "max_upload", "KEJIYUN_MAX_UPLOAD", "--max-upload", K_INT, max_upload, "10485760", "largest upload body in bytes (413 beyond)"),
    S("limits", "max_video", "KEJIYUN_MAX_VIDEO", "--max-video", K_INT, max_video, "52428800", "largest uploaded video in bytes (popular-science short videos)"),
    S("limits", "max_image_pixels", "KEJIYUN_MAX_IMAGE_PIXELS", "--max-image-pixels", K_INT, max_image_pixels, "24000000", "largest width x height an uploaded image may declare, read from its header before decoding (24 MP: 6000x4000 cameras and 12 MP phone photos pass, 6000x6000 is refused)"),
    S("limits", "max_header", "KEJIYUN_MAX_HEADER", "--max-header", K_INT, max_header, "16384", "largest request line plus headers in bytes (431 beyond)"),
    S("limits", "max_conns", "KEJIYUN_MAX_CONNS", "--max-conns", K_INT, max_conns, "4096", "most open client connections in total; more are accepted and closed at once (the open-file limit is raised to fit)"),
    S("limits", "max_conns_per_ip", "KEJIYUN_MAX_CONNS_PER_IP", "--max-conns-per-ip", K_INT, max_conns_per_ip, "64", "most open connections from one client address (0 = no limit); not applied with trust_proxy, where every client shares the proxy's address: bound clients at the proxy"),
    S("limits", "header_timeout", "KEJIYUN_HEADER_TIMEOUT", "--header-timeout", K_INT, header_timeout_s, "10", "seconds a connection has to send a request line and headers, however steadily it trickles (also how long a kept-alive connection may idle)"),
    S("limits", "body_timeout", "KEJIYUN_BODY_TIMEOUT", "--body-timeout", K_INT, body_timeout_s, "60", "seconds a request has to send its body after its headers, plus one second per body_min_rate bytes it declares"),
    S("limits", "body_min_rate", "KEJIYUN_BODY_MIN_RATE", "--body-min-rate", K_INT, body_min_rate, "16384", "slowest upload accepted in bytes per second (16 KiB/s: a 128 kbit/s mobile uplink), extending body_timeout for large bodies"),
    S("limits", "max_fields", "KEJIYUN_MAX_FIELDS", "--max-fields", K_INT, max_fields, "200", "most form fields in one request (400 beyond), and most query arguments (414 beyond)"),
    S("accounts", "session_days", "KEJIYUN_SESSION_DAYS", "--session-days", K_INT, session_days, "30", "days a login stays valid"),
    S("accounts", "terms_version", "KEJIYUN_TERMS_VERSION", "--terms-version", K_STR, terms_version, "2026-1", "version of the 用户协议 (terms) in force; text from DATA/policies/terms.<lang>.md, else ROOT/data/policies/; publishing another version asks every user again at their next sign-in"),
    S("accounts", "privacy_version", "KEJIYUN_PRIVACY_VERSION", "--privacy-version", K_STR, privacy_version, "2026-1", "version of the 隐私政策 (privacy policy) in force; text from DATA/policies/privacy.<lang>.md, else ROOT/data/policies/; a new version asks again likewise"),
    S("accounts", "password_hashes", "KEJIYUN_PASSWORD_HASHES", "--password-hashes", K_INT, password_hashes, "0", "password hashes (argon2id, 64 MiB each) computed at once; more wait (0 = cores, at most 4)"),
    S("accounts", "login_max_account", "KEJIYUN_LOGIN_MAX_ACCOUNT", "--login-max-account", K_INT, login_max_account, "5", "failed logins for one account from one client address before that pair must wait (login_delay, doubling with each further failure)"),
    S("accounts", "login_max_ip", "KEJIYUN_LOGIN_MAX_IP", "--login-max-ip", K_INT, login_max_ip, "20", "failed logins from one client address (any account) before it must wait, doubling likewise"),
    S("accounts", "login_max_account_total", "KEJIYUN_LOGIN_MAX_ACCOUNT_TOTAL", "--login-max-account-total", K_INT, login_max_account_total, "50", "failed logins for one account from all addresses before addresses that have failed must wait too (an address without failures never does)"),
    S("accounts", "login_window", "KEJIYUN_LOGIN_WINDOW", "--login-window", K_INT, login_window_s, "900", "seconds without failures after which a failed-login count is forgotten; also the longest wait"),
    S("accounts", "register_max_ip", "KEJIYUN_REGISTER_MAX_IP", "--register-max-ip", K_INT, register_max_ip, "50", "registrations from one client address per hour (each may send a verification e-mail to the address typed); more wait for the hour's end (429); 0 = no limit"),
    S("accounts", "reset_max_ip", "KEJIYUN_RESET_MAX_IP", "--reset-max-ip", K_INT, reset_max_ip, "20", "password-reset requests from one client address per hour, whatever addresses they name (each known one gets an e-mail); more wait (429); 0 = no limit"),
    S("limits", "search_max_ip", "KEJIYUN_SEARCH_MAX_IP", "--search-max-ip", K_INT, search_max_ip, "300", "searches (page and API) one client address may make per minute on one node, in bursts of a quarter of it; more get 429 with Retry-After; 0 = no limit"),
    S("accounts", "login_delay", "KEJIYUN_LOGIN_DELAY", "--login-delay", K_INT, login_delay_s, "30", "first wait, in seconds, once a failed-login count is over its limit; each further failure doubles it"),
    S("mail", "smtp_host", "KEJIYUN_SMTP_HOST", "--smtp-host", K_STR, smtp_host, "", "SMTP server for e-mail notifications (empty: e-mails stay queued)"),
    S("mail", "smtp_port", "KEJIYUN_SMTP_PORT", "--smtp-port", K_INT, smtp_port, "25", "SMTP port (587 for STARTTLS, 465 for TLS)"),
    S("mail", "smtp_tls", "KEJIYUN_SMTP_TLS", "--smtp-tls", K_STR, smtp_tls, "starttls", "none, starttls (required when set) or tls (implicit, smtps)"),
    S("mail", "smtp_user", "KEJIYUN_SMTP_USER", "--smtp-user", K_STR, smtp_user, "", "SMTP user name (empty: no authentication)"),
    S("mail", "smtp_password", "KEJIYUN_SMTP_PASSWORD", "--smtp-password", K_STR, smtp_password, "", "SMTP password (prefer the environment variable)"),
    S("mail", "mail_from", "KEJIYUN_MAIL_FROM", "--mail-from", K_STR, mail_from, "noreply@kejiyun.invalid", "sender address of notification e-mails"),
    S("server", "metrics_token", "KEJIYUN_METRICS_TOKEN", "--metrics-token", K_STR, metrics_token, "", "/metrics answers only requests with \"Authorization: Bearer TOKEN\" (at least 16 characters; prefer the environment variable); empty: 404 on the public listener"),
    S("server", "drain_seconds", "KEJIYUN_DRAIN_SECONDS", "--drain-seconds", K_INT, drain_s, "0", "on SIGTERM, keep serving this many seconds with /readyz answering 503 before closing the listener, so that a load balancer stops sending requests first (several nodes: more than the balancer's check interval times its fall count)"),
    S("server", "metrics_listen", "KEJIYUN_METRICS_LISTEN", "--metrics-listen", K_STR, metrics_listen, "", "a second address, HOST:PORT, serving only /metrics and /healthz without a token (e.g. 127.0.0.1:9090 for a local Prometheus); empty: none"),
    S("workorders", "workorder_first_response_hours", "KEJIYUN_WORKORDER_FIRST_RESPONSE_HOURS", "--workorder-first-response-hours", K_INT, workorder_first_response_hours, "48", "hours a service center has to accept a new work order before it escalates to the parent center (the requester is told)"),
    S("stats", "stats_refresh_minutes", "KEJIYUN_STATS_REFRESH_MINUTES", "--stats-refresh-minutes", K_INT, stats_refresh_minutes, "10", "how often the statistics pages' pre-counted figures are rebuilt from the records, in minutes (the pages say when they were)"),
    S("review", "review_escalate_days", "KEJIYUN_REVIEW_ESCALATE_DAYS", "--review-escalate-days", K_INT, review_escalate_days, "3", "working days (Monday to Friday in time_zone, less public holidays, plus 调休 weekends: see holidays) a listing, 揭榜 entry or 科普 item may wait for review at a service center before it escalates to the parent center, each step telling the submitter (0 = never escalate)"),
    S("review", "holidays", "KEJIYUN_HOLIDAYS", "--holidays", K_STR, holidays, "data/holidays.tsv", "the working-day calendar: lines DATE<TAB>off|work<TAB>name (public holidays, 调休 working weekends; shipped: mainland China's official arrangements); a relative path is under ROOT; empty = Monday to Friday only; lines of DATA/holidays.tsv override it date by date"),
    S("federation", "fed_sync_ms", "KEJIYUN_FED_SYNC_MS", "--fed-sync-ms", K_INT, fed_sync_ms, "15000", "how often each peer's change feed is harvested and the federation outbox pushed, in ms: a change at a peer shows here within about this"),
    S("federation", "fed_window", "KEJIYUN_FED_WINDOW", "--fed-window", K_INT, fed_window_s, "300", "seconds a signed request between instances stays valid after it was made (its nonce is remembered that long)"),
    S("federation", "fed_rate", "KEJIYUN_FED_RATE", "--fed-rate", K_INT, fed_rate_per_min, "600", "signed requests a peer may make per minute; more are refused (429) and logged"),
    S("federation", "fed_timeout_ms", "KEJIYUN_FED_TIMEOUT_MS", "--fed-timeout-ms", K_INT, fed_timeout_ms, "10000", "the longest one request to a peer may take, in ms; a peer slower than this fails its round and is asked again later and later (backoff), without delaying any other peer"),
    S("federation", "fed_page", "KEJIYUN_FED_PAGE", "--fed-page", K_INT, fed_page, "2000", "items per page of the change feed this instance serves and asks for (bench/fed/run, a fresh peer harvesting 89,986 listings: 54 s with pages of 500, 40 s with 2000)"),
    S("testing", "test_mode", "KEJIYUN_TEST_MODE", "--test-mode", K_BOOL, test_mode, "false", "enable /__test endpoints (clock control); never in production"),
};
#define NSETTINGS (sizeof settings / sizeof *settings)
_Static_assert(NSETTINGS <= sizeof ((kj_config *)0)->given, "kj_config.given holds a flag per setting");

static int set_value(kj_config *c, const setting *s, const char *v, const char *where, char *err, size_t errlen)
{
    char *field = (char *)c + s->offset;
    switch (s->kind) {
    case K_STR:
        if (strlen(v) >= s->size) { snprintf(err, errlen, "%s: value too long", where); return -1; }
        memcpy(field, v, strlen(v) + 1);
        return 0;
    case K_INT: {
        char *end;
        long n = strtol(v, &end, 10);
        if (!*v || *end || n < 0) { snprintf(err, errlen, "%s: \"%s\" is not a non-negative integer", where, v); return -1; }
        if (s->size == sizeof(int)) *(int *)field = (int)n; else *(long *)field = n;
        return 0;
    }
    case K_BOOL:
        if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "on")) *(bool *)field = true;
        else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "off")) *(bool *)field = false;
        else { snprintf(err, errlen, "%s: \"%s\" is not true/false", where, v); return -1; }
        return 0;
    }
    return -1;
}

struct ini_ctx { kj_config *c; char *err; size_t errlen; int failed; const char *path; };

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct ini_ctx *x = user;
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (strcmp(settings[i].section, section) || strcmp(settings[i].key, name)) continue;
        char where[300];
        snprintf(where, sizeof where, "%s: [%s] %s", x->path, section, name);
        if (set_value(x->c, &settings[i], value, where, x->err, x->errlen)) { x->failed = 1; return 0; }
        x->c->given[i] = 1;
        return 1;
    }
    snprintf(x->err, x->errlen, "%s: unknown setting [%s] %s", x->path, section, name);
    x->failed = 1;
    return 0;
}

int kj_config_load(kj_config *c, int argc, char **argv, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NSETTINGS; i++)
        if (set_value(c, &settings[i], settings[i].dflt, "default", err, errlen)) return -1;

    const char *file = getenv("KEJIYUN_CONFIG");
    for (int i = 0; i + 1 < argc; i++) if (!strcmp(argv[i], "--config")) file = argv[i + 1];
    bool explicit = file != NULL;
    if (!file) file = "kejiyun.conf";
    if (explicit || access(file, R_OK) == 0) {
        struct ini_ctx x = { c, err, errlen, 0, file };
        int rc = ini_parse(file, on_ini, &x);
        if (x.failed) return -1;
        if (rc < 0) { snprintf(err, errlen, "cannot read config file %s", file); return -1; }
        if (rc > 0) { snprintf(err, errlen, "%s:%d: syntax error", file, rc); return -1; }
        snprintf(c->config_file, sizeof c->config_file, "%s", file);
    }

    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *v = getenv(settings[i].env);
        if (v && set_value(c, &settings[i], v, settings[i].env, err, errlen)) return -1;
        if (v) c->given[i] = 1;
    }

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) { i++; continue; }
        const setting *s = NULL;
        const char *val = NULL;
        for (size_t k = 0; k < NSETTINGS; k++) {
            size_t fl = strlen(settings[k].flag);
            if (!strncmp(argv[i], settings[k].flag, fl) && (argv[i][fl] == 0 || argv[i][fl] == '=')) {
                s = &settings[k];
                if (argv[i][fl] == '=') val = argv[i] + fl + 1;
                else if (s->kind == K_BOOL && (i + 1 >= argc || argv[i + 1][0] == '-')) val = "true";
                else if (i + 1 < argc) val = argv[++i];
                break;
            }
        }
        if (!s) { snprintf(err, errlen, "unknown option %s (see kejiyun help)", argv[i]); return -1; }
        if (!val) { snprintf(err, errlen, "option %s needs a value", argv[i]); return -1; }
        if (set_value(c, s, val, s->flag, err, errlen)) return -1;
        c->given[s - settings] = 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 2;
    if (c->threads == 0) c->threads = (int)cores;
    if (c->heavy_jobs == 0) c->heavy_jobs = (int)cores;
    if (c->password_hashes == 0) c->password_hashes = cores < 4 ? (int)cores : 4;
    if (c->max_image_pixels == 0) { snprintf(err, errlen, "max_image_pixels must be at least 1"); return -1; }
    if (!*c->root && kj_config_find_root(c->root, sizeof c->root)) {
        snprintf(err, errlen, "cannot find kejiyun's templates and migrations next to the binary, in ../share/kejiyun "
                              "or the current directory; set --root (KEJIYUN_ROOT)");
        return -1;
    }
    return 0;
}

bool kj_config_explicit(const kj_config *c, const char *key)
{
    size_t offset = (size_t)-1;
    for (size_t i = 0; i < NSETTINGS; i++) if (!strcmp(settings[i].key, key)) offset = settings[i].offset;
    for (size_t i = 0; i < NSETTINGS; i++) if (settings[i].offset == offset && c->given[i]) return true;
    return false;
}

/* A directory is a data root when it holds both templates/ and
 * migrations/sqlite/: either alone could be a coincidence. */
static bool is_root(const char *dir)
{
    char p[PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof p, "%s/templates", dir);
    if (stat(p, &st) || !S_ISDIR(st.st_mode)) return false;
    snprintf(p, sizeof p, "%s/migrations/sqlite", dir);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int kj_config_find_root(char *out, size_t n)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        /* next to the binary; an FHS install (PREFIX/bin → PREFIX/share/kejiyun);
         * a build tree (build/<variant>/kejiyun → the source tree). */
        static const char *const rel[] = { "", "/../share/kejiyun", "/../.." };
        for (size_t i = 0; i < sizeof rel / sizeof *rel; i++) {
            char cand[PATH_MAX + 32], real[PATH_MAX];
            snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
            if (is_root(cand) && realpath(cand, real) && strlen(real) < n) {
                memcpy(out, real, strlen(real) + 1);
                return 0;
            }
        }
    }
    if (is_root(".")) { snprintf(out, n, "."); return 0; }
    return -1;
}

void kj_config_help(FILE *out)
{
    fprintf(out, "Settings (file kejiyun.conf < environment < flags):\n\n");
    for (size_t i = 0; i < NSETTINGS; i++) {
        const setting *s = &settings[i];
        fprintf(out, "  %-22s [%s] %s, env %s\n      %s (default: %s)\n",
                s->flag, s->section, s->key, s->env, s->help, *s->dflt ? s->dflt : "empty");
    }
    fprintf(out, "  %-22s path of the INI file (env KEJIYUN_CONFIG; default ./kejiyun.conf when present)\n", "--config");
}
