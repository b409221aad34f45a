/*
 * mq_site.c - build the published site from a data set and the models.
 *
 * The order of work: models (item, user, random), per-film texts and
 * posters, film documents, genre lists, the title search shards, the
 * members' private lists, fingerprinted assets and the page, then the
 * history of recommendations and the atomic switch (mq_out_commit).
 * Every HTML byte comes from templates/ through mq_tmpl; every JSON string
 * goes through mq_esc.
 */
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "mq_best.h"
#include "mq_buf.h"
#include "mq_err.h"
#include "mq_esc.h"
#include "mq_fold.h"
#include "mq_genre.h"
#include "mq_hash.h"
#include "mq_key.h"
#include "mq_modelio.h"
#include "mq_model.h"
#include "mq_out.h"
#include "mq_poster.h"
#include "mq_site.h"
#include "mq_tmpl.h"

enum { T_CARD, T_RATE, T_MINI, T_FILM, T_MEMBER, T_GENRE, T_GLINK, T_INDEX,
    T_N };

static const char *const tmpl_file[T_N] = {
	"card.html", "rate.html", "mini.html", "film.html", "member.html",
	"genre.html", "genre-link.html", "index.html"
};

/* A past recommendation, from the state directory's recommended.tsv. */
struct hist {
	uint32_t user_id;
	uint32_t movie_id;
	uint32_t date;
	char model[12];
};

struct site {
	const struct mq_data *d;
	const struct mq_site_opts *o;
	struct mq_tmpl t[T_N];
	struct mq_key key;
	struct mq_out out;
	struct mq_best best;		/* the for-you list; item and user inside */
	struct mq_model rnd;
	float *damped;		/* per film, stars */
	double mu;
	char **title;		/* per film, articles in front */
	char **synopsis;	/* per film */
	char **genres;		/* per film: "Comedy, Drama" */
	char **stats;		/* per film: "4.1 ★ from 215 ratings" */
	char **posterpath;	/* per film: "poster/ID.png" */
	/* per film, its JSON object (json_film): film i's is fjson.s
	   [fjson_off[i] .. fjson_off[i + 1]), made once, copied ~40 times
	   per member */
	struct mq_buf fjson;
	size_t *fjson_off;
	struct hist *hist;
	size_t nhist, caphist;
	struct mq_buf a, b, c;	/* reusable buffers */
	char build[32];
	double t0;
	char *part;		/* shard mode: the part being written */
	double tick;		/* last progress line */
	double cpu0;		/* CPU seconds at the stage's start */
	int tty;		/* stderr is a terminal */
};

static int read_file(const char *path, struct mq_buf *b);

