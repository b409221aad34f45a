/*
 * mq_hash.h - SHA-256: the hash of the manifests, the files list and the
 * snapshot keys.
 *
 * OpenSSL's libcrypto computes it, with the CPU's SHA extensions where
 * there are some: 1.7 GB/s on this project's EPYC, against 0.4 GB/s for
 * libsodium's portable code.  At MovieLens 20M size a build hashes 3 GB
 * (550 MB of CSV files, 2.6 GB of output), so it shows.
 */
#ifndef MQ_HASH_H
#define MQ_HASH_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 of n bytes at p into out. */
void mq_sha256(const void *p, size_t n, unsigned char out[32]);

/* SHA-256 of n bytes at p as 64 lower-case hex digits and a NUL. */
void mq_sha256_hex(const void *p, size_t n, char hex[65]);

/* The 32 bytes of a SHA-256 as 64 lower-case hex digits and a NUL. */
void mq_sha256_tohex(const unsigned char sum[32], char hex[65]);

/* A SHA-256 computed piece by piece. */
struct mq_sha256_ctx;

/* Start one; NULL when out of memory. */
struct mq_sha256_ctx *mq_sha256_begin(void);

/* Add n bytes at p. */
void mq_sha256_add(struct mq_sha256_ctx *c, const void *p, size_t n);

/* The sum of what was added into out; frees c.  NULL is accepted (out
   is then zeros). */
void mq_sha256_end(struct mq_sha256_ctx *c, unsigned char out[32]);

/*
 * SHA-256 and size of the file at path.  A missing file is no error:
 * *present is 0 (and *size 0).  Returns MQ_OK, MQ_EIO (reported, naming
 * the path) or MQ_ENOMEM.
 */
int mq_sha256_file(const char *path, int *present, uint64_t *size,
    unsigned char out[32]);

#endif /* MQ_HASH_H */
