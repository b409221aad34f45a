/*
 * mq_site.h - the published site: what `marquee build` writes.
 *
 * Layout of a release (SITE is a link to it, see mq_out.h):
 *
 *   index.html                 the page, from templates/index.html
 *   assets/NAME.HASH.css|js    site/ files, fingerprinted (immutable)
 *   film/ID.json[.zst]         public: a film, its stats and similar films
 *   film/ID.html               public: the film page fragment (card + similar)
 *   poster/ID.KEY.png          public: the film's poster (libpng); KEY
 *                              fingerprints what it is drawn from
 *   genre/index.json[.zst]     public: the genres, their slugs and sizes
 *   genre/SLUG.json[.zst]      public: best rated films of a genre ("all":
 *   genre/SLUG.html                    the best of all films), JSON and
 *                                      fragment
 *   search/PP.json[.zst]       public: films with a title word starting
 *                              with PP (normalised: a-z 0-9, accents off)
 *   m/HEX/recs.json[.zst]      private: a member's lists; HEX is a keyed
 *   m/HEX/recs.html                     HMAC of the member id (mq_key.h)
 *   manifest.json              public files with their SHA-256 and size
 *
 * Outside the release, in the state directory (never published): the key
 * (site.key, mode 0600) and recommended.tsv, every film recommended to a
 * member ("user_id TAB movie_id TAB YYYYMMDD TAB model"), from which the
 * "rate your past recommendations" lists come (films of earlier dates,
 * not rated since, not on today's list).  A second build on the same date
 * replaces that date's entries.  foldin.bin (mq_fold.h) is what the
 * endpoint needs of the build to answer members at once.
 */
#ifndef MQ_SITE_H
#define MQ_SITE_H

#include <stdint.h>

#include "mq_best.h"
#include "mq_data.h"

struct mq_site_opts {
	const char *out;	/* SITE: the link to publish */
	const char *state;	/* state directory (key, history) */
	const char *templates;	/* templates directory */
	const char *assets;	/* static files (site/) */
	const char *data;	/* the data directory (posters/, checksums) */
	uint32_t nrecs;		/* films in "for you", 1..5 (5) */
	uint32_t nlist;		/* films in each model's list (10) */
	uint32_t nsimilar;	/* similar films per film (10) */
	uint32_t ngenre;	/* films per genre list (20) */
	uint32_t npending;	/* past recommendations shown (10) */
	double damping;		/* genre lists' damping (10) */
	uint64_t date;		/* run date YYYYMMDD */
	unsigned keep;		/* releases kept (3) */
	unsigned threads;	/* model threads (0: all CPUs) */
	int progress;		/* one line per stage on stderr */
	/* the "for you" list's parameters, NULL: defaults; saved
	   neighbours in it (item_pre, user_pre) are used and taken over */
	struct mq_best_params *best;
	/* when set, the neighbours fitted by this build are saved there
	   (mq_modelio.h) with models_seq as the store's counter */
	const char *save_models;
	uint64_t models_seq;
	/* the build id (release name, and "build" in every member's JSON);
	   NULL: from the clock.  Shards and their merge must share one. */
	const char *build_id;
	/*
	 * Shards of the per-member stage.  With nshards > 0 and merge == 0
	 * only members whose index is shard (mod nshards) are computed, and
	 * their files and history lines go to shard_dir/part-I-of-N (made
	 * whole, then renamed into place); nothing is published.  With
	 * merge set, the whole site is built but each member's files are
	 * taken from those parts instead of computed: the site is byte for
	 * byte the one a single process builds with the same build id.
	 */
	uint32_t shard, nshards;
	const char *shard_dir;
	int merge;
};

struct mq_site_stats {
	char build[32];
	size_t files, written, linked;
	uint64_t bytes_raw, bytes_zst;
	uint32_t films, members, genres, shards;
	uint32_t posters_drawn;	/* the others were reused */
};

/* Defaults as above; out, state, templates, assets, data stay NULL. */
void mq_site_opts_init(struct mq_site_opts *o);

/*
 * Build and publish the site of data set d.  On any failure the new
 * release is removed and SITE still points at the previous one.  Returns
 * an mq_rc; st (may be NULL) receives counts.
 */
int mq_site_build(const struct mq_data *d, const struct mq_site_opts *o,
    struct mq_site_stats *st);

/*
 * Make the state directory and, for a site not built yet, its key: what
 * shards need before they run (they never create a key, since two shards
 * racing would make two).  Returns an mq_rc.
 */
int mq_site_prepare(const struct mq_site_opts *o);

/* Whether id is a usable build id: 1..31 of [A-Za-z0-9._-], not "." first. */
int mq_site_build_id_ok(const char *id);

#endif /* MQ_SITE_H */