void
mq_site_opts_init(struct mq_site_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->nrecs = 5;
	o->nlist = 10;
	o->nsimilar = 10;
	o->ngenre = 20;
	o->npending = 10;
	o->damping = 10;
	o->keep = 3;
}

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds of the process so far, and its peak memory in ru. */
static double
cpu_seconds(struct rusage *ru)
{
	getrusage(RUSAGE_SELF, ru);
	return ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 +
	    ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

static void
stage(struct site *S, const char *name)
{
	struct rusage ru;
	double t = wall(), cpu = cpu_seconds(&ru);

	if (S->o->progress)	/* on a terminal, over a progress line */
		fprintf(stderr, "%sbuild: %-9s %7.3f s wall %8.3f s cpu  peak "
		    "%.1f MiB\n", S->tty ? "\r\033[K" : "", name, t - S->t0,
		    cpu - S->cpu0, ru.ru_maxrss / 1024.0);
	S->t0 = t;
	S->cpu0 = cpu;
	S->tick = t;
}

/*
 * On a terminal, a long stage's progress: done of total, the rate and the
 * time left, redrawn at most once a second (under cron the stage lines
 * above are the log).
 */
static void
progress(struct site *S, const char *name, uint32_t done, uint32_t total)
{
	double t, rate;

	if (!S->o->progress || !S->tty || (done < total &&
	    (done & 255) != 0))
		return;
	t = wall();
	if (done < total && t - S->tick < 1.0)
		return;
	S->tick = t;
	rate = done / (t - S->t0 > 1e-9 ? t - S->t0 : 1e-9);
	fprintf(stderr, "\rbuild: %s %u/%u, %.0f/s, %.0f s left   %s", name,
	    done, total, rate, rate > 0 ? (total - done) / rate : 0.0,
	    done == total ? "\n" : "");
}

/* ------------------------------------------------------------------ */
/* Texts of a film. */

static const char *
year_str(const struct mq_data *d, uint32_t i, char buf[8])
{
	if (d->year[i] <= 0)
		return "";
	snprintf(buf, 8, "%d", d->year[i]);
	return buf;
}

/*
 * MovieLens sorts titles by moving the article to the end: "Silence, The",
 * "Cité des enfants perdus, La".  Put it back in front for display, in the
 * title and in a final alternative title in parentheses.
 */
static void
unsort_title(const char *t, size_t n, struct mq_buf *out)
{
	static const char *const art[] = { "The", "A", "An", "Les", "La", "Le",
	    "L'", "Il", "Lo", "Gli", "I", "Die", "Der", "Das", "El", "Los",
	    "Las", "Un", "Une", "Det", "Den", "De", "Het", "O", "Os", "As",
	    "Ett", "En", "Et" };
	size_t k, al;

	for (k = 0; k < sizeof(art) / sizeof(art[0]); k++) {
		al = strlen(art[k]);
		if (n > al + 2 && !memcmp(t + n - al - 2, ", ", 2) &&
		    !memcmp(t + n - al, art[k], al)) {
			mq_buf_add(out, art[k], al);
			if (art[k][al - 1] != '\'')
				mq_buf_addc(out, ' ');
			mq_buf_add(out, t, n - al - 2);
			return;
		}
	}
	mq_buf_add(out, t, n);
}

static void
display_title(const char *t, struct mq_buf *out)
{
	const char *paren = strstr(t, " (");
	size_t n = strlen(t);

	if (paren && t[n - 1] == ')') {
		unsort_title(t, (size_t)(paren - t), out);
		mq_buf_adds(out, " (");
		unsort_title(paren + 2, (size_t)(t + n - 1 - (paren + 2)), out);
		mq_buf_addc(out, ')');
	} else
		unsort_title(t, n, out);
}

/* "Comedy, Drama and War" into b. */
static void
genre_list(const struct mq_data *d, uint32_t i, const char *last,
    struct mq_buf *b)
{
	unsigned g, n = 0, total = (unsigned)__builtin_popcountll(d->genres[i]);

	for (g = 0; g < d->ngenres; g++) {
		if (!(d->genres[i] & (UINT64_C(1) << g)))
			continue;
		if (n > 0)
			mq_buf_adds(b, n + 1 == total ? last : ", ");
		mq_buf_adds(b, d->genre_name[g]);
		n++;
	}
}

struct ftag {
	uint32_t item;
	const char *text;
};

static int
cmp_ftag(const void *a, const void *b)
{
	const struct ftag *x = a, *y = b;

	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	return strcasecmp(x->text, y->text);
}

/*
 * The three tags members gave film i most often, as "a", "b" and "c",
 * from tags sorted by (film, text).  *pos walks the sorted array.
 */
static void
member_tags(const struct ftag *ft, size_t n, size_t *pos, uint32_t i,
    struct mq_buf *b)
{
	const char *best[3] = { NULL, NULL, NULL };
	size_t cnt[3] = { 0, 0, 0 }, p = *pos, q;
	int k, nb = 0;

	while (p < n && ft[p].item < i)
		p++;
	while (p < n && ft[p].item == i) {
		size_t run = 1;

		while (p + run < n && ft[p + run].item == i &&
		    !strcasecmp(ft[p + run].text, ft[p].text))
			run++;
		for (k = 0; k < 3; k++)
			if (run > cnt[k]) {
				for (q = 2; q > (size_t)k; q--) {
					cnt[q] = cnt[q - 1];
					best[q] = best[q - 1];
				}
				cnt[k] = run;
				best[k] = ft[p].text;
				break;
			}
		p += run;
	}
	*pos = p;
	for (k = 0; k < 3 && best[k]; k++) {
		mq_buf_adds(b, nb ? (k + 1 < 3 && best[k + 1] ? ", " : " and ") :
		    "");
		mq_buf_printf(b, "\u201c%s\u201d", best[k]);
		nb++;
	}
}

/* The genome tags most relevant to film i (relevance >= 0.7). */
static void
genome_tags(const struct mq_data *d, uint32_t i, struct mq_buf *b)
{
	uint32_t best[3] = { 0, 0, 0 }, t;
	float rel[3] = { 0.7f, 0.7f, 0.7f };
	int k, n = 0;

	if (d->genome == NULL)
		return;
	for (t = 0; t < d->ngtags; t++) {
		float r = d->genome[(size_t)i * d->ngtags + t];

		if (!(r >= rel[2]))	/* also skips NaN */
			continue;
		for (k = 0; k < 3; k++)
			if (r > rel[k] || (n <= k)) {
				memmove(&rel[k + 1], &rel[k],
				    (size_t)(2 - k) * sizeof(rel[0]));
				memmove(&best[k + 1], &best[k],
				    (size_t)(2 - k) * sizeof(best[0]));
				rel[k] = r;
				best[k] = t;
				if (n < 3)
					n++;
				break;
			}
	}
	for (k = 0; k < n; k++)
		mq_buf_printf(b, "%s%s", k == 0 ? "" : k + 1 == n ? " and " :
		    ", ", d->gtag_name[best[k]]);
}

/* Bump when the drawing changes: every poster then gets a new name. */
#define POSTER_VERSION	"poster-v1"

/*
 * The poster's name is fingerprinted by what it is drawn from (drawing
 * version, id, title, year, genres, the supplied file's size and time):
 * poster/ID.KEY.png.  An unchanged film keeps its name, so its poster is
 * reused from the previous release without being drawn again, and a CDN
 * may cache it forever.
 */
static int
poster_name(struct site *S, uint32_t i)
{
	const struct mq_data *d = S->d;
	struct mq_buf b = MQ_BUF_INIT;
	struct stat st;
	char hex[65], *sup = NULL;

	mq_buf_printf(&b, "%s\n%u\n%s\n%d\n", POSTER_VERSION, d->movie_id[i],
	    d->title[i], d->year[i]);
	genre_list(d, i, ",", &b);
	if (S->o->data && (sup = mq_strf("%s/posters/%u.png", S->o->data,
	    d->movie_id[i])) != NULL && stat(sup, &st) == 0)
		mq_buf_printf(&b, "\nsupplied %lld %lld", (long long)st.st_size,
		    (long long)st.st_mtime);
	free(sup);
	if (mq_buf_ok(&b)) {
		mq_buf_release(&b);
		return MQ_ENOMEM;
	}
	mq_sha256_hex(b.s, b.len, hex);
	mq_buf_release(&b);
	S->posterpath[i] = mq_strf("poster/%u.%.10s.png", d->movie_id[i], hex);
	return S->posterpath[i] ? MQ_OK : mq_oom();
}

/*
 * The synopsis: the metadata's overview when supplied; otherwise an
 * honest summary from the data (never invented plot text).
 */
static void json_film_make(struct site *S, uint32_t i, struct mq_buf *b);

static int
make_texts(struct site *S)
{
	const struct mq_data *d = S->d;
	struct ftag *ft = NULL;
	size_t nft = 0, pos = 0, k;
	uint32_t i;
	char yb[8];

	S->title = calloc(d->nmovies + 1, sizeof(char *));
	S->synopsis = calloc(d->nmovies + 1, sizeof(char *));
	S->genres = calloc(d->nmovies + 1, sizeof(char *));
	S->stats = calloc(d->nmovies + 1, sizeof(char *));
	S->posterpath = calloc(d->nmovies + 1, sizeof(char *));
	if (!S->title || !S->synopsis || !S->genres || !S->stats ||
	    !S->posterpath)
		return mq_oom();
	if (d->ntags && (ft = mq_allocarray(d->ntags, sizeof(*ft))) == NULL)
		return mq_oom();
	for (k = 0; k < d->ntags; k++)
		ft[nft++] = (struct ftag){ d->tags[k].item, d->tags[k].text };
	qsort(ft, nft, sizeof(*ft), cmp_ftag);

	for (i = 0; i < d->nmovies; i++) {
		size_t n = mq_matrix_ideg(&d->R, i), mark;
		double sum = 0;
		int rc;

		for (k = d->R.i_off[i]; k < d->R.i_off[i + 1]; k++)
			sum += d->R.i_half[k] / 2.0;

		mq_buf_reset(&S->a);
		display_title(d->title[i], &S->a);
		S->title[i] = strdup(S->a.s ? S->a.s : "");
		mq_buf_reset(&S->a);
		genre_list(d, i, ", ", &S->a);
		S->genres[i] = strdup(S->a.s ? S->a.s : "");

		mq_buf_reset(&S->a);
		if (n)
			mq_buf_printf(&S->a, "%.1f of 5 from %zu rating%s", sum / n,
			    n, n == 1 ? "" : "s");
		else
			mq_buf_adds(&S->a, "Not rated yet");
		S->stats[i] = strdup(S->a.s ? S->a.s : "");

		if ((rc = poster_name(S, i)))
			goto fail;

		mq_buf_reset(&S->a);
		if (d->overview && d->overview[i] && *d->overview[i]) {
			mq_buf_adds(&S->a, d->overview[i]);
		} else {
			mq_buf_adds(&S->a, d->year[i] > 0 ? "A " : "A film");
			if (d->year[i] > 0)
				mq_buf_printf(&S->a, "%s film",
				    year_str(d, i, yb));
			if (d->genres[i]) {
				mq_buf_adds(&S->a, ": ");
				genre_list(d, i, " and ", &S->a);
			}
			mq_buf_adds(&S->a, ".");
			mark = S->a.len;
			mq_buf_adds(&S->a, " Members tag it ");
			k = S->a.len;
			member_tags(ft, nft, &pos, i, &S->a);
			if (S->a.len == k)
				S->a.len = mark;
			else
				mq_buf_adds(&S->a, ".");
			mark = S->a.len;
			mq_buf_adds(&S->a, " Its genome says ");
			k = S->a.len;
			genome_tags(d, i, &S->a);
			if (S->a.len == k)
				S->a.len = mark;
			else
				mq_buf_adds(&S->a, ".");
			if (S->a.s)
				S->a.s[S->a.len] = '\0';
			if (n >= 1)
				mq_buf_printf(&S->a, " %zu member%s rated it, "
				    "%.1f of 5 on average.", n, n == 1 ? "" : "s",
				    sum / n);
			else
				mq_buf_adds(&S->a, " Nobody has rated it yet.");
		}
		S->synopsis[i] = strdup(S->a.s ? S->a.s : "");
		if (!S->title[i] || !S->genres[i] || !S->stats[i] ||
		    !S->posterpath[i] || !S->synopsis[i]) {
			free(ft);
			return mq_oom();
		}
		continue;
fail:
		free(ft);
		return rc;
	}
	free(ft);
	if ((S->fjson_off = mq_allocarray((size_t)d->nmovies + 1,
	    sizeof(size_t))) == NULL)
		return mq_oom();
	for (i = 0; i < d->nmovies; i++) {
		S->fjson_off[i] = S->fjson.len;
		json_film_make(S, i, &S->fjson);
	}
	S->fjson_off[d->nmovies] = S->fjson.len;
	if (S->fjson.err)
		return mq_oom();
	return mq_buf_ok(&S->a);
}

/* ------------------------------------------------------------------ */
/* Stages on threads. */

/*
 * The films and members stages run on threads: items 0 .. n-1 are handed
 * out in blocks of BLOCK, in ascending order, so each thread sees its
 * items in ascending order.  Whatever the stage makes of an item must
 * depend on the item alone (each thread has its own scratch and writer),
 * so that the output does not depend on the number of threads or on
 * which thread took which block.
 */
#define BLOCK 64

/* What the threads of one stage share. */
struct blocks {
	struct site *S;
	const char *name;	/* the stage, for progress() */
	int (*one)(void *job, uint32_t i);
	uint32_t n;		/* items */
	pthread_mutex_t lock;	/* the fields below */
	uint32_t next;		/* first item of the next block */
	uint32_t done;		/* blocks finished */
	int rc;			/* the first failure */
};

/* One thread of a stage. */
struct bthread {
	struct blocks *B;
	void *job;		/* the stage's own, passed to one() */
	int main;		/* the thread that reports progress */
};

/*
 * Take blocks until there are none left or a thread has failed: then
 * each thread stops at the end of the block it is on.  Only the main
 * thread calls progress(), which writes S->tick.
 */
static void *
blocks_worker(void *arg)
{
	struct bthread *T = arg;
	struct blocks *B = T->B;
	uint32_t i, from = 0, to = 0, done;
	int rc = MQ_OK;

	for (;;) {
		pthread_mutex_lock(&B->lock);
		if (rc && B->rc == MQ_OK)
			B->rc = rc;
		if (to > from)
			B->done++;
		done = (uint64_t)B->done * BLOCK < B->n ? B->done * BLOCK :
		    B->n;
		from = B->next;
		to = B->rc ? from : B->n - from > BLOCK ? from + BLOCK : B->n;
		B->next = to;
		pthread_mutex_unlock(&B->lock);
		if (from == to)
			break;
		if (T->main)
			progress(B->S, B->name, done, B->n);
		for (i = from; i < to && rc == MQ_OK; i++)
			rc = B->one(T->job, i);
	}
	return NULL;
}

/*
 * Run one(job, i) for every item i < n on nt threads, the caller's among
 * them; thread t passes jobs + t * size as job.  A thread that cannot
 * start leaves its share to the others.  Returns MQ_OK, or the failure
 * of the first item that failed (the other threads stop soon after), or
 * MQ_ENOMEM.
 */
static int
blocks_run(struct site *S, const char *name, uint32_t n, unsigned nt,
    void *jobs, size_t size, int (*one)(void *job, uint32_t i))
{
	struct blocks B;
	struct bthread *T;
	pthread_t *th;
	unsigned t, started = 0;
	int rc;

	memset(&B, 0, sizeof(B));
	B.S = S;
	B.name = name;
	B.one = one;
	B.n = n;
	T = calloc(nt, sizeof(*T));
	th = calloc(nt, sizeof(*th));
	if (T == NULL || th == NULL || pthread_mutex_init(&B.lock, NULL)) {
		free(T);
		free(th);
		return mq_oom();
	}
	for (t = 0; t < nt; t++)
		T[t] = (struct bthread){ &B, (char *)jobs + t * size, t == 0 };
	for (t = 1; t < nt; t++) {
		if (pthread_create(&th[t], NULL, blocks_worker, &T[t]))
			break;
		started = t;
	}
	blocks_worker(&T[0]);
	for (t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	pthread_mutex_destroy(&B.lock);
	if ((rc = B.rc) == MQ_OK)
		progress(S, name, n, n);
	free(T);
	free(th);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Posters. */

/*
 * The posters missing from the previous release (their names carry their
 * content's fingerprint) are drawn, or scaled from DATA/posters/ID.png,
 * on threads (blocks_run), each with its own drawing context, PNG buffer
 * and writer, straight into the release.  A poster depends on its film
 * alone, and the manifests are sorted by path, so the output does not
 * depend on the thread count.
 */
struct pjob {
	struct site *S;
	const uint32_t *todo;	/* films to draw */
	int supplied;		/* DATA/posters exists: look for ID.png */
	struct mq_poster_ctx ctx;
	int ctx_ok;		/* ctx is set up */
	struct mq_out_writer w;
	struct mq_buf png;
};

/* Draw (or scale) the poster of film todo[k], through the thread's job. */
static int
poster_one(void *arg, uint32_t k)
{
	struct pjob *j = arg;
	struct site *S = j->S;
	const struct mq_data *d = S->d;
	const char *gn[MQ_GENRES_MAX];
	uint32_t i = j->todo[k];
	char *sup = NULL;
	struct stat st;
	unsigned g, ng;
	int rc = MQ_EDATA;

	if (j->supplied && (sup = mq_strf("%s/posters/%u.png", S->o->data,
	    d->movie_id[i])) != NULL && stat(sup, &st) == 0) {
		rc = mq_poster_scale(&j->ctx, sup, NULL);
		if (rc == MQ_EDATA)
			mq_warnx("%s: unusable, drawing a poster instead", sup);
	}
	if (rc == MQ_EDATA) {
		for (g = 0, ng = 0; g < d->ngenres; g++)
			if (d->genres[i] & (UINT64_C(1) << g))
				gn[ng++] = d->genre_name[g];
		rc = mq_poster_draw(&j->ctx, d->title[i], d->year[i], gn, ng,
		    d->movie_id[i], NULL);
	}
	if (rc == MQ_OK && (rc = mq_canvas_png(&j->ctx.card, S->posterpath[i],
	    &j->png)) == MQ_OK)
		rc = mq_out_wput(&j->w, S->posterpath[i], &j->png, 0);
	free(sup);
	return rc;
}

static int
make_posters(struct site *S, uint32_t *drawn)
{
	const struct mq_data *d = S->d;
	struct pjob *job = NULL;
	uint32_t *todo, ntodo = 0, i;
	unsigned nt = mq_threads(S->o->threads), t;
	int rc = MQ_OK, reused, supplied = 0;
	struct stat st;
	char *dir;

	if ((todo = mq_allocarray(d->nmovies, sizeof(*todo))) == NULL)
		return mq_oom();
	for (i = 0; i < d->nmovies; i++) {
		if ((rc = mq_out_reuse(&S->out, S->posterpath[i], 0, &reused)))
			goto out;
		if (!reused)
			todo[ntodo++] = i;
	}
	*drawn = ntodo;
	if (nt > ntodo)
		nt = ntodo ? ntodo : 1;
	/* supplied posters: one stat of the directory, not one per film */
	if (S->o->data) {
		if ((dir = mq_strf("%s/posters", S->o->data)) == NULL) {
			rc = mq_oom();
			goto out;
		}
		supplied = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
		free(dir);
	}
	if ((job = calloc(nt, sizeof(*job))) == NULL) {
		rc = mq_oom();
		goto out;
	}
	for (t = 0; t < nt; t++) {
		job[t].S = S;
		job[t].todo = todo;
		job[t].supplied = supplied;
		if ((rc = mq_out_writer_init(&job[t].w, &S->out)) ||
		    (rc = mq_poster_init(&job[t].ctx, NULL, NULL, 0, 0)))
			goto out;
		job[t].ctx_ok = 1;
	}
	rc = blocks_run(S, "posters", ntodo, nt, job, sizeof(*job),
	    poster_one);
out:
	for (t = 0; job != NULL && t < nt; t++) {
		if (job[t].ctx_ok)
			mq_poster_release(&job[t].ctx);
		mq_out_writer_release(&job[t].w);
		mq_buf_release(&job[t].png);
	}
	free(job);
	free(todo);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Fragments and documents of films. */

#define NV(a) (sizeof(a) / sizeof((a)[0]))

/* The rating widget of film i, unique ids prefixed by uid, into out. */
static int
render_rate(struct site *S, uint32_t i, const char *uid, struct mq_buf *out)
{
	char id[16];
	struct mq_tvar v[3];

	snprintf(id, sizeof(id), "%u", S->d->movie_id[i]);
	v[0] = (struct mq_tvar){ "id", id };
	v[1] = (struct mq_tvar){ "title", S->title[i] };
	v[2] = (struct mq_tvar){ "uid", uid };
	return mq_tmpl_render(&S->t[T_RATE], v, NV(v), out);
}

/* A film card (poster, texts, rating widget) into out. */
static int
render_card(struct site *S, uint32_t i, const char *ctx, const char *reason,
    struct mq_buf *out)
{
	const struct mq_data *d = S->d;
	struct mq_buf rate = MQ_BUF_INIT, dir = MQ_BUF_INIT, cast = MQ_BUF_INIT;
	char id[16], uid[40], yb[8];
	struct mq_tvar v[12];
	int rc;

	snprintf(id, sizeof(id), "%u", d->movie_id[i]);
	snprintf(uid, sizeof(uid), "%s-%u", ctx, d->movie_id[i]);
	if ((rc = render_rate(S, i, uid, &rate)))
		goto out;
	/* metadata names are '|'-separated: show them with commas */
	if (d->directors && d->directors[i])
		for (const char *p = d->directors[i]; *p; p++)
			mq_buf_adds(&dir, *p == '|' ? ", " : (char[2]){ *p, 0 });
	if (d->cast && d->cast[i])
		for (const char *p = d->cast[i]; *p; p++)
			mq_buf_adds(&cast, *p == '|' ? ", " : (char[2]){ *p, 0 });
	v[0] = (struct mq_tvar){ "id", id };
	v[1] = (struct mq_tvar){ "title", S->title[i] };
	v[2] = (struct mq_tvar){ "year", year_str(d, i, yb) };
	v[3] = (struct mq_tvar){ "poster", S->posterpath[i] };
	v[4] = (struct mq_tvar){ "genres", S->genres[i] };
	v[5] = (struct mq_tvar){ "reason", reason };
	v[6] = (struct mq_tvar){ "synopsis", S->synopsis[i] };
	v[7] = (struct mq_tvar){ "directors", dir.s };
	v[8] = (struct mq_tvar){ "cast", cast.s };
	v[9] = (struct mq_tvar){ "stats", S->stats[i] };
	v[10] = (struct mq_tvar){ "rate", rate.s };
	/* the film page's own card heads the page; list cards sit under h2 */
	v[11] = (struct mq_tvar){ "level", !strcmp(ctx, "f") ? "2" : "3" };
	if ((rc = mq_buf_ok(&rate)) == MQ_OK && (rc = mq_buf_ok(&dir)) == MQ_OK &&
	    (rc = mq_buf_ok(&cast)) == MQ_OK)
		rc = mq_tmpl_render(&S->t[T_CARD], v, NV(v), out);
out:
	mq_buf_release(&rate);
	mq_buf_release(&dir);
	mq_buf_release(&cast);
	return rc;
}

/* A small film entry (poster thumbnail, title), optional note and widget. */
static int
render_mini(struct site *S, uint32_t i, const char *note, const char *rate,
    struct mq_buf *out)
{
	char id[16], yb[8];
	struct mq_tvar v[6];

	snprintf(id, sizeof(id), "%u", S->d->movie_id[i]);
	v[0] = (struct mq_tvar){ "id", id };
	v[1] = (struct mq_tvar){ "title", S->title[i] };
	v[2] = (struct mq_tvar){ "year", year_str(S->d, i, yb) };
	v[3] = (struct mq_tvar){ "poster", S->posterpath[i] };
	v[4] = (struct mq_tvar){ "note", note };
	v[5] = (struct mq_tvar){ "rate", rate };
	return mq_tmpl_render(&S->t[T_MINI], v, NV(v), out);
}

/* {"id":..,"title":..,"year":..,"genres":[..],"poster":..} into b. */
static void
json_film_make(struct site *S, uint32_t i, struct mq_buf *b)
{
	const struct mq_data *d = S->d;
	unsigned g, n = 0;

	mq_buf_printf(b, "{\"id\": %u, \"title\": ", d->movie_id[i]);
	mq_esc_jstr(b, S->title[i]);
	if (d->year[i] > 0)
		mq_buf_printf(b, ", \"year\": %d", d->year[i]);
	else
		mq_buf_adds(b, ", \"year\": null");
	mq_buf_adds(b, ", \"genres\": [");
	for (g = 0; g < d->ngenres; g++)
		if (d->genres[i] & (UINT64_C(1) << g)) {
			mq_buf_adds(b, n++ ? ", " : "");
			mq_esc_jstr(b, d->genre_name[g]);
		}
	mq_buf_adds(b, "], \"poster\": ");
	mq_esc_jstr(b, S->posterpath[i]);
	mq_buf_addc(b, '}');
}

/* Film i's JSON object, as json_film_make() wrote it once, into b. */
static void
json_film(struct site *S, uint32_t i, struct mq_buf *b)
{
	mq_buf_add(b, S->fjson.s + S->fjson_off[i],
	    S->fjson_off[i + 1] - S->fjson_off[i]);
}

/* A '|'-separated list as a JSON array. */
static void
json_names(struct mq_buf *b, const char *s)
{
	const char *p, *q;
	int n = 0;

	mq_buf_addc(b, '[');
	for (p = s; p && *p; p = *q ? q + 1 : q) {
		char *one;

		q = p + strcspn(p, "|");
		if (q == p)
			continue;
		if ((one = strndup(p, (size_t)(q - p))) == NULL) {
			b->err = 1;
			return;
		}
		mq_buf_adds(b, n++ ? ", " : "");
		mq_esc_jstr(b, one);
		free(one);
	}
	mq_buf_addc(b, ']');
}

/*
 * The films stage: for each film, film/ID.json (and .zst) and the page
 * film/ID.html, on threads (blocks_run), each with its own buffers,
 * similar list and writer.  The rest they only read: what the earlier
 * stages made (the texts and JSON objects of make_texts, the neighbours,
 * the posters' names, the templates); mq_best_similar_content() keeps
 * its scratch to itself and fills its one table under pthread_once.  So
 * a film's files depend on the film alone, not on the number of threads,
 * and both manifests are sorted by path at the commit.
 */
struct fjob {
	struct site *S;
	struct mq_out_writer w;
	struct mq_scored *sim;	/* nsimilar + 1 */
	struct mq_buf js, html, tmp;
};

/* Film i's files, through the thread's job (struct fjob). */
static int
film_one(void *arg, uint32_t i)
{
	struct fjob *J = arg;
	struct site *S = J->S;
	const struct mq_data *d = S->d;
	const struct mq_nbrs *nb = &S->best.item.nb;
	struct mq_buf *js = &J->js, *html = &J->html, *tmp = &J->tmp;
	struct mq_scored *sim = J->sim;
	struct mq_tvar v[8];
	uint32_t q, ns;
	char rel[64], id[16], imdb[16], tmdb[24];
	int rc, content;

	/* a film too rarely rated for the item model: by content */
	content = mq_matrix_ideg(&d->R, i) < S->best.p.new_max ||
	    nb->cnt[i] == 0;
	if (content)
		ns = mq_best_similar_content(&S->best, i, S->o->nsimilar, sim);
	else {
		ns = nb->cnt[i] < S->o->nsimilar ? nb->cnt[i] :
		    S->o->nsimilar;
		for (q = 0; q < ns; q++)
			sim[q] = (struct mq_scored){
			    nb->id[(size_t)i * nb->k + q],
			    nb->sim[(size_t)i * nb->k + q] };
	}
	/* JSON */
	mq_buf_reset(js);
	mq_buf_adds(js, "{\"film\": ");
	json_film(S, i, js);
	mq_buf_printf(js, ",\n \"ratings\": %zu, \"mean\": ",
	    mq_matrix_ideg(&d->R, i));
	if (mq_matrix_ideg(&d->R, i)) {
		double s = 0;
		size_t k;

		for (k = d->R.i_off[i]; k < d->R.i_off[i + 1]; k++)
			s += d->R.i_half[k] / 2.0;
		mq_buf_printf(js, "%.3f", s / mq_matrix_ideg(&d->R, i));
	} else
		mq_buf_adds(js, "null");
	mq_buf_printf(js, ", \"damped_mean\": %.3f", S->damped[i]);
	mq_buf_adds(js, ",\n \"synopsis\": ");
	mq_esc_jstr(js, S->synopsis[i]);
	mq_buf_printf(js, ", \"synopsis_source\": \"%s\"",
	    d->overview && d->overview[i] && *d->overview[i] ?
	    "metadata" : "data");
	mq_buf_adds(js, ",\n \"directors\": ");
	json_names(js, d->directors ? d->directors[i] : NULL);
	mq_buf_adds(js, ", \"cast\": ");
	json_names(js, d->cast ? d->cast[i] : NULL);
	if (d->imdb_id[i])
		mq_buf_printf(js, ",\n \"imdb\": \"tt%07lld\"",
		    (long long)d->imdb_id[i]);
	if (d->tmdb_id[i])
		mq_buf_printf(js, ", \"tmdb\": %lld", (long long)d->tmdb_id[i]);
	mq_buf_printf(js, ",\n \"similar_source\": \"%s\", \"similar\": [",
	    content ? "content" : "ratings");
	for (q = 0; q < ns; q++) {
		mq_buf_adds(js, q ? ",\n  " : "\n  ");
		json_film(S, sim[q].id, js);
		js->len--;	/* reopen the object for the score */
		mq_buf_printf(js, ", \"score\": %.4f}", sim[q].score);
	}
	mq_buf_adds(js, "]}\n");
	snprintf(rel, sizeof(rel), "film/%u.json", d->movie_id[i]);
	if ((rc = mq_out_wput(&J->w, rel, js, MQ_OUT_ZSTD)))
		return rc;

	/* the film page fragment */
	mq_buf_reset(html);
	if ((rc = render_card(S, i, "f", NULL, html)))
		return rc;
	mq_buf_reset(tmp);
	for (q = 0; q < ns; q++)
		if ((rc = render_mini(S, sim[q].id, NULL, NULL, tmp)))
			return rc;
	snprintf(id, sizeof(id), "%u", d->movie_id[i]);
	snprintf(imdb, sizeof(imdb), "%07lld", (long long)d->imdb_id[i]);
	snprintf(tmdb, sizeof(tmdb), "%lld", (long long)d->tmdb_id[i]);
	if ((rc = mq_buf_ok(html)) || (rc = mq_buf_ok(tmp)))
		return rc;
	v[0] = (struct mq_tvar){ "id", id };
	v[1] = (struct mq_tvar){ "title", S->title[i] };
	v[2] = (struct mq_tvar){ "card", html->s };
	v[3] = (struct mq_tvar){ "links",
	    d->imdb_id[i] || d->tmdb_id[i] ? "1" : NULL };
	v[4] = (struct mq_tvar){ "imdb", d->imdb_id[i] ? imdb : NULL };
	v[5] = (struct mq_tvar){ "tmdb", d->tmdb_id[i] ? tmdb : NULL };
	v[6] = (struct mq_tvar){ "similar", tmp->len ? tmp->s : NULL };
	v[7] = (struct mq_tvar){ "bycontent", content ? "1" : NULL };
	mq_buf_reset(js);
	if ((rc = mq_tmpl_render(&S->t[T_FILM], v, NV(v), js)))
		return rc;
	snprintf(rel, sizeof(rel), "film/%u.html", d->movie_id[i]);
	return mq_out_wput(&J->w, rel, js, 0);
}

/* The films stage on mq_threads() threads: MQ_OK or the first failure. */
static int
make_films(struct site *S)
{
	struct fjob *job;
	unsigned nt = mq_threads(S->o->threads), t;
	int rc = MQ_OK;

	if ((job = calloc(nt, sizeof(*job))) == NULL)
		return mq_oom();
	for (t = 0; t < nt && rc == MQ_OK; t++) {
		job[t].S = S;
		if ((rc = mq_out_writer_init(&job[t].w, &S->out)) == MQ_OK &&
		    (job[t].sim = mq_allocarray(S->o->nsimilar + 1,
		    sizeof(*job[t].sim))) == NULL)
			rc = mq_oom();
	}
	if (rc == MQ_OK)
		rc = blocks_run(S, "films", S->d->nmovies, nt, job,
		    sizeof(*job), film_one);
	for (t = 0; t < nt; t++) {
		mq_out_writer_release(&job[t].w);
		free(job[t].sim);
		mq_buf_release(&job[t].js);
		mq_buf_release(&job[t].html);
		mq_buf_release(&job[t].tmp);
	}
	free(job);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Genre lists. */

/* "Sci-Fi" -> "sci-fi", "(all)" -> "all": a-z 0-9 and '-'. */
static void
slug(const char *name, char *out, size_t size)
{
	size_t n = 0;

	for (; *name && n + 1 < size; name++) {
		char c = *name;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = c;
		else if (n && out[n - 1] != '-' && name[1])
			out[n++] = '-';
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
}

static int
make_genres(struct site *S, struct mq_buf *links)
{
	const struct mq_data *d = S->d;
	struct mq_genre_lists gl;
	struct mq_buf idx = MQ_BUF_INIT;
	char sl[64], rel[96], note[96], damp[16], mean[16];
	unsigned g;
	uint32_t r;
	int rc;

	if ((rc = mq_genre_top(&gl, &d->R, d->genres, d->ngenres,
	    S->o->damping, 1, S->o->ngenre)))
		return rc;
	snprintf(damp, sizeof(damp), "%g", S->o->damping);
	snprintf(mean, sizeof(mean), "%.2f", S->mu);
	mq_buf_adds(&idx, "{\"genres\": [");
	for (g = 0; g < gl.nlists; g++) {
		const char *name = g < d->ngenres ? d->genre_name[g] : "All films";
		struct mq_tvar v[5];
		struct mq_tvar lv[2];

		slug(g < d->ngenres ? name : "all", sl, sizeof(sl));
		mq_buf_reset(&S->a);
		mq_buf_reset(&S->b);
		mq_buf_adds(&S->a, "{\"genre\": ");
		mq_esc_jstr(&S->a, name);
		mq_buf_printf(&S->a, ", \"slug\": \"%s\", \"damping\": %g, "
		    "\"mean\": %.4f, \"films\": [", sl, S->o->damping, S->mu);
		for (r = 0; r < gl.cnt[g]; r++) {
			const struct mq_scored *x = &gl.v[(size_t)g * gl.n + r];

			mq_buf_adds(&S->a, r ? ",\n  " : "\n  ");
			json_film(S, x->id, &S->a);
			S->a.len--;
			mq_buf_printf(&S->a, ", \"rank\": %u, \"score\": %.3f, "
			    "\"ratings\": %zu}", r + 1, x->score,
			    mq_matrix_ideg(&d->R, x->id));
			snprintf(note, sizeof(note), "%.2f \u2605, %zu ratings",
			    x->score, mq_matrix_ideg(&d->R, x->id));
			if ((rc = render_mini(S, x->id, note, NULL, &S->b)))
				goto out;
		}
		mq_buf_adds(&S->a, "]}\n");
		snprintf(rel, sizeof(rel), "genre/%s.json", sl);
		if ((rc = mq_out_putb(&S->out, rel, &S->a, MQ_OUT_ZSTD)))
			goto out;
		if ((rc = mq_buf_ok(&S->b)))
			goto out;
		v[0] = (struct mq_tvar){ "slug", sl };
		v[1] = (struct mq_tvar){ "name", name };
		v[2] = (struct mq_tvar){ "items", S->b.s ? S->b.s : "" };
		v[3] = (struct mq_tvar){ "damping", damp };
		v[4] = (struct mq_tvar){ "mean", mean };
		mq_buf_reset(&S->c);
		if ((rc = mq_tmpl_render(&S->t[T_GENRE], v, NV(v), &S->c)))
			goto out;
		snprintf(rel, sizeof(rel), "genre/%s.html", sl);
		if ((rc = mq_out_putb(&S->out, rel, &S->c, 0)))
			goto out;
		lv[0] = (struct mq_tvar){ "slug", sl };
		lv[1] = (struct mq_tvar){ "name", name };
		if ((rc = mq_tmpl_render(&S->t[T_GLINK], lv, NV(lv), links)))
			goto out;
		mq_buf_adds(&idx, g ? ",\n  " : "\n  ");
		mq_buf_adds(&idx, "{\"name\": ");
		mq_esc_jstr(&idx, name);
		mq_buf_printf(&idx, ", \"slug\": \"%s\", \"films\": %u}", sl,
		    gl.cnt[g]);
	}
	mq_buf_adds(&idx, "]}\n");
	rc = mq_out_putb(&S->out, "genre/index.json", &idx, MQ_OUT_ZSTD);
out:
	mq_buf_release(&idx);
	mq_genre_release(&gl);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Title search shards. */

/*
 * Normalise UTF-8 text for search: ASCII letters lowercased, the Latin-1
 * accented letters folded to their base letter, everything else a space.
 */
static void
normalise(const char *s, struct mq_buf *out)
{
	/* U+00C0..U+00FF folded; '*' = not a letter */
	static const char fold[] =
	    "aaaaaaaceeeeiiiidnooooo*ouuuuyts"
	    "aaaaaaaceeeeiiiidnooooo*ouuuuyty";
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		char c = ' ';

		if (*p < 0x80) {
			c = (char)*p;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
				c = ' ';
			p++;
		} else if (*p == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
			c = fold[p[1] - 0x80];
			if (c == '*')
				c = ' ';
			p += 2;
		} else {
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
		}
		if (c != ' ' || (out->len && out->s[out->len - 1] != ' '))
			mq_buf_addc(out, c);
	}
	while (out->len && out->s[out->len - 1] == ' ')
		out->s[--out->len] = '\0';
}

#define NSHARD (37 * 37)

static int
shard_of(const char *w)
{
	int a, b;

	a = w[0] >= 'a' ? w[0] - 'a' : w[0] - '0' + 26;
	if (w[1] == '\0' || w[1] == ' ')
		b = 36;
	else
		b = w[1] >= 'a' ? w[1] - 'a' : w[1] - '0' + 26;
	return a * 37 + b;
}

static void
shard_name(int s, char out[3])
{
	static const char al[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	int a = s / 37, b = s % 37;

	out[0] = al[a];
	out[1] = b == 36 ? '\0' : al[b];
	out[2] = '\0';
}

static int
make_search(struct site *S, uint32_t *nshards)
{
	const struct mq_data *d = S->d;
	struct mq_buf *sh = calloc(NSHARD, sizeof(*sh));
	struct mq_buf norm = MQ_BUF_INIT;
	uint8_t seen[NSHARD];
	char rel[32], nm[3];
	uint32_t i;
	int s, rc = MQ_OK;

	if (sh == NULL)
		return mq_oom();
	*nshards = 0;
	for (i = 0; i < d->nmovies; i++) {
		const char *w;

		mq_buf_reset(&norm);
		normalise(S->title[i], &norm);
		if (norm.err || norm.len == 0)
			continue;
		memset(seen, 0, sizeof(seen));
		for (w = norm.s; *w; ) {
			s = shard_of(w);
			if (!seen[s]) {
				seen[s] = 1;
				mq_buf_adds(&sh[s], sh[s].len ? ",\n " : "[\n ");
				mq_buf_printf(&sh[s], "[%u, ", d->movie_id[i]);
				mq_esc_jstr(&sh[s], S->title[i]);
				if (d->year[i] > 0)
					mq_buf_printf(&sh[s], ", %d, ", d->year[i]);
				else
					mq_buf_adds(&sh[s], ", null, ");
				mq_esc_jstr(&sh[s], norm.s);
				mq_buf_addc(&sh[s], ']');
			}
			w += strcspn(w, " ");
			w += *w == ' ';
		}
	}
	if ((rc = mq_buf_ok(&norm)))
		goto out;
	for (s = 0; s < NSHARD; s++) {
		if (sh[s].len == 0)
			continue;
		mq_buf_adds(&sh[s], "\n]\n");
		shard_name(s, nm);
		snprintf(rel, sizeof(rel), "search/%s.json", nm);
		if ((rc = mq_out_putb(&S->out, rel, &sh[s], MQ_OUT_ZSTD)))
			goto out;
		(*nshards)++;
	}
out:
	for (s = 0; s < NSHARD; s++)
		mq_buf_release(&sh[s]);
	free(sh);
	mq_buf_release(&norm);
	return rc;
}

/* ------------------------------------------------------------------ */
/* History of recommendations (state/recommended.tsv). */

/* Append a history line to the array *v of *n lines (room for *cap). */
static int
hist_push(struct hist **v, size_t *n, size_t *cap, uint32_t user,
    uint32_t movie, uint32_t date, const char *model)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4096;
		struct hist *h = mq_reallocarray(*v, nc, sizeof(*h));

		if (h == NULL)
			return mq_oom();
		*v = h;
		*cap = nc;
	}
	(*v)[*n] = (struct hist){ user, movie, date, "" };
	snprintf((*v)[*n].model, sizeof((*v)[0].model), "%s", model);
	(*n)++;
	return MQ_OK;
}

/*
 * Add the history lines of path.  The state's file (part == 0) may be
 * absent, skips malformed lines with a warning and drops today's lines (a
 * rebuild on the same date replaces them); a shard's part must exist and
 * be whole.
 */
static int
hist_read(struct site *S, char *path, int part)
{
	char *line = NULL;
	size_t cap = 0, ln = 0;
	FILE *f;
	int rc = MQ_OK;

	if ((f = fopen(path, "r")) == NULL) {
		rc = !part && errno == ENOENT ? MQ_OK : MQ_EIO;
		if (rc)
			mq_warn("%s", path);
		free(path);
		return rc;
	}
	while (rc == MQ_OK && getline(&line, &cap, f) > 0) {
		unsigned long u, m, dt;
		char model[12];

		ln++;
		if (sscanf(line, "%lu\t%lu\t%lu\t%11s", &u, &m, &dt, model) != 4 ||
		    u > UINT32_MAX || m > UINT32_MAX || dt > 99991231) {
			mq_warnx("%s:%zu: not a recommendation line%s", path,
			    ln, part ? "" : ", skipped");
			if (part)
				rc = MQ_EDATA;
			continue;
		}
		if (!part && dt == S->o->date)
			continue;
		rc = hist_push(&S->hist, &S->nhist, &S->caphist, (uint32_t)u,
		    (uint32_t)m, (uint32_t)dt, model);
	}
	if (ferror(f)) {
		mq_warn("%s", path);
		rc = MQ_EIO;
	}
	fclose(f);
	free(line);
	free(path);
	return rc;
}

static int
hist_load(struct site *S)
{
	char *path = mq_strf("%s/recommended.tsv", S->o->state);

	return path ? hist_read(S, path, 0) : mq_oom();
}

static int
cmp_hist(const void *a, const void *b)
{
	const struct hist *x = a, *y = b;

	if (x->user_id != y->user_id)
		return x->user_id < y->user_id ? -1 : 1;
	if (x->date != y->date)
		return x->date > y->date ? -1 : 1;	/* newest first */
	return x->movie_id < y->movie_id ? -1 : x->movie_id > y->movie_id;
}

/* History entries from..nhist as recommended.tsv lines, appended to b. */
static void
hist_format(const struct site *S, size_t from, struct mq_buf *b)
{
	size_t k;

	for (k = from; k < S->nhist; k++)
		mq_buf_printf(b, "%u\t%u\t%u\t%s\n", S->hist[k].user_id,
		    S->hist[k].movie_id, S->hist[k].date, S->hist[k].model);
}

static int
hist_save(struct site *S)
{
	struct mq_buf b = MQ_BUF_INIT;
	char *path = NULL;
	int rc = MQ_OK;

	if (S->nhist)
		qsort(S->hist, S->nhist, sizeof(*S->hist), cmp_hist);
	hist_format(S, 0, &b);
	if ((rc = mq_buf_ok(&b)))
		goto out;
	if ((path = mq_strf("%s/recommended.tsv", S->o->state)) == NULL) {
		rc = mq_oom();
		goto out;
	}
	/* private: it says what each member was recommended */
	rc = mq_file_write(path, b.s ? b.s : "", b.len, 0600);
out:
	mq_buf_release(&b);
	free(path);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Members. */

/*
 * The member stage runs on threads (blocks_run): each thread sees its
 * members in ascending order (the history cursor only moves forward).  A
 * member's files depend on nothing but the member, and the history lines
 * are sorted before they are written, so the output does not depend on
 * the number of threads or on which thread took which block.
 */

struct mjob {
	struct site *S;
	struct mshared *M;	/* what the threads share */
	struct mq_out_writer w;
	struct mq_scratch si, su, sr;
	struct mq_best_scratch sb;
	struct mq_scored *li, *lu, *lr;
	struct mq_buf js, html, why, cards, pend, rate, in;
	struct hist *hist;	/* this thread's new history lines */
	size_t nhist, caphist;
	size_t h;		/* cursor in the old history */
};

struct mshared {
	size_t nold;		/* old history lines in S->hist */
	char **parts;		/* merge: the shards' part directories */
};

/* A shard's part directory: DIR/part-I-of-N. */
static char *
part_path(const struct mq_site_opts *o, uint32_t shard)
{
	return mq_strf("%s/part-%u-of-%u", o->shard_dir, shard, o->nshards);
}

/*
 * One member file.  In a shard, written under the part directory (made
 * whole, then renamed, by the caller); otherwise into the release.
 */
static int
member_put(struct mjob *J, const char *rel, const struct mq_buf *b,
    unsigned flags)
{
	struct site *S = J->S;
	char *path, *slash;
	FILE *f;
	int rc = MQ_OK;

	if (S->part == NULL)
		return mq_out_wput(&J->w, rel, b, flags);
	if ((rc = mq_buf_ok(b)))
		return rc;
	if ((path = mq_strf("%s/%s", S->part, rel)) == NULL)
		return mq_oom();
	/* the parents below the part directory */
	for (slash = path + strlen(S->part) + 1; (slash = strchr(slash, '/'));
	    *slash++ = '/') {
		*slash = '\0';
		if (mkdir(path, 0700) && errno != EEXIST) {
			mq_warn("%s", path);
			free(path);
			return MQ_EIO;
		}
	}
	if ((f = fopen(path, "wbx")) == NULL ||
	    fwrite(b->s, 1, b->len, f) != b->len || fclose(f)) {
		mq_warn("%s", path);
		rc = MQ_EIO;
	}
	free(path);
	return rc;
}

/* Merge: member file REL of shard part dir into the release. */
static int
member_take(struct mjob *J, const char *part, const char *rel,
    unsigned flags)
{
	char *path;
	int rc;

	if ((path = mq_strf("%s/%s", part, rel)) == NULL)
		return mq_oom();
	if ((rc = read_file(path, &J->in)) == MQ_OK)
		rc = mq_out_wput(&J->w, rel, &J->in, flags);
	free(path);
	return rc;
}

/* Merge: the history lines a shard wrote (hist.tsv in its part). */
static int
hist_take(struct site *S, const char *part)
{
	char *path = mq_strf("%s/hist.tsv", part);

	return path ? hist_read(S, path, 1) : mq_oom();
}

/* The reason for the film at a "for you" position, in words. */
static void
reason_text(struct site *S, uint8_t why, uint32_t about, struct mq_buf *out)
{
	const struct mq_data *d = S->d;

	mq_buf_reset(out);
	switch (why) {
	case MQ_WHY_ITEM:
		mq_buf_printf(out, "Because you liked %s", S->title[about]);
		break;
	case MQ_WHY_SERIES:
		mq_buf_printf(out, "Next in the series after %s",
		    S->title[about]);
		break;
	case MQ_WHY_DISCOVERY:
		mq_buf_printf(out, "Something different for you: %s",
		    d->genre_name[about]);
		break;
	case MQ_WHY_NEW:
		if (about < d->ngenres)
			mq_buf_printf(out, "New in %s", d->genre_name[about]);
		else
			mq_buf_adds(out, "New on the site");
		break;
	case MQ_WHY_POPULAR:
		mq_buf_adds(out, "Well liked by members");
		break;
	default:
		mq_buf_adds(out, "Members with tastes like yours loved it");
		break;
	}
}

static const char *const why_name[] = { "item", "user", "series",
    "discovery", "new", "popular" };

static void
json_list(struct site *S, const char *name, const struct mq_scored *v,
    uint32_t n, struct mq_buf *b)
{
	uint32_t r;

	mq_buf_printf(b, ",\n \"%s\": [", name);
	for (r = 0; r < n; r++) {
		mq_buf_adds(b, r ? ",\n  " : "\n  ");
		json_film(S, v[r].id, b);
		b->len--;
		mq_buf_printf(b, ", \"score\": %.5g}", v[r].score);
	}
	mq_buf_addc(b, ']');
}

/* One member's files: recs.json(.zst), recs.html, and history lines. */
static int
member_one(struct mjob *J, uint32_t u)
{
	struct site *S = J->S;
	const struct mshared *M = J->M;
	const struct mq_data *d = S->d;
	const uint32_t nl = S->o->nlist, date = (uint32_t)S->o->date;
	struct mq_scored fy[5];
	struct mq_tvar v[2];
	uint8_t from[5];
	uint32_t about[5], ni, nu, nr, nf, r, np = 0, uid_raw = d->user_id[u];
	size_t h, nold = M->nold;
	char hex[MQ_MEMBER_HEX], rel[64], uid[24];
	int rc;

	mq_key_member(&S->key, uid_raw, hex);
	if (S->o->merge) {
		const char *part = M->parts[u % S->o->nshards];

		snprintf(rel, sizeof(rel), "m/%s/recs.json", hex);
		if ((rc = member_take(J, part, rel,
		    MQ_OUT_ZSTD | MQ_OUT_PRIVATE)))
			return rc;
		snprintf(rel, sizeof(rel), "m/%s/recs.html", hex);
		return member_take(J, part, rel, MQ_OUT_PRIVATE);
	}
	mq_best_recommend(&S->best, &J->sb, u, S->o->nrecs, fy, from, about,
	    &nf);
	/* the item and member lists are the heads of the longer ones the
	   blend just ranked (a top-k list's head is the top of fewer) */
	if (nl <= S->best.p.ncand) {
		ni = nl < J->sb.ni ? nl : J->sb.ni;
		nu = nl < J->sb.nu ? nl : J->sb.nu;
		memcpy(J->li, J->sb.ci, ni * sizeof(*J->li));
		memcpy(J->lu, J->sb.cu, nu * sizeof(*J->lu));
	} else {
		mq_model_recommend(&S->best.item, &J->si, u, nl, J->li, &ni);
		mq_model_recommend(&S->best.user, &J->su, u, nl, J->lu, &nu);
	}
	mq_model_recommend(&S->rnd, &J->sr, u, nl, J->lr, &nr);

	mq_buf_reset(&J->js);
	mq_buf_reset(&J->cards);
	/* nothing of the run itself (build id, date): a list that did not
	   change is the same file, and the next release links it */
	mq_buf_printf(&J->js, "{\"user\": %u,\n \"for_you\": [", uid_raw);
	for (r = 0; r < nf; r++) {
		reason_text(S, from[r], about[r], &J->why);
		if ((rc = mq_buf_ok(&J->why)))
			return rc;
		mq_buf_adds(&J->js, r ? ",\n  " : "\n  ");
		json_film(S, fy[r].id, &J->js);
		J->js.len--;
		mq_buf_printf(&J->js, ", \"why\": \"%s\", \"reason\": ",
		    why_name[from[r]]);
		mq_esc_jstr(&J->js, J->why.s);
		mq_buf_printf(&J->js, ", \"score\": %.5g}", fy[r].score);
		if ((rc = render_card(S, fy[r].id, "r", J->why.s, &J->cards)))
			return rc;
	}
	mq_buf_addc(&J->js, ']');
	json_list(S, "item", J->li, ni, &J->js);
	json_list(S, "user_based", J->lu, nu, &J->js);
	json_list(S, "random", J->lr, nr, &J->js);

	/* earlier runs' films the member has not rated yet */
	while (J->h < nold && S->hist[J->h].user_id < uid_raw)
		J->h++;
	mq_buf_reset(&J->pend);
	mq_buf_adds(&J->js, ",\n \"pending\": [");
	for (h = J->h; h < nold && S->hist[h].user_id == uid_raw; h++) {
		const struct hist *e = &S->hist[h];
		int64_t j = mq_data_movie(d, e->movie_id);
		size_t q;

		if (j < 0 || e->date >= date || np >= S->o->npending ||
		    mq_matrix_find(&d->R, u, (uint32_t)j) != (size_t)-1)
			continue;
		/* already on today's list: asked there */
		for (r = 0; r < nf; r++)
			if (fy[r].id == (uint32_t)j)
				break;
		if (r < nf)
			continue;
		/* once per film: the newest entry wins */
		for (q = h; q > 0 && S->hist[q - 1].user_id == uid_raw; q--)
			if (S->hist[q - 1].movie_id == e->movie_id &&
			    S->hist[q - 1].date < date)
				break;
		if (q > 0 && S->hist[q - 1].user_id == uid_raw &&
		    S->hist[q - 1].movie_id == e->movie_id)
			continue;
		mq_buf_adds(&J->js, np ? ",\n  " : "\n  ");
		json_film(S, (uint32_t)j, &J->js);
		J->js.len--;
		mq_buf_printf(&J->js, ", \"recommended\": %u}", e->date);
		snprintf(uid, sizeof(uid), "p%u", np);
		mq_buf_reset(&J->rate);
		if ((rc = render_rate(S, (uint32_t)j, uid, &J->rate)) ||
		    (rc = mq_buf_ok(&J->rate)) ||
		    (rc = render_mini(S, (uint32_t)j, NULL, J->rate.s, &J->pend)))
			return rc;
		np++;
	}
	J->h = h;
	mq_buf_adds(&J->js, "]}\n");

	snprintf(rel, sizeof(rel), "m/%s/recs.json", hex);
	if ((rc = member_put(J, rel, &J->js, MQ_OUT_ZSTD | MQ_OUT_PRIVATE)))
		return rc;
	if ((rc = mq_buf_ok(&J->cards)) || (rc = mq_buf_ok(&J->pend)))
		return rc;
	v[0] = (struct mq_tvar){ "cards", J->cards.len ? J->cards.s : NULL };
	v[1] = (struct mq_tvar){ "pending", J->pend.len ? J->pend.s : NULL };
	mq_buf_reset(&J->html);
	if ((rc = mq_tmpl_render(&S->t[T_MEMBER], v, NV(v), &J->html)))
		return rc;
	snprintf(rel, sizeof(rel), "m/%s/recs.html", hex);
	if ((rc = member_put(J, rel, &J->html, MQ_OUT_PRIVATE)))
		return rc;
	for (r = 0; r < nf; r++)
		if ((rc = hist_push(&J->hist, &J->nhist, &J->caphist, uid_raw,
		    d->movie_id[fy[r].id], date, why_name[from[r]])))
			return rc;
	return MQ_OK;
}

/* Member u, when it is this shard's (or there are no shards). */
static int
member_job(void *arg, uint32_t u)
{
	struct mjob *J = arg;
	const struct mq_site_opts *o = J->S->o;

	if (!o->merge && o->nshards && u % o->nshards != o->shard)
		return MQ_OK;
	return member_one(J, u);
}

static int
mjob_init(struct mjob *J, struct site *S, struct mshared *M)
{
	const uint32_t nl = S->o->nlist;
	int rc;

	memset(J, 0, sizeof(*J));
	J->S = S;
	J->M = M;
	if ((rc = mq_out_writer_init(&J->w, &S->out)))
		return rc;
	J->li = mq_allocarray(nl, sizeof(*J->li));
	J->lu = mq_allocarray(nl, sizeof(*J->lu));
	J->lr = mq_allocarray(nl, sizeof(*J->lr));
	if (!J->li || !J->lu || !J->lr)
		return mq_oom();
	if ((rc = mq_scratch_init(&J->si, &S->best.item, nl)) ||
	    (rc = mq_scratch_init(&J->su, &S->best.user, nl)) ||
	    (rc = mq_scratch_init(&J->sr, &S->rnd, nl)) ||
	    (rc = mq_best_scratch_init(&J->sb, &S->best)))
		return rc;
	return MQ_OK;
}

static void
mjob_release(struct mjob *J)
{
	mq_out_writer_release(&J->w);
	mq_scratch_release(&J->si);
	mq_scratch_release(&J->su);
	mq_scratch_release(&J->sr);
	mq_best_scratch_release(&J->sb);
	free(J->li);
	free(J->lu);
	free(J->lr);
	mq_buf_release(&J->js);
	mq_buf_release(&J->html);
	mq_buf_release(&J->why);
	mq_buf_release(&J->cards);
	mq_buf_release(&J->pend);
	mq_buf_release(&J->rate);
	mq_buf_release(&J->in);
	free(J->hist);
}

static int
make_members(struct site *S)
{
	struct mshared M;
	struct mjob *job = NULL;
	unsigned nt = mq_threads(S->o->threads), t;
	size_t k;
	int rc = MQ_OK;

	memset(&M, 0, sizeof(M));
	M.nold = S->nhist;
	/* the history sorted by member, newest first, for the pending lists */
	if (M.nold)
		qsort(S->hist, M.nold, sizeof(*S->hist), cmp_hist);
	if (S->o->merge && (M.parts = calloc(S->o->nshards,
	    sizeof(*M.parts))) == NULL) {
		rc = mq_oom();
		goto out;
	}
	for (k = 0; S->o->merge && k < S->o->nshards; k++)
		if ((M.parts[k] = part_path(S->o, (uint32_t)k)) == NULL) {
			rc = mq_oom();
			goto out;
		}
	if ((job = calloc(nt, sizeof(*job))) == NULL) {
		rc = mq_oom();
		goto out;
	}
	for (t = 0; t < nt; t++)
		if ((rc = mjob_init(&job[t], S, &M)))
			goto out;
	if ((rc = blocks_run(S, "members", S->d->nusers, nt, job,
	    sizeof(*job), member_job)))
		goto out;
	/* today's lines after the old ones, in member order */
	for (t = 0; t < nt && rc == MQ_OK; t++)
		for (k = 0; k < job[t].nhist && rc == MQ_OK; k++)
			rc = hist_push(&S->hist, &S->nhist, &S->caphist,
			    job[t].hist[k].user_id, job[t].hist[k].movie_id,
			    job[t].hist[k].date, job[t].hist[k].model);
	if (rc == MQ_OK && S->nhist > M.nold)
		qsort(S->hist + M.nold, S->nhist - M.nold, sizeof(*S->hist),
		    cmp_hist);
	for (k = 0; rc == MQ_OK && S->o->merge && k < S->o->nshards; k++)
		rc = hist_take(S, M.parts[k]);
out:
	for (t = 0; job != NULL && t < nt; t++)
		mjob_release(&job[t]);
	free(job);
	for (k = 0; M.parts != NULL && k < S->o->nshards; k++)
		free(M.parts[k]);
	free(M.parts);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Assets, page, manifest. */

static int
read_file(const char *path, struct mq_buf *b)
{
	mq_buf_reset(b);
	return mq_buf_read_file(b, path);
}

/*
 * Copy the files of the assets directory: .css and .js under
 * assets/STEM.HASH.EXT (immutable: a new content gets a new name), other
 * files as they are at the top.  css and js receive the names of
 * style.css and app.js.
 */
static int
make_assets(struct site *S, char **css, char **js)
{
	struct dirent *de;
	DIR *dir;
	char hash[65], *path, *rel;
	int rc = MQ_OK;

	if ((dir = opendir(S->o->assets)) == NULL) {
		mq_warn("%s", S->o->assets);
		return MQ_EIO;
	}
	while (rc == MQ_OK && (de = readdir(dir)) != NULL) {
		const char *dot = strrchr(de->d_name, '.');
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if ((path = mq_strf("%s/%s", S->o->assets, de->d_name)) == NULL) {
			rc = mq_oom();
			break;
		}
		/* regular files only: a link could publish a secret */
		if (lstat(path, &st) || !S_ISREG(st.st_mode) ||
		    (rc = read_file(path, &S->a))) {
			free(path);
			continue;
		}
		free(path);
		if (dot && (!strcmp(dot, ".css") || !strcmp(dot, ".js"))) {
			mq_sha256_hex(S->a.s ? S->a.s : "", S->a.len, hash);
			rel = mq_strf("assets/%.*s.%.10s%s",
			    (int)(dot - de->d_name), de->d_name, hash, dot);
		} else
			rel = mq_strf("%s", de->d_name);
		if (rel == NULL) {
			rc = mq_oom();
			break;
		}
		rc = mq_out_putb(&S->out, rel, &S->a, 0);
		if (!strcmp(de->d_name, "style.css") && *css == NULL)
			*css = rel;
		else if (!strcmp(de->d_name, "app.js") && *js == NULL)
			*js = rel;
		else
			free(rel);
	}
	closedir(dir);
	if (rc == MQ_OK && (*css == NULL || *js == NULL)) {
		mq_warnx("%s: style.css and app.js are needed", S->o->assets);
		rc = MQ_EIO;
	}
	return rc;
}

/* SHA-256 of a data file, "absent", or "unreadable". */
static void
file_sum(const char *dir, const char *name, char hex[65])
{
	unsigned char sum[32];
	char *path = mq_strf("%s/%s", dir, name);
	uint64_t size;
	int present;

	snprintf(hex, 65, "unreadable");
	if (path != NULL && mq_sha256_file(path, &present, &size, sum) ==
	    MQ_OK) {
		if (present)
			mq_sha256_tohex(sum, hex);
		else
			snprintf(hex, 65, "absent");
	}
	free(path);
}

static int
make_index(struct site *S, const char *css, const char *js,
    const struct mq_buf *links)
{
	const struct mq_data *d = S->d;
	char films[16], members[16], ratings[24];
	struct mq_tvar v[7];
	int rc;

	snprintf(films, sizeof(films), "%u", d->nmovies);
	snprintf(members, sizeof(members), "%u", d->nusers);
	snprintf(ratings, sizeof(ratings), "%zu", d->R.nnz);
	if ((rc = mq_buf_ok(links)))
		return rc;
	v[0] = (struct mq_tvar){ "css", css };
	v[1] = (struct mq_tvar){ "js", js };
	v[2] = (struct mq_tvar){ "genres", links->s };
	v[3] = (struct mq_tvar){ "build", S->build };
	v[4] = (struct mq_tvar){ "films", films };
	v[5] = (struct mq_tvar){ "members", members };
	v[6] = (struct mq_tvar){ "ratings", ratings };
	mq_buf_reset(&S->a);
	if ((rc = mq_tmpl_render(&S->t[T_INDEX], v, NV(v), &S->a)))
		return rc;
	return mq_out_putb(&S->out, "index.html", &S->a, 0);
}

/* ------------------------------------------------------------------ */

/*
 * Make or check the state directory (a directory of ours, not writable
 * by others, never a link) and take its lock: one build of a site at a
 * time.  *lockfd holds the lock until closed.
 */
static int
state_open(struct site *S, int *lockfd)
{
	const char *dir = S->o->state;
	struct stat st;
	char *path;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		mq_warn("%s", dir);
		return MQ_EIO;
	}
	if (lstat(dir, &st)) {
		mq_warn("%s", dir);
		return MQ_EIO;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		mq_warnx("%s: the state directory must be a directory of this "
		    "user, not writable by others (and not a link)", dir);
		return MQ_EDATA;
	}
	if ((path = mq_strf("%s/build.lock", dir)) == NULL)
		return mq_oom();
	*lockfd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*lockfd < 0) {
		mq_warn("%s", path);
		free(path);
		return MQ_EIO;
	}
	if (flock(*lockfd, LOCK_EX | LOCK_NB)) {
		mq_warnx("%s: another build of this site is running", path);
		free(path);
		return MQ_EIO;
	}
	free(path);
	return MQ_OK;
}

/*
 * Before the switch: the release holds a document, a page and a poster
 * for every film, a list for every member and the page itself.  A release
 * that fails is not published.
 */
static int
check_release(struct site *S)
{
	const struct mq_out *o = &S->out;
	size_t fj = mq_out_count(o, "film/", ".json");
	size_t fh = mq_out_count(o, "film/", ".html");
	size_t po = mq_out_count(o, "poster/", ".png");
	size_t me = mq_out_count(o, "m/", "/recs.json");
	size_t ix = mq_out_count(o, "index.html", "");

	if (fj != S->d->nmovies || fh != S->d->nmovies ||
	    po != S->d->nmovies || me != S->d->nusers || ix != 1) {
		mq_warnx("%s: incomplete release (%zu/%zu/%zu films of %u, "
		    "%zu members of %u, page %zu): not published", o->dir,
		    fj, fh, po, S->d->nmovies, me, S->d->nusers, ix);
		return MQ_EDATA;
	}
	return MQ_OK;
}

static void
site_release(struct site *S)
{
	uint32_t i;
	int k;

	for (k = 0; k < T_N; k++)
		mq_tmpl_release(&S->t[k]);
	mq_best_release(&S->best);
	mq_model_release(&S->rnd);
	free(S->damped);
	free(S->part);
	for (i = 0; S->d && i < S->d->nmovies; i++) {
		if (S->title)
			free(S->title[i]);
		if (S->synopsis)
			free(S->synopsis[i]);
		if (S->genres)
			free(S->genres[i]);
		if (S->stats)
			free(S->stats[i]);
		if (S->posterpath)
			free(S->posterpath[i]);
	}
	free(S->title);
	free(S->synopsis);
	free(S->genres);
	free(S->stats);
	free(S->posterpath);
	mq_buf_release(&S->fjson);
	free(S->fjson_off);
	free(S->hist);
	mq_buf_release(&S->a);
	mq_buf_release(&S->b);
	mq_buf_release(&S->c);
	sodium_memzero(&S->key, sizeof(S->key));
}

/*
 * Load the site key into S->key.  A new key only when may_create and the
 * site does not exist yet: a lost key would silently move every member's
 * private path.
 */
static int
key_open(struct site *S, int may_create)
{
	struct stat sb;
	char *path;
	int rc;

	if ((path = mq_strf("%s/site.key", S->o->state)) == NULL)
		return mq_oom();
	rc = mq_key_load(&S->key, path, may_create && lstat(S->o->out, &sb));
	free(path);
	return rc;
}

int
mq_site_prepare(const struct mq_site_opts *o)
{
	struct site S;
	int rc, lockfd = -1;

	memset(&S, 0, sizeof(S));
	S.o = o;
	if ((rc = state_open(&S, &lockfd)))
		return rc;
	rc = key_open(&S, 1);
	sodium_memzero(&S.key, sizeof(S.key));
	close(lockfd);
	return rc;
}

int
mq_site_build_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 31 || id[0] == '.' || id[0] == '-')
		return 0;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

/*
 * A shard: its members' files and new history lines into
 * part-I-of-N.tmp, renamed to part-I-of-N once whole.
 */
static int
shard_run(struct site *S)
{
	const struct mq_site_opts *o = S->o;
	struct mq_buf b = MQ_BUF_INIT;
	char *final = NULL, *hist = NULL;
	size_t nold = S->nhist;
	int rc;

	if ((final = part_path(o, o->shard)) == NULL ||
	    (S->part = mq_strf("%s.tmp", final)) == NULL ||
	    (hist = mq_strf("%s/hist.tsv", S->part)) == NULL) {
		rc = mq_oom();
		goto out;
	}
	if (mkdir(o->shard_dir, 0700) && errno != EEXIST) {
		mq_warn("%s", o->shard_dir);
		rc = MQ_EIO;
		goto out;
	}
	if ((rc = mq_file_rmtree(S->part)))
		goto out;
	if (mkdir(S->part, 0700)) {
		mq_warn("%s", S->part);
		rc = MQ_EIO;
		goto out;
	}
	if ((rc = make_members(S)))
		goto out;
	hist_format(S, nold, &b);
	/* whole and on disk before it is named complete */
	if ((rc = mq_buf_ok(&b)) ||
	    (rc = mq_file_write(hist, b.s ? b.s : "", b.len, 0600)) ||
	    (rc = mq_file_sync(S->part)) || (rc = mq_file_rmtree(final)))
		goto out;
	if (rename(S->part, final)) {
		mq_warn("rename %s", final);
		rc = MQ_EIO;
	}
out:
	if (rc && S->part)
		mq_file_rmtree(S->part);
	mq_buf_release(&b);
	free(final);
	free(hist);
	return rc;
}

int
mq_site_build(const struct mq_data *d, const struct mq_site_opts *o,
    struct mq_site_stats *st)
{
	struct site S;
	struct mq_best_params bp;
	struct mq_params p;
	struct mq_buf links = MQ_BUF_INIT, extra = MQ_BUF_INIT;
	char *css = NULL, *js = NULL, *path = NULL, hex[65];
	uint32_t nshards = 0, drawn = 0;
	int fitted;
	size_t k;
	time_t now = time(NULL);
	struct rusage ru;
	struct tm tm;
	int rc, i, opened = 0, lockfd = -1, sharded;

	memset(&S, 0, sizeof(S));
	S.d = d;
	S.o = o;
	S.t0 = S.tick = wall();
	S.tty = isatty(STDERR_FILENO);
	S.cpu0 = cpu_seconds(&ru);
	gmtime_r(&now, &tm);
	strftime(S.build, sizeof(S.build), "%Y%m%dT%H%M%SZ", &tm);
	if (o->build_id != NULL) {
		if (!mq_site_build_id_ok(o->build_id)) {
			mq_warnx("build id '%s': 1 to 31 of A-Z a-z 0-9 . _ -, "
			    "not starting with . or -", o->build_id);
			rc = MQ_EUSAGE;
			goto out;
		}
		snprintf(S.build, sizeof(S.build), "%s", o->build_id);
	}
	if (o->nshards && (o->shard >= o->nshards || o->shard_dir == NULL)) {
		mq_warnx("shard %u of %u: no such shard, or no shard directory",
		    o->shard, o->nshards);
		rc = MQ_EUSAGE;
		goto out;
	}
	sharded = o->nshards > 0 && !o->merge;
	if (o->nrecs < 1 || o->nrecs > 5) {
		mq_warnx("\"for you\" lists hold 1 to 5 films, not %u", o->nrecs);
		rc = MQ_EUSAGE;
		goto out;
	}
	/* shards only read the state (key, history): many run at once */
	if (!sharded && (rc = state_open(&S, &lockfd)))
		goto out;
	for (i = 0; i < T_N; i++) {
		free(path);
		if ((path = mq_strf("%s/%s", o->templates, tmpl_file[i])) ==
		    NULL) {
			rc = mq_oom();
			goto out;
		}
		if ((rc = mq_tmpl_load(&S.t[i], path)))
			goto out;
	}
	free(path);
	path = NULL;
	if ((rc = key_open(&S, !sharded)))
		goto out;
	if ((rc = hist_load(&S)))
		goto out;
	stage(&S, "setup");

	if (o->best)
		bp = *o->best;
	else
		mq_best_params_init(&bp);
	bp.threads = o->threads;
	fitted = bp.item_pre == NULL;
	if ((rc = mq_best_fit(&S.best, &d->R, d, &bp)))
		goto out;
	if (o->best)	/* taken over */
		o->best->item_pre = o->best->user_pre = NULL;

	mq_params_init(&p, MQ_MODEL_RANDOM);
	p.seed = o->date;
	if ((rc = mq_model_fit(&S.rnd, MQ_MODEL_RANDOM, &d->R, &p)))
		goto out;
	if ((S.damped = mq_allocarray(d->nmovies, sizeof(float))) == NULL) {
		rc = mq_oom();
		goto out;
	}
	mq_genre_damped(&d->R, o->damping, S.damped, &S.mu);
	stage(&S, "models");

	if ((rc = make_texts(&S)))
		goto out;
	if (sharded) {
		rc = shard_run(&S);
		stage(&S, "members");
		goto out;
	}
	if ((rc = mq_out_begin(&S.out, o->out, S.build)))
		goto out;
	opened = 1;
	snprintf(S.build, sizeof(S.build), "%s", S.out.id);
	stage(&S, "texts");
	if ((rc = make_posters(&S, &drawn)))
		goto out;
	stage(&S, "posters");
	if ((rc = make_films(&S)))
		goto out;
	stage(&S, "films");
	if ((rc = make_genres(&S, &links)))
		goto out;
	if ((rc = make_search(&S, &nshards)))
		goto out;
	stage(&S, "lists");
	if ((rc = make_members(&S)))
		goto out;
	stage(&S, "members");
	if ((rc = make_assets(&S, &css, &js)) ||
	    (rc = make_index(&S, css, js, &links)))
		goto out;
	if ((rc = check_release(&S)))
		goto out;

	mq_buf_printf(&extra, "\"date\": %llu,\n  \"counts\": {\"films\": %u, "
	    "\"members\": %u, \"ratings\": %zu, \"tags\": %zu, \"genres\": %u, "
	    "\"search_shards\": %u},\n  \"data\": {",
	    (unsigned long long)o->date, d->nmovies, d->nusers, d->R.nnz,
	    d->ntags, d->ngenres, nshards);
	for (k = 0; k < MQ_F_NFILES; k++) {
		/* hashed already when the data came through a snapshot */
		if (d->stats[k].sha256[0])
			snprintf(hex, sizeof(hex), "%s", d->stats[k].sha256);
		else
			file_sum(o->data, mq_data_file_name[k], hex);
		mq_buf_printf(&extra, "%s\"%s\": \"%s\"", k ? ", " : "",
		    mq_data_file_name[k], hex);
	}
	mq_buf_addc(&extra, '}');
	if ((rc = mq_buf_ok(&extra)))
		goto out;
	/* the endpoint's fold-in file, then the history: a crash after
	   them only re-asks for a rating */
	free(path);
	if ((path = mq_strf("%s/foldin.bin", o->state)) == NULL) {
		rc = mq_oom();
		goto out;
	}
	if ((rc = mq_fold_write(path, S.build, d, &S.best.item.nb,
	    S.best.fallback, S.title, S.posterpath)))
		goto out;
	/* and the release's own copy, for a rollback to put back */
	free(path);
	if ((path = mq_strf("%s.foldin.bin", S.out.dir)) == NULL) {
		rc = mq_oom();
		goto out;
	}
	if ((rc = mq_fold_write(path, S.build, d, &S.best.item.nb,
	    S.best.fallback, S.title, S.posterpath)))
		goto out;
	if ((rc = hist_save(&S)))
		goto out;
	if ((rc = mq_out_commit(&S.out, extra.s, o->keep)))
		goto out;
	/* the models of a published build, for the nights without training */
	if (fitted && o->save_models) {
		struct mq_modelio_meta mm = { (uint32_t)o->date, o->models_seq,
		    S.best.item.nb.k, S.best.user.nb.k };

		if ((rc = mq_modelio_save(o->save_models, d, &S.best.item.nb,
		    &S.best.user.nb, &mm)))
			goto out;
	}
	stage(&S, "publish");
	if (st) {
		memset(st, 0, sizeof(*st));
		snprintf(st->build, sizeof(st->build), "%s", S.build);
		st->files = S.out.nfiles;
		st->written = S.out.nwritten;
		st->linked = S.out.nlinked;
		st->bytes_raw = S.out.bytes_raw;
		st->bytes_zst = S.out.bytes_zst;
		st->films = d->nmovies;
		st->members = d->nusers;
		st->genres = d->ngenres;
		st->shards = nshards;
		st->posters_drawn = drawn;
	}
out:
	if (opened)
		mq_out_abort(&S.out);	/* after a commit: only frees */
	free(path);
	free(css);
	free(js);
	mq_buf_release(&links);
	mq_buf_release(&extra);
	site_release(&S);
	if (lockfd >= 0)
		close(lockfd);	/* releases the lock */
	return rc;
}
