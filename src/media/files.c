/*
 * files.c — the files under the data directory (see files.h).
 */
#include "media/files.h"
#include "core/log.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void kj_file_path(const char *data_dir, const char *id, const char *suffix, char *out, size_t n)
{
    snprintf(out, n, "%s/files/%s%s", data_dir, id, suffix);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int kj_file_write(const char *data_dir, const char *name, const void *data, size_t size)
{
    char dir[2048], tmp[2100], final[2100];
    snprintf(dir, sizeof dir, "%s/files", data_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) { kj_log_error("files: mkdir %s: %s", dir, strerror(errno)); return -1; }
    kj_file_path(data_dir, name, ".part", tmp, sizeof tmp);
    kj_file_path(data_dir, name, "", final, sizeof final);
    /* O_TRUNC, not O_EXCL: a .part left by a crash is overwritten. */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) { kj_log_error("files: open %s: %s", tmp, strerror(errno)); return -1; }
    int rc = write_all(fd, data ? data : "", size);
    if (rc == 0) rc = fsync(fd);
    if (close(fd) != 0) rc = -1;
    if (rc == 0) rc = rename(tmp, final);
    if (rc != 0) { kj_log_error("files: write %s: %s", final, strerror(errno)); unlink(tmp); }
    return rc;
}

char *kj_file_read(const char *data_dir, const char *name, size_t *len)
{
    char path[2100];
    kj_file_path(data_dir, name, "", path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { free(buf); buf = NULL; break; }
        got += (size_t)r;
    }
    close(fd);
    if (buf) { buf[got] = 0; *len = got; }
    return buf;
}

