/*
 * netguard.c — where a peer URL may never lead (fed.h, "Addresses").
 *
 * An administrator types a peer's URL; the harvest then makes requests to
 * it from inside the operator's network, and shows what came back (the
 * error of a refused answer). Addresses no instance of kejiyun can live on
 * are refused here: the cloud metadata services (169.254.169.254 on most
 * clouds, 100.100.100.200 on Alibaba Cloud, fd00:ec2::254 on AWS over
 * IPv6) and the rest of link-local, "this network" (0.0.0.0/8, ::),
 * multicast and broadcast — so that a mistyped or planted URL cannot read
 * a machine's cloud credentials or reach a link-local service. Loopback and
 * private addresses stay allowed: provinces peer inside their own networks
 * and a test pair of instances runs on 127.0.0.1.
 *
 * The check runs twice: on the URL when a peer is added (an IP literal in
 * any spelling inet_aton reads: 169.254.169.254, 0xA9FEA9FE, 2852039166)
 * and on every address libcurl is about to connect to (client.c), which
 * also covers a host name that resolves, or later re-resolves, there.
 * Pure functions, no state.
 */
#include "fed/fed.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

static bool v4_refused(uint32_t a)   /* host byte order */
{
    return (a >> 24) == 0                          /* 0.0.0.0/8: "this network" */
        || (a >> 16) == 0xA9FE                     /* 169.254.0.0/16: link-local, metadata */
        || a == 0x646464C8                         /* 100.100.100.200: Alibaba Cloud metadata */
        || (a >> 28) == 0xE                        /* 224.0.0.0/4: multicast */
        || a == 0xFFFFFFFF;                        /* broadcast */
}

static bool v6_refused(const unsigned char *b)
{
    static const unsigned char zero[16] = { 0 };
    static const unsigned char aws[16] = { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 };
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    if (!memcmp(b, mapped, 12))   /* ::ffff:a.b.c.d is IPv4 a.b.c.d */
        return v4_refused((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
    return !memcmp(b, zero, 16)                    /* :: */
        || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
        || b[0] == 0xff                            /* ff00::/8 multicast */
        || !memcmp(b, aws, 16);
}

bool kj_fed_addr_refused(const struct sockaddr *sa)
{
    if (!sa) return true;
    if (sa->sa_family == AF_INET) return v4_refused(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6) return v6_refused(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return true;   /* no other family reaches a peer */
}

bool kj_fed_url_refused(const char *url)
{
    const char *h = url ? strstr(url, "://") : NULL;
    if (!h) return true;
    h += 3;
    const char *end = h + strcspn(h, "/?#");
    const char *at = memchr(h, '@', (size_t)(end - h));   /* user:password@ before the host */
    if (at) h = at + 1;
    char host[256];
    size_t n;
    if (*h == '[') {
        const char *close = memchr(h, ']', (size_t)(end - h));
        if (!close) return true;
        n = (size_t)(close - h - 1);
        if (n >= sizeof host) return true;
        memcpy(host, h + 1, n);
    } else {
        const char *colon = memchr(h, ':', (size_t)(end - h));
        n = (size_t)((colon ? colon : end) - h);
        if (n >= sizeof host) return true;
        memcpy(host, h, n);
    }
    host[n] = 0;
    while (n > 0 && host[n - 1] == '.') host[--n] = 0;   /* "169.254.169.254." */
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET6, host, &a6) == 1) return v6_refused(a6.s6_addr);
    if (inet_aton(host, &a4)) return v4_refused(ntohl(a4.s_addr));   /* every spelling a resolver accepts */
    return false;   /* a name: checked when it resolves (client.c) */
}
