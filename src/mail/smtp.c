/*
 * smtp.c — sending one e-mail over SMTP with libcurl: plain, STARTTLS
 * (required, not opportunistic) or implicit TLS, optional login, short
 * timeouts so that a dead server costs the worker seconds, not minutes.
 * The message is UTF-8 plain text; the subject is RFC 2047 encoded.
 */
#include "mail/mail.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/id.h"
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct { const char *data; size_t len, pos; } payload;

static size_t read_payload(char *buf, size_t size, size_t nitems, void *arg)
{
    payload *p = arg;
    size_t n = size * nitems;
    if (n > p->len - p->pos) n = p->len - p->pos;
    memcpy(buf, p->data + p->pos, n);
    p->pos += n;
    return n;
}

/* "=?UTF-8?B?...?=" for a non-ASCII subject. */
static void encoded_subject(kj_buf *b, const char *subject)
{
    size_t len = strlen(subject);
    size_t b64 = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = malloc(b64);
    if (!out) return;
    sodium_bin2base64(out, b64, (const unsigned char *)subject, len, sodium_base64_VARIANT_ORIGINAL);
    kj_buf_printf(b, "Subject: =?UTF-8?B?%s?=\r\n", out);
    free(out);
}

/* The message with headers; bare LF become CRLF and dot-stuffing is left to libcurl. */
static void build_message(kj_buf *m, const kj_config *cfg, const char *to, const char *subject, const char *body)
{
    char date[64];
    time_t now = (time_t)(kj_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    kj_id id = kj_id_new();
    kj_buf_printf(m, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nMessage-ID: <%s@kejiyun>\r\n", date, cfg->mail_from, to, id.s);
    encoded_subject(m, subject);
    kj_buf_puts(m, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
    for (const char *p = body; *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r')) kj_buf_puts(m, "\r\n");
        else kj_buf_append(m, p, 1);
    }
    kj_buf_puts(m, "\r\n");
}

int kj_smtp_send(const kj_config *cfg, const char *to, const char *subject, const char *body, char *err, size_t errlen)
{
    bool implicit_tls = !strcmp(cfg->smtp_tls, "tls"), starttls = !strcmp(cfg->smtp_tls, "starttls");
    if (!implicit_tls && !starttls && strcmp(cfg->smtp_tls, "none")) { snprintf(err, errlen, "smtp_tls must be none, starttls or tls"); return -1; }
    if (!*cfg->smtp_host) { snprintf(err, errlen, "no smtp_host configured"); return -1; }
    CURL *c = curl_easy_init();
    if (!c) { snprintf(err, errlen, "curl_easy_init failed"); return -1; }
    char url[384], from[300], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(url, sizeof url, "%s://%s:%ld", implicit_tls ? "smtps" : "smtp", cfg->smtp_host, cfg->smtp_port);
    snprintf(from, sizeof from, "<%s>", cfg->mail_from);
    kj_buf msg = { 0 };
    build_message(&msg, cfg, to, subject, body);
    payload p = { msg.data, msg.len, 0 };
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_payload);
    curl_easy_setopt(c, CURLOPT_READDATA, &p);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    if (starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (*cfg->smtp_user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) snprintf(err, errlen, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    kj_buf_free(&msg);
    return rc == CURLE_OK ? 0 : -1;
}
