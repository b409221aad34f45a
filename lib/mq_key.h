/*
 * mq_key.h - the site secret and the members' unguessable paths.
 *
 * A member's private files live under m/HEX/ where HEX is the first 128
 * bits of HMAC-SHA-256(key, "member:" userId) in hex.  Without the key,
 * which stays outside the published site in a file of mode 0600, the path
 * of another member cannot be derived from anything published.
 */
#ifndef MQ_KEY_H
#define MQ_KEY_H

#include <stdint.h>

#define MQ_KEY_BYTES	32
#define MQ_MEMBER_HEX	33	/* 32 hex digits + NUL */

struct mq_key {
	unsigned char k[MQ_KEY_BYTES];
};

/*
 * Load the key from path, creating it (random, mode 0600, atomically)
 * when create is set and the file does not exist.  A key file that is
 * readable by group or others, or of the wrong size, is refused
 * (MQ_EDATA, naming the file).  Returns MQ_OK, MQ_EIO, MQ_EDATA or
 * MQ_ENOMEM.
 */
int mq_key_load(struct mq_key *key, const char *path, int create);

/* The member's directory name (32 hex digits) into hex. */
void mq_key_member(const struct mq_key *key, uint32_t user_id,
    char hex[MQ_MEMBER_HEX]);

#endif /* MQ_KEY_H */
