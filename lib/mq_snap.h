/*
 * mq_snap.h - a binary snapshot of a parsed data set.
 *
 * Parsing ratings.csv at MovieLens 20M size takes seconds; reading back
 * the arrays it produced takes a fraction of one.  A snapshot is keyed on
 * the CSV files it was parsed from: for each of the seven MovieLens files
 * whether it is present, its size and the SHA-256 of its bytes.  A run
 * loads the snapshot only when the files on disk have that key now; any
 * difference (a byte changed, a file added or removed) means the CSV files
 * are parsed again and a new snapshot replaces the old one.
 *
 * Only a load without a rejected row is saved: a data set with rejects is
 * parsed, and its report printed, on every run.
 *
 * File layout (host byte order; the header says which, and a snapshot
 * from another byte order or format version is simply not used):
 *
 *   "MQSNAP\r\n", u32 version, u32 0x01020304,
 *   per file: u8 present, u64 size, 32 bytes SHA-256,
 *   u32 sizeof(size_t),
 *   u64 payload size, 32 bytes SHA-256 of the payload,
 *   payload: the counts, then every array of struct mq_data in a fixed
 *   order, then the strings (titles, genre names, tags, metadata) as one
 *   block that pointers become offsets into.
 *
 * The snapshot is written to a temporary file and renamed, so a reader
 * sees a whole one or none; a payload that fails its SHA-256 check is
 * ignored (the CSV files are parsed).  It is not synced to disk: after a
 * crash it is whole, or it fails that check and is made again.
 */
#ifndef MQ_SNAP_H
#define MQ_SNAP_H

#include <stdint.h>

#include "mq_data.h"

/* What a snapshot is keyed on: the data directory's CSV files. */
struct mq_snap_key {
	struct {
		int present;
		uint64_t size;
		unsigned char sha256[32];
	} f[MQ_F_NFILES];
};

/*
 * Hash the MovieLens files of directory dir into k (the SHA-256 of every
 * present file, read in full).  Returns MQ_OK or MQ_EIO (a file that
 * exists but cannot be read; reported).
 */
int mq_snap_key(struct mq_snap_key *k, const char *dir);

/*
 * The key as the manifest quotes it: file fi's SHA-256 as 64 hex digits,
 * or "absent".
 */
void mq_snap_key_hex(const struct mq_snap_key *k, enum mq_file fi,
    char hex[65]);

/*
 * Load the snapshot at path into d when its key equals k.  *hit is 1 when
 * d was loaded; 0 when the snapshot is missing, stale, from another
 * format or byte order, or damaged (then d is left empty and why, when
 * not NULL, says which in a few words).  Returns MQ_OK (hit or not),
 * MQ_ENOMEM, or MQ_EIO when path exists but cannot be read.
 */
int mq_snap_load(struct mq_data *d, const char *path,
    const struct mq_snap_key *k, int *hit, const char **why);

/*
 * Save d, parsed from files with key k, to path (through a temporary file
 * and a rename).  Returns MQ_OK, MQ_EDATA when d has rejected rows (no
 * snapshot is made; nothing reported), MQ_EIO (reported) or MQ_ENOMEM.
 */
int mq_snap_save(const struct mq_data *d, const char *path,
    const struct mq_snap_key *k);

/* What mq_snap_data_load() did. */
struct mq_snap_info {
	int hit;		/* the snapshot was used */
	const char *why;	/* when not: why, in a few words */
	int saved;		/* a new snapshot was written */
	const char *save;	/* when parsed but not saved: why */
};

/*
 * Load the data set in directory dir into d through the snapshot at path:
 * the files are hashed (on a second thread) while the snapshot is read;
 * when the key matches, the snapshot is the data set and no CSV is
 * parsed.  Otherwise the files are parsed with mq_data_load(dir, o) --
 * same messages, same errors -- and the result saved as the new
 * snapshot.  A snapshot that cannot be written is no error (info->save
 * says why).  Either way d->stats[f].sha256 holds each file's SHA-256.
 * Returns what mq_data_load() returns, or MQ_EIO when a file cannot be
 * hashed or the snapshot read.
 */
int mq_snap_data_load(struct mq_data *d, const char *dir, const char *path,
    const struct mq_load_opts *o, struct mq_snap_info *info);

#endif /* MQ_SNAP_H */
