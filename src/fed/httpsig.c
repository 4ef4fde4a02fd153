/*
 * httpsig.c — RFC 9421 signatures with Ed25519 and RFC 9530 digests
 * (httpsig.h).
 */
#include "fed/httpsig.h"
#include "core/buf.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kj_b64_encode(const unsigned char *in, size_t n, char *out, size_t out_size)
{
    sodium_bin2base64(out, out_size, in, n, sodium_base64_VARIANT_ORIGINAL);
}

int kj_b64_decode(const char *in, unsigned char *out, size_t out_size)
{
    size_t len = 0;
    if (!in || sodium_base642bin(out, out_size, in, strlen(in), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL))
        return -1;
    return (int)len;
}

char *kj_content_digest(const char *body, size_t len)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)(body ? body : ""), body ? len : 0);
    char b64[64];
    kj_b64_encode(h, sizeof h, b64, sizeof b64);
    kj_buf b = { 0 };
    kj_buf_printf(&b, "sha-256=:%s:", b64);
    return kj_buf_steal(&b, NULL);
}

void kj_httpsig_headers_free(kj_httpsig_headers *h)
{
    free(h->content_digest);
    free(h->signature_input);
    free(h->signature);
    memset(h, 0, sizeof *h);
}

/* Appends one `"name": value` line of the signature base. */
static int base_line(kj_buf *b, const char *name, const char *method, const char *uri, const char *digest)
{
    const char *v = !strcmp(name, "@method") ? method : !strcmp(name, "@target-uri") ? uri
                  : !strcmp(name, "content-digest") ? digest : NULL;
    if (!v) return -1;
    /* A value with a newline would let a signer forge another line. */
    if (strchr(v, '\n') || strchr(v, '\r')) return -1;
    kj_buf_printf(b, "\"%s\": %s\n", name, v);
    return 0;
}

int kj_httpsig_sign(const char *method, const char *target_uri, const char *body, size_t len,
                    const char *keyid, const unsigned char sk[64], int64_t created_s, int64_t expires_s,
                    const char *nonce, kj_httpsig_headers *h)
{
    memset(h, 0, sizeof *h);
    bool with_body = body && len > 0;
    if (with_body) h->content_digest = kj_content_digest(body, len);
    kj_buf params = { 0 }, base = { 0 };
    kj_buf_printf(&params, "(\"@method\" \"@target-uri\"%s);created=%lld;expires=%lld;nonce=\"%s\";keyid=\"%s\";alg=\"ed25519\"",
                  with_body ? " \"content-digest\"" : "", (long long)created_s, (long long)expires_s, nonce, keyid);
    int rc = base_line(&base, "@method", method, target_uri, h->content_digest);
    if (rc == 0) rc = base_line(&base, "@target-uri", method, target_uri, h->content_digest);
    if (rc == 0 && with_body) rc = base_line(&base, "content-digest", method, target_uri, h->content_digest);
    if (rc == 0) {
        kj_buf_printf(&base, "\"@signature-params\": %s", params.data);
        unsigned char sig[crypto_sign_BYTES];
        crypto_sign_detached(sig, NULL, (const unsigned char *)base.data, base.len, sk);
        char b64[128];
        kj_b64_encode(sig, sizeof sig, b64, sizeof b64);
        kj_buf s = { 0 }, in = { 0 };
        kj_buf_printf(&s, "kj=:%s:", b64);
        kj_buf_printf(&in, "kj=%s", params.data);
        h->signature = kj_buf_steal(&s, NULL);
        h->signature_input = kj_buf_steal(&in, NULL);
    }
    kj_buf_free(&params);
    kj_buf_free(&base);
    if (rc) kj_httpsig_headers_free(h);
    return rc;
}

/* ---- parsing (RFC 8941 structured fields, the subset used here) ---- */

static const char *skip_ws(const char *p) { while (*p == ' ' || *p == '\t') p++; return p; }

/* A key: lowercase letters, digits, '_', '-', '.', '*', starting with a letter or '*'. */
static const char *parse_key(const char *p, char *out, size_t n)
{
    size_t i = 0;
    if (!((*p >= 'a' && *p <= 'z') || *p == '*')) return NULL;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.' || *p == '*') {
        if (i + 1 >= n) return NULL;
        out[i++] = *p++;
    }
    out[i] = 0;
    return p;
}

/* A quoted string without escapes (none of the values used here has any). */
static const char *parse_string(const char *p, char *out, size_t n)
{
    if (*p++ != '"') return NULL;
    size_t i = 0;
    while (*p && *p != '"') {
        if (*p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || i + 1 >= n) return NULL;
        out[i++] = *p++;
    }
    if (*p != '"') return NULL;
    out[i] = 0;
    return p + 1;
}

