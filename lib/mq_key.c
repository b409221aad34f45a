/*
 * mq_key.c - site key file and HMAC member paths (libsodium).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "mq_buf.h"
#include "mq_err.h"
#include "mq_key.h"

static int
create_key(const char *path)
{
	unsigned char k[MQ_KEY_BYTES];
	char *tmp;
	int fd, rc = MQ_OK;

	randombytes_buf(k, sizeof(k));
	if ((tmp = mq_strf("%s.tmp-%ld", path, (long)getpid())) == NULL)
		return mq_oom();
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		mq_warn("%s", tmp);
		free(tmp);
		return MQ_EIO;
	}
	if (write(fd, k, sizeof(k)) != (ssize_t)sizeof(k) || fsync(fd)) {
		mq_warn("%s", tmp);
		close(fd);
		unlink(tmp);
		free(tmp);
		sodium_memzero(k, sizeof(k));
		return MQ_EIO;
	}
	if (close(fd)) {
		mq_warn("%s", tmp);
		rc = MQ_EIO;
	} else if (link(tmp, path) && errno != EEXIST) {
		/* link, not rename: a key made meanwhile by another run wins */
		mq_warn("%s", path);
		rc = MQ_EIO;
	}
	unlink(tmp);
	free(tmp);
	sodium_memzero(k, sizeof(k));
	return rc;
}

int
mq_key_load(struct mq_key *key, const char *path, int create)
{
	struct stat st;
	ssize_t n;
	int fd, rc;

	if (sodium_init() < 0) {
		mq_warnx("libsodium cannot be initialised");
		return MQ_EIO;
	}
	if (create && access(path, F_OK) && errno == ENOENT &&
	    (rc = create_key(path)))
		return rc;
	if ((fd = open(path, O_RDONLY)) < 0) {
		mq_warn("%s", path);
		return MQ_EIO;
	}
	if (fstat(fd, &st)) {
		mq_warn("%s", path);
		close(fd);
		return MQ_EIO;
	}
	if (st.st_mode & 077) {
		mq_warnx("%s: the key must not be readable by others "
		    "(mode %03o; chmod 600)", path, (unsigned)st.st_mode & 0777);
		close(fd);
		return MQ_EDATA;
	}
	n = read(fd, key->k, sizeof(key->k));
	close(fd);
	if (n != (ssize_t)sizeof(key->k) || st.st_size != (off_t)sizeof(key->k)) {
		mq_warnx("%s: not a key (%d bytes expected)", path,
		    MQ_KEY_BYTES);
		return MQ_EDATA;
	}
	return MQ_OK;
}

void
mq_key_member(const struct mq_key *key, uint32_t user_id,
    char hex[MQ_MEMBER_HEX])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[32];
	int n = snprintf(msg, sizeof(msg), "member:%u", user_id);

	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key->k, sizeof(key->k));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg,
	    (unsigned long long)n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, MQ_MEMBER_HEX, mac, 16);
}
