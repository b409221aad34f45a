/*
 * mq_data.h - a MovieLens data set in memory, loaded and validated.
 *
 * mq_data_load() reads a directory in the MovieLens CSV layout with libcsv:
 * ratings.csv and movies.csv are required; tags.csv, links.csv,
 * genome-scores.csv, genome-tags.csv and metadata.csv are read when
 * present.  Films and members get dense indices: films in ascending
 * movieId order (the order of movie_id[]), members in ascending userId
 * order (user_id[]).  The ratings are one struct mq_matrix (CSR both ways).
 * Strings (titles, tags, genre names, metadata) live in one arena owned by
 * the data set.
 *
 * Validation: every row of every file is checked (column count, type of
 * each field, ranges).  A row that fails is rejected: reported on stderr as
 * "file:line: reason" (at most opts->max_report lines per file, then a
 * count), appended to the rejects file when one is named, and counted per
 * reason.  Stray trailing empty columns (",,,," as in real copies of
 * ml-latest-small) are accepted.  Duplicate (user, film) ratings keep the
 * latest timestamp (on a tie the later line); the others are rejected as
 * duplicates.  A file whose rejects exceed opts->max_reject_frac of its
 * rows, a missing required file, an empty file or a wrong header is a
 * structural error: the load fails with MQ_EDATA and nothing is kept.
 */
#ifndef MQ_DATA_H
#define MQ_DATA_H

#include <stdint.h>
#include <stdio.h>

#include "mq_matrix.h"

#define MQ_GENRES_MAX 64	/* genre bitmask width */

/* Reasons a row can be rejected; the summary counts them per file. */
enum mq_reject {
	MQ_REJ_COLUMNS,		/* too few columns, or extra non-empty ones */
	MQ_REJ_ID,		/* id not a positive integer */
	MQ_REJ_RATING,		/* rating not in 0.5..5.0 by half stars */
	MQ_REJ_TIMESTAMP,	/* timestamp not an integer */
	MQ_REJ_UNKNOWN_MOVIE,	/* movieId absent from movies.csv */
	MQ_REJ_DUPLICATE,	/* duplicate key; a later/newer row wins */
	MQ_REJ_ENCODING,	/* invalid UTF-8, NUL byte or control char */
	MQ_REJ_SYNTAX,		/* malformed CSV (quotes) */
	MQ_REJ_VALUE,		/* other field out of range (relevance, empty title) */
	MQ_REJ_UNKNOWN_TAG,	/* genome tagId absent from genome-tags.csv */
	MQ_REJ_NREASONS
};

enum mq_file { MQ_F_RATINGS, MQ_F_MOVIES, MQ_F_TAGS, MQ_F_LINKS,
    MQ_F_GSCORES, MQ_F_GTAGS, MQ_F_META, MQ_F_NFILES };

/* The files' names ("ratings.csv", ...), indexed by enum mq_file. */
extern const char *const mq_data_file_name[];

/* Short names of the reasons, indexed by enum mq_reject. */
extern const char *const mq_reject_name[MQ_REJ_NREASONS];

struct mq_load_opts {
	double max_reject_frac;	/* stop above this share of rejected rows (0.01) */
	const char *rejects_path; /* append "file:line: reason" lines, or NULL */
	unsigned max_report;	/* reject lines printed on stderr per file (20) */
	int quiet;		/* no summary on stderr */
	size_t split_min;	/* ratings.csv this large or larger is parsed in
				   two halves at once (32 MiB; 0: never) */
};

/* Defaults: 1 % threshold, no rejects file, 20 lines per file, summary on,
   ratings.csv in halves from 32 MiB. */
void mq_load_opts_init(struct mq_load_opts *o);

struct mq_tag {
	uint32_t user_id;	/* raw userId (tags may come from members without ratings) */
	uint32_t item;		/* dense film index */
	int64_t ts;
	const char *text;	/* in the arena, UTF-8, NUL-terminated */
};

