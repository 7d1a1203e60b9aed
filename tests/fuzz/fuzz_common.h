/*
 * fuzz_common.h — what the libFuzzer targets share: input bytes as a file
 * the readers can open (a memfd named through /proc/self/fd), so the readers
 * and the input layer are fuzzed exactly as `galley index` calls them.
 */
#ifndef GAL_FUZZ_COMMON_H
#define GAL_FUZZ_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Replace the contents of this process's one memfd with data and return its
 * path; aborts when the memfd cannot be made (a harness failure). */
__attribute__((unused)) static const char *fuzz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("galley-fuzz", 0);
        if (fd < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0) {
        perror("ftruncate");
        abort();
    }
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        if (n <= 0) {
            perror("pwrite");
            abort();
        }
        done += (size_t)n;
    }
    return path;
}

/* The input of the targets that fuzz a stored record: byte 0 picks the
 * mode, bytes 1-4 are the record's first document (big-endian), the rest
 * is the record.  0 when the input is too short to hold them. */
typedef struct fuzz_record_input {
    uint8_t mode;
    uint32_t first;
    const uint8_t *body;
    size_t len;
} fuzz_record_input;

__attribute__((unused)) static int fuzz_record_input_of(const uint8_t *data, size_t size,
                                                         fuzz_record_input *in)
{
    if (size < 5)
        return 0;
    in->mode = data[0];
    in->first = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 |
                data[4];
    in->body = data + 5;
    in->len = size - 5;
    return 1;
}

/* A property the code under test must keep; a failure is a finding. */
#define FUZZ_ASSERT(cond)                                                          \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                        \
            abort();                                                               \
        }                                                                          \
    } while (0)

#endif