static const char *parse_int(const char *p, int64_t *v)
{
    if (*p < '0' || *p > '9') return NULL;
    int64_t x = 0;
    int digits = 0;
    while (*p >= '0' && *p <= '9') {
        if (++digits > 15) return NULL;
        x = x * 10 + (*p++ - '0');
    }
    *v = x;
    return p;
}

int kj_httpsig_parse(const char *signature_input, const char *signature, kj_httpsig *out, const char **why)
{
    memset(out, 0, sizeof *out);
    out->created = out->expires = -1;
    if (!signature_input || !signature) { *why = "no signature"; return -1; }
    const char *p = skip_ws(signature_input);
    p = parse_key(p, out->label, sizeof out->label);
    if (!p || *p++ != '=') { *why = "malformed Signature-Input"; return -1; }
    const char *value = p;
    if (*p++ != '(') { *why = "malformed Signature-Input"; return -1; }
    for (;;) {
        p = skip_ws(p);
        if (*p == ')') { p++; break; }
        if (out->ncomponents >= 8) { *why = "too many components"; return -1; }
        p = parse_string(p, out->components[out->ncomponents], sizeof out->components[0]);
        if (!p) { *why = "malformed component"; return -1; }
        out->ncomponents++;
        if (*p != ' ' && *p != ')') { *why = "malformed component list"; return -1; }
    }
    while (*p == ';') {
        char key[32];
        p = parse_key(p + 1, key, sizeof key);
        if (!p || *p++ != '=') { *why = "malformed parameter"; return -1; }
        if (!strcmp(key, "created")) p = parse_int(p, &out->created);
        else if (!strcmp(key, "expires")) p = parse_int(p, &out->expires);
        else if (!strcmp(key, "nonce")) p = parse_string(p, out->nonce, sizeof out->nonce);
        else if (!strcmp(key, "keyid")) p = parse_string(p, out->keyid, sizeof out->keyid);
        else if (!strcmp(key, "alg")) p = parse_string(p, out->alg, sizeof out->alg);
        else { *why = "unknown parameter"; return -1; }
        if (!p) { *why = "malformed parameter value"; return -1; }
    }
    size_t vlen = (size_t)(p - value);
    if (vlen >= sizeof out->params) { *why = "Signature-Input too long"; return -1; }
    memcpy(out->params, value, vlen);
    out->params[vlen] = 0;
    p = skip_ws(p);
    if (*p && *p != ',') { *why = "malformed Signature-Input"; return -1; }
    /* The Signature member of the same label. */
    const char *s = signature;
    size_t ll = strlen(out->label);
    while (*s) {
        s = skip_ws(s);
        if (!strncmp(s, out->label, ll) && s[ll] == '=' && s[ll + 1] == ':') {
            const char *b = s + ll + 2, *e = strchr(b, ':');
            char b64[160];
            if (!e || (size_t)(e - b) >= sizeof b64) { *why = "malformed Signature"; return -1; }
            memcpy(b64, b, (size_t)(e - b));
            b64[e - b] = 0;
            if (kj_b64_decode(b64, out->sig, sizeof out->sig) != 64) { *why = "malformed Signature"; return -1; }
            out->has_sig = true;
            return 0;
        }
        s = strchr(s, ',');
        if (!s) break;
        s++;
    }
    *why = "no Signature for the label";
    return -1;
}

bool kj_httpsig_covers(const kj_httpsig *s, const char *name)
{
    for (int i = 0; i < s->ncomponents; i++)
        if (!strcmp(s->components[i], name)) return true;
    return false;
}

char *kj_httpsig_base(const kj_httpsig *s, const char *method, const char *target_uri, const char *content_digest)
{
    kj_buf b = { 0 };
    for (int i = 0; i < s->ncomponents; i++)
        if (base_line(&b, s->components[i], method, target_uri, content_digest)) { kj_buf_free(&b); return NULL; }
    kj_buf_printf(&b, "\"@signature-params\": %s", s->params);
    return kj_buf_steal(&b, NULL);
}

bool kj_httpsig_verify(const kj_httpsig *s, const char *method, const char *target_uri, const char *content_digest,
                       const unsigned char pk[32])
{
    if (!s->has_sig || (*s->alg && strcmp(s->alg, "ed25519"))) return false;
    char *base = kj_httpsig_base(s, method, target_uri, content_digest);
    if (!base) return false;
    bool ok = crypto_sign_verify_detached(s->sig, (const unsigned char *)base, strlen(base), pk) == 0;
    free(base);
    return ok;
}
