/*
 * mq_fold.h - the fold-in file: what the endpoint needs from the last run
 * to answer a member at once.
 *
 * The batch writes SITE.state/foldin.bin at every build: the catalogue
 * (movieIds, titles, years, poster paths) and every film's item
 * neighbours with their similarities, plus the films in damped-mean order
 * for members with too few ratings.  The endpoint maps it read-only and
 * folds a member's own ratings into the neighbour lists: a fresh "for
 * you" list in well under a millisecond, without the models.
 *
 * Layout (host byte order; the file is made and read on one machine):
 *   struct mq_fold_hdr, then uint32 movie_id[n] (ascending), uint32
 *   nbr[n * k] (dense indices, UINT32_MAX past the end of a list), float
 *   sim[n * k], uint32 fallback[n], uint32 title_off[n], uint32
 *   poster_off[n], int32 year[n], then the NUL-terminated strings.
 */
#ifndef MQ_FOLD_H
#define MQ_FOLD_H

#include <stddef.h>
#include <stdint.h>

#include "mq_data.h"
#include "mq_model.h"

#define MQ_FOLD_MAGIC	"MQFOLD1"

struct mq_fold_hdr {
	char magic[8];		/* MQ_FOLD_MAGIC */
	uint32_t version;	/* 1 */
	uint32_t n;		/* films */
	uint32_t k;		/* neighbours per film */
	uint32_t nstr;		/* bytes of strings */
	uint32_t max_user;	/* the largest member id of the data: new
				   members are numbered above it */
	uint32_t reserved;
	char build[32];		/* the build that wrote it */
};

struct mq_fold {
	void *map;
	size_t len;
	const struct mq_fold_hdr *h;
	const uint32_t *movie_id, *nbr, *fallback, *title_off, *poster_off;
	const float *sim;
	const int32_t *year;
	const char *str;
};

/* One of the member's own ratings, for mq_fold_recommend(). */
struct mq_fold_rating {
	uint32_t movie_id;
	int half;		/* 1..10 */
	int64_t ts;
};

/*
 * Write the fold-in file of build `build` to path (atomically): films of
 * d, neighbours nb (item model), fallback order, display titles and
 * poster paths per film.  Returns MQ_OK, MQ_EIO or MQ_ENOMEM.
 */
int mq_fold_write(const char *path, const char *build,
    const struct mq_data *d, const struct mq_nbrs *nb,
    const uint32_t *fallback, char *const *title, char *const *poster);

/*
 * Map path read-only and check it (magic, version, sizes, every offset
 * and index in range).  Returns MQ_OK, MQ_EIO (cannot open or map) or
 * MQ_EDATA (not a fold-in file or damaged; message names the file).
 */
int mq_fold_open(struct mq_fold *f, const char *path);
void mq_fold_close(struct mq_fold *f);

/* Dense index of movieId id, or -1. */
int64_t mq_fold_movie(const struct mq_fold *f, uint32_t id);

static inline const char *
mq_fold_title(const struct mq_fold *f, uint32_t i)
{
	return f->str + f->title_off[i];
}

static inline const char *
mq_fold_poster(const struct mq_fold *f, uint32_t i)
{
	return f->str + f->poster_off[i];
}

/*
 * Up to n films for a member who rated r[0..nr): the item neighbours of
 * what they rated, weighted as the item model weighs them (recent and
 * liked ratings more), then well-liked films to fill the list.  Films in
 * r are never listed.  out receives dense indices, best first; returns
 * how many.  Returns 0 when out of memory.
 */
uint32_t mq_fold_recommend(const struct mq_fold *f,
    const struct mq_fold_rating *r, size_t nr, uint32_t n, uint32_t *out);

#endif /* MQ_FOLD_H */
