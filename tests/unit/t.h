/*
 * t.h — the unit-test harness: a dozen lines instead of a framework.
 *
 * A test is a function declared with TEST(name); it registers itself at
 * load time. Inside, CHECK(cond) records a failure and goes on; REQUIRE(cond)
 * records a failure and leaves the test. tests/unit/main.c runs every test
 * and prints "N passed, N failed". Each test counts once: it passes when
 * none of its checks failed.
 */
#ifndef KJ_TEST_H
#define KJ_TEST_H
#include <stdio.h>
#include <string.h>

typedef void (*t_fn)(int *failed);
void t_register(const char *name, const char *file, t_fn fn);

#define TEST(name)                                                        \
    static void name(int *t_failed_);                                     \
    __attribute__((constructor)) static void name##_reg(void)            \
    { t_register(#name, __FILE__, name); }                               \
    static void name(int *t_failed_)

#define CHECK(cond) do { if (!(cond)) { *t_failed_ = 1;                   \
    fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define REQUIRE(cond) do { if (!(cond)) { *t_failed_ = 1;                 \
    fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b);             \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { *t_failed_ = 1;              \
    fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,    \
            a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)
#define CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { *t_failed_ = 1;                                       \
    fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); } } while (0)
#endif
