/*
 * httpsig.h — HTTP Message Signatures (RFC 9421) with Ed25519, the subset
 * kejiyun's instances speak to each other, and Content-Digest (RFC 9530).
 *
 * A signed request carries
 *   Content-Digest: sha-256=:<base64 SHA-256 of the body>:     (with a body)
 *   Signature-Input: kj=("@method" "@target-uri" "content-digest");created=T;expires=T2;nonce="N";keyid="K";alg="ed25519"
 *   Signature: kj=:<base64 Ed25519 signature>:
 * and the signature covers the signature base (RFC 9421 §2.5): one line per
 * covered component, `"name": value`, then `"@signature-params": ` and the
 * inner list with its parameters exactly as sent in Signature-Input,
 * joined by "\n" without a final newline. keyid is the signer's public key
 * (standard base64): the verifier looks it up among its peers.
 *
 * Pure functions (no database, no clock: times are arguments); thread-safe.
 */
#ifndef KJ_HTTPSIG_H
#define KJ_HTTPSIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** "sha-256=:<base64>:" of body; malloc'd. */
char *kj_content_digest(const char *body, size_t len);

typedef struct {
    char *content_digest;   /* NULL without a body */
    char *signature_input;
    char *signature;
} kj_httpsig_headers;

/** Signs a request: fills h (malloc'd strings; kj_httpsig_headers_free).
 *  body may be NULL (len 0: no content-digest covered). nonce: a fresh
 *  random string (caller's). 0 or -1. */
int kj_httpsig_sign(const char *method, const char *target_uri, const char *body, size_t len,
                    const char *keyid, const unsigned char sk[64], int64_t created_s, int64_t expires_s,
                    const char *nonce, kj_httpsig_headers *h);
void kj_httpsig_headers_free(kj_httpsig_headers *h);

/** A parsed Signature-Input member and its Signature. */
typedef struct {
    char label[32];
    char components[8][32];  /* covered component names, in order */
    int ncomponents;
    int64_t created, expires; /* -1: absent */
    char nonce[128], keyid[128], alg[32];
    char params[1024];       /* the member's value as sent: the @signature-params line */
    unsigned char sig[64];
    bool has_sig;
} kj_httpsig;

/** Parses the first member of Signature-Input and the Signature member of
 *  the same label. 0, or -1 with *why (a static reason) when either is
 *  missing or malformed. */
int kj_httpsig_parse(const char *signature_input, const char *signature, kj_httpsig *out, const char **why);

/** The signature base of a parsed signature over a request with method,
 *  target_uri and content_digest (NULL when absent). malloc'd, or NULL
 *  when a covered component is unknown or missing. */
char *kj_httpsig_base(const kj_httpsig *s, const char *method, const char *target_uri, const char *content_digest);

/** Verifies a request's signature with pk. The caller checks times, nonce
 *  and the digest's match with the body. */
bool kj_httpsig_verify(const kj_httpsig *s, const char *method, const char *target_uri, const char *content_digest,
                       const unsigned char pk[32]);

/** Whether the covered components include name. */
bool kj_httpsig_covers(const kj_httpsig *s, const char *name);

/** Standard base64 of n bytes into out (size ≥ 4*((n+2)/3)+1). */
void kj_b64_encode(const unsigned char *in, size_t n, char *out, size_t out_size);
/** Decodes standard base64 (padding required) into out; returns the length or -1. */
int kj_b64_decode(const char *in, unsigned char *out, size_t out_size);
#endif
