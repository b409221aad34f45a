/*
 * mq_hash.c - SHA-256 through OpenSSL's libcrypto.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mq_err.h"
#include "mq_hash.h"

void
mq_sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 32;

	/* cannot fail for SHA-256 short of memory; zeros say so then */
	if (!EVP_Digest(p, n, out, &len, EVP_sha256(), NULL))
		memset(out, 0, 32);
}

void
mq_sha256_tohex(const unsigned char sum[32], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[sum[i] >> 4];
		hex[2 * i + 1] = digits[sum[i] & 15];
	}
	hex[64] = '\0';
}

void
mq_sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char sum[32];

	mq_sha256(p, n, sum);
	mq_sha256_tohex(sum, hex);
}

struct mq_sha256_ctx *
mq_sha256_begin(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	return (struct mq_sha256_ctx *)ctx;
}

void
mq_sha256_add(struct mq_sha256_ctx *c, const void *p, size_t n)
{
	if (c != NULL && n > 0)
		EVP_DigestUpdate((EVP_MD_CTX *)c, p, n);
}

void
mq_sha256_end(struct mq_sha256_ctx *c, unsigned char out[32])
{
	unsigned int len = 32;

	if (c == NULL || !EVP_DigestFinal_ex((EVP_MD_CTX *)c, out, &len))
		memset(out, 0, 32);
	EVP_MD_CTX_free((EVP_MD_CTX *)c);
}

int
mq_sha256_file(const char *path, int *present, uint64_t *size,
    unsigned char out[32])
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	unsigned int len = 32;
	size_t n;
	FILE *f;
	int rc = MQ_OK;

	*present = 0;
	*size = 0;
	memset(out, 0, 32);
	if ((f = fopen(path, "rb")) == NULL) {
		if (errno == ENOENT)
			return MQ_OK;
		mq_warn("%s", path);
		return MQ_EIO;
	}
	if ((buf = malloc(1 << 20)) == NULL || (ctx = EVP_MD_CTX_new()) ==
	    NULL || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = mq_oom();
		goto out;
	}
	while ((n = fread(buf, 1, 1 << 20, f)) > 0) {
		EVP_DigestUpdate(ctx, buf, n);
		*size += n;
	}
	if (ferror(f)) {
		mq_warn("%s", path);
		rc = MQ_EIO;
	} else if (!EVP_DigestFinal_ex(ctx, out, &len))
		rc = mq_oom();
	else
		*present = 1;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	fclose(f);
	return rc;
}
