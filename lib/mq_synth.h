/*
 * mq_synth.h - a deterministic, MovieLens-shaped synthetic data set.
 *
 * mq_synth_write() writes movies.csv, ratings.csv, tags.csv, links.csv and,
 * optionally, genome-tags.csv and genome-scores.csv in exactly the MovieLens
 * CSV layout.  The data has a latent structure a recommender can learn:
 * every film has 1-4 of the 19 MovieLens genres, a taste vector correlated
 * with them, a quality and a heavy-tailed popularity; every member has a
 * taste mixed from a few preferred genres that drifts slowly over time, a
 * rating bias and a heavy-tailed activity (at least min_ratings ratings).
 * Members pick films by popularity times affinity, never twice, never
 * before the film's release; ratings follow a MovieLens-like histogram
 * (mode 4.0, whole stars more frequent than half stars, half stars only
 * from 2003 on as on the real site).
 *
 * The same options and seed give byte-identical files (with the same build:
 * the generator uses the C library's exp() and log()).  Memory does not
 * grow with the number of ratings: members are generated and written one
 * at a time.
 */
#ifndef MQ_SYNTH_H
#define MQ_SYNTH_H

#include <stdint.h>

/* What one run wrote; filled when mq_synth_opts.stats is not NULL. */
struct mq_synth_stats {
	uint32_t users;		/* members written (userId 1..users) */
	uint32_t movies;	/* films in movies.csv */
	uint32_t rated_movies;	/* films with at least one rating */
	uint64_t ratings;	/* rows of ratings.csv */
	uint64_t tags;		/* rows of tags.csv */
	uint64_t genome_scores;	/* rows of genome-scores.csv */
	uint32_t genome_tags;	/* rows of genome-tags.csv */
	uint32_t user_min, user_median, user_max;	/* ratings per member */
	uint32_t movie_min, movie_median, movie_max;	/* per rated film */
	uint32_t movies_lt10;	/* rated films with fewer than 10 ratings */
	double top1pct_share;	/* share of ratings on the top 1 % of films */
	uint64_t hist[10];	/* ratings per half star, 0.5 .. 5.0 */
	int64_t ts_min, ts_max;	/* range of the rating timestamps */
};

struct mq_synth_opts {
	uint32_t users;		/* members (2000) */
	uint32_t movies;	/* films (3000) */
	uint64_t ratings;	/* target number of ratings (200000) */
	uint64_t seed;		/* everything derives from it (1) */
	uint32_t min_ratings;	/* per member, as MovieLens (20) */
	uint32_t genome_ntags;	/* genome tags when genome is set (100) */
	int tags;		/* write tags.csv (1) */
	int links;		/* write links.csv (1) */
	int genome;		/* write genome-tags.csv, genome-scores.csv (0) */
	struct mq_synth_stats *stats; /* filled on success unless NULL */
};

/* Upper bound of mq_synth_opts.genome_ntags. */
#define MQ_SYNTH_GENOME_MAX 1128

/* Set o to the default size: 2000 members, 3000 films, 200000 ratings. */
void mq_synth_opts_init(struct mq_synth_opts *o);

/*
 * Set the size of o (users, movies, ratings) to a named preset: "small"
 * (300 members, 500 films, 20000 ratings, for tests), "default" (as
 * mq_synth_opts_init) or "20m" (138000 members, 27000 films, 20 million
 * ratings, the size of MovieLens 20M).  Other fields are kept.  Returns
 * MQ_OK, or MQ_EUSAGE (with a message) for an unknown name.
 */
int mq_synth_opts_preset(struct mq_synth_opts *o, const char *name);

/*
 * Write the data set into the existing directory dir.  Every file is first
 * written to a temporary name in dir; only when all of them are complete
 * are they renamed into place, so a reader never sees a partial file.
 * Files of the set that these options do not produce (tags.csv without
 * tags, links.csv without links, the genome files without genome) are
 * removed from dir so the set stays consistent.  Returns MQ_OK; MQ_EUSAGE
 * when the options are inconsistent (fewer ratings than users *
 * min_ratings, more than the films allow, zero sizes); MQ_EIO when a file
 * cannot be written (temporary files are removed); MQ_ENOMEM.  Prints a
 * message on stderr on failure, nothing on success.
 */
int mq_synth_write(const char *dir, const struct mq_synth_opts *o);

#endif /* MQ_SYNTH_H */
