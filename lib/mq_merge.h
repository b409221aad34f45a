/*
 * mq_merge.h - what members submitted, merged into the data set.
 *
 * The batch reads the endpoint's store (mq_store.h) read-only, inside one
 * snapshot: everything committed before the snapshot is in this run, and
 * everything committed after it is in the next one, so a rating made
 * during a run is neither lost nor counted twice.  A store rating of a
 * film replaces the member's rating of it in the CSV data; a deleted one
 * (a tombstone) removes it; new members are added.  Tags still in force
 * are added to the tags.
 */
#ifndef MQ_MERGE_H
#define MQ_MERGE_H

#include <stdint.h>

#include "mq_data.h"

struct mq_merge_stats {
	uint64_t upto;		/* the store's counter in the snapshot */
	uint32_t members;	/* members new to the data */
	size_t added;		/* ratings of films the member had not rated */
	size_t replaced;	/* ratings that replaced a CSV rating */
	size_t deleted;		/* CSV ratings a member deleted */
	size_t unknown;		/* ratings of films not in movies.csv: left out */
	size_t tags;		/* tags added */
};

/*
 * Merge the store at path into d (loaded from the CSV files).  Returns
 * MQ_OK, MQ_EIO (the store cannot be opened or read; message names it),
 * MQ_EDATA (a store newer than this program), MQ_ENOMEM.  On failure d
 * is unchanged.
 */
int mq_merge_store(struct mq_data *d, const char *path,
    struct mq_merge_stats *st);

#endif /* MQ_MERGE_H */
