/*
 * password.c — the password policy (kj_password_problem, account.h).
 *
 * Why libzxcvbn and not libpwquality (both Debian packages; measured on
 * this machine, issue 12 item 6):
 *   - libpwquality asks cracklib whether the password is *based on* a
 *     dictionary word: it refuses password1, Qwerty123, 12345678a, but
 *     accepts P@ssw0rd (l33t), woaini520 and zhangwei123 (pinyin), and it
 *     needs cracklib's dictionary files at run time (cracklib-runtime
 *     builds them at install); 0.64 ms per check.
 *   - libzxcvbn estimates how many guesses a cracker needs, from its
 *     built-in dictionaries (passwords, English words, names) plus words
 *     we pass per call, and from patterns (keyboard walks, sequences,
 *     repeats, dates, l33t substitutions): it refuses all of the above once
 *     it knows a few pinyin words, takes the account's own words (e-mail,
 *     name) into account, needs no files, and costs 0.008 ms per check.
 *     ZxcvbnMatch keeps no state between calls (its dictionary is compiled
 *     in and read-only), so request threads may call it concurrently.
 * The bar is 10^8 guesses (log2 ≈ 26.6 bits, zxcvbn's score 3): beyond what
 * an online attacker gets through the login throttle, and, with argon2id,
 * costly offline. "Demo-2026!" estimates 33 bits, "Admin-2026!" 30.4.
 */
#include "account/account.h"
#include "core/validate.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <zxcvbn.h>

#define MIN_BITS 26.6

/* Words Chinese users build passwords from that zxcvbn's English-centred
 * dictionaries lack: pinyin phrases and the numbers that say them
 * (520 "我爱你", 1314 "一生一世"), common surnames and place names. */
static const char *const chinese_words[] = {
    "woaini", "aini", "woaini1314", "5201314", "1314", "520", "521", "woxihuanni", "wodemima", "mima",
    "zhongguo", "china", "beijing", "shanghai", "chengdu", "sichuan", "tianfu", "shenzhen", "guangzhou",
    "laopo", "laogong", "baobao", "baobei", "qinai", "xiaobao", "tiantian", "kuaile", "xingfu", "aiqing",
    "yongyuan", "pengyou", "mingzi", "zhang", "wang", "li", "liu", "chen", "yang", "huang", "zhao", "zhou",
    "wu", "xu", "sun", "ma", "zhu", "hu", "guo", "lin", "he", "gao", "luo", "wei", "fang", "min", "jie",
    "kejiyun", "keji", "qwe", "asd", "zxc", "abc", "iloveyou", "admin", "demo",
};

/* Lower-cased pieces of the address and the name (split at @ . _ - + and
 * spaces) appended to words from index n; returns the new count. */
static size_t own_words(const char *s, char buf[][64], size_t nbuf, size_t n)
{
    while (s && *s && n < nbuf) {
        size_t len = 0;
        while (s[len] && !strchr("@._-+ ", s[len])) len++;
        if (len >= 2 && len < 64) {
            for (size_t i = 0; i < len; i++) buf[n][i] = (char)tolower((unsigned char)s[i]);
            buf[n][len] = 0;
            n++;
        }
        s += len;
        while (*s && strchr("@._-+ ", *s)) s++;
    }
    return n;
}

const char *kj_password_problem_for(const char *pw, const char *email, const char *name)
{
    size_t chars = kj_utf8_chars(pw, strlen(pw));
    if (chars < 8) return "err.password.short";
    if (chars > 128) return "err.password.long";
    if (strspn(pw, "0123456789") == strlen(pw)) return "err.password.digits";
    enum { NCN = sizeof chinese_words / sizeof *chinese_words, NOWN = 16 };
    char own[NOWN][64];
    size_t n_own = own_words(name, own, NOWN, own_words(email, own, NOWN, 0));
    const char *dict[NCN + NOWN + 1];
    size_t n = 0;
    for (size_t i = 0; i < NCN; i++) dict[n++] = chinese_words[i];
    for (size_t i = 0; i < n_own; i++) dict[n++] = own[i];
    dict[n] = NULL;
    return ZxcvbnMatch(pw, dict, NULL) < MIN_BITS ? "err.password.weak" : NULL;
}

const char *kj_password_problem(const char *pw)
{
    return kj_password_problem_for(pw, NULL, NULL);
}