struct mq_file_stats {
	const char *name;	/* "ratings.csv" ..., mq_data_file_name[] */
	size_t rows;		/* data rows seen (header excluded) */
	size_t kept;
	size_t rejected[MQ_REJ_NREASONS];
	int present;		/* the file was read (optional files may be absent) */
	unsigned parts;		/* ratings.csv: parts read at once (1 or 2) */
	char sha256[65];	/* the file's SHA-256 in hex, "absent", or ""
				   when not computed (set by mq_snap) */
};


struct mq_data {
	/* films, dense index 0..nmovies-1, ascending movieId */
	uint32_t nmovies;
	uint32_t *movie_id;	/* dense -> movieId */
	const char **title;	/* title without the trailing " (year)" */
	int16_t *year;		/* 0 when the title has none */
	uint64_t *genres;	/* bit g set: genre_name[g] */
	int64_t *imdb_id;	/* 0 when unknown (links.csv) */
	int64_t *tmdb_id;	/* 0 when unknown */
	/* optional metadata.csv (movieId,overview,directors,cast); NULL
	   arrays when the file is absent, NULL entries when unknown;
	   directors and cast are '|'-separated names */
	const char **overview;
	const char **directors;
	const char **cast;

	unsigned ngenres;	/* "(no genres listed)" is not a genre: mask 0 */
	const char *genre_name[MQ_GENRES_MAX];

	/* members, dense index 0..nusers-1, ascending userId */
	uint32_t nusers;
	uint32_t *user_id;	/* dense -> userId */

	struct mq_matrix R;	/* the ratings */

	size_t ntags;
	struct mq_tag *tags;	/* in file order */

	/*
	 * genome: relevance of ngtags tags per film, NaN where absent; genome
	 * is NULL when genome-scores.csv is absent (ngtags may still be set
	 * from genome-tags.csv).  Tag indices ascend with tagId.
	 */
	uint32_t ngtags;
	const char **gtag_name;	/* tag index -> tag text */
	uint32_t *gtag_id;	/* tag index -> tagId */
	float *genome;		/* nmovies * ngtags, row-major, or NULL */

	struct mq_file_stats stats[MQ_F_NFILES];
	void *arena;		/* private: string storage */
	char *merged;		/* private: tag texts added by mq_merge */
	char *strings;		/* private: the strings of a snapshot (mq_snap) */
};

/*
 * Load the data set in directory dir into d (which need not be initialised).
 * Returns MQ_OK; MQ_EDATA on a structural error or too many rejects (the
 * message says which file and why); MQ_EIO when a file cannot be read;
 * MQ_ENOMEM.  On failure d is left empty.  opts may be NULL (defaults).
 *
 * Every rejected row is one line, on stderr and in the rejects file:
 *	DIR/ratings.csv:12: rating not in 0.5..5.0 by half stars (field
 *	'rating' value '4.3')
 * (one line; values are cut at 60 bytes, bytes that are not printable
 * UTF-8 written \xNN).  A syntax error quotes the line instead of a field;
 * a duplicate rating names the winning line ("duplicate rating of (user U,
 * movie M); line L wins"), and is reported once the file is read.  Titles
 * are stored without their " (year)" suffix (a "(2006-2007)" range gives
 * the first year); genre indices follow the alphabetical order of names.
 * On success d owns everything; free it with mq_data_release().
 */
int mq_data_load(struct mq_data *d, const char *dir,
    const struct mq_load_opts *opts);

/* Dense index of movieId id, or -1 (binary search). */
int64_t mq_data_movie(const struct mq_data *d, uint32_t id);

/* Dense index of userId id, or -1 (binary search). */
int64_t mq_data_user(const struct mq_data *d, uint32_t id);

/* Free what d owns; d is left empty.  NULL is accepted. */
void mq_data_release(struct mq_data *d);

/* Print the per-file, per-reason reject summary on f. */
void mq_data_summary(const struct mq_data *d, FILE *f);

#endif /* MQ_DATA_H */
