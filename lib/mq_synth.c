/*
 * mq_synth.c - the deterministic, MovieLens-shaped synthetic data set.
 *
 * The model, in the order the code builds it:
 *
 *  - 19 genre vectors in a K-dimensional taste space, built from a few
 *    overlapping "clusters" (action, family, crime, heart, dark, real) so
 *    related genres point the same way;
 *  - films, created in release order: a year (1920-2018, skewed recent),
 *    1-4 genres drawn with MovieLens frequencies and co-occurrences, a taste
 *    vector near the mean of their genre vectors, a quality, a title from
 *    word lists (sequels reuse an earlier title and its genres); then
 *    numbered with sparse, growing movieIds in the order MovieLens added
 *    them, and ranked for a Zipf-like popularity tied to quality and age;
 *  - members, generated and written one at a time from their own random
 *    stream: a heavy-tailed number of ratings, a start date and a session
 *    pattern of timestamps, a taste mixed from 1-3 preferred genres that
 *    drifts along their history, a rating bias, a habit of half stars;
 *    each rating picks an unseen, already released film by popularity
 *    (alias table) times affinity (rejection), and maps bias + quality +
 *    affinity + noise onto the star histogram of MovieLens;
 *  - tags from a vocabulary tied to genres, written by a few members;
 *  - links (imdbId, tmdbId) and the genome (relevance of each genome tag
 *    for each film with enough ratings, from the taste vectors).
 *
 * Speed: numbers are formatted by hand into a 1 MiB buffer; the per-rating
 * work is a few random numbers, one K-dot product and one exp().
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mq_err.h"
#include "mq_matrix.h"
#include "mq_rng.h"
#include "mq_synth.h"

#define K		12	/* taste dimensions */
#define NGENRES		19
#define NCLUSTERS	6
#define WB_CAP		(1u << 20)
#define T_START		820454400LL	/* 1996-01-01 00:00:00 UTC */
#define T_END		1538265600LL	/* 2018-09-30 00:00:00 UTC */
#define T_HALFSTARS	1045526400LL	/* 2003-02-18: half stars appear */
#define YEAR_MIN	1920
#define YEAR_MAX	2018
#define GENOME_MIN	10	/* ratings a film needs to get genome scores */
#define MOVIES_MAX	1000000u

/* Independent random streams, mixed with the seed. */
enum stream {
	S_GENRE = 1, S_FILM, S_POP, S_IDS, S_LINKS, S_ACTIVITY, S_MEMBER,
	S_GTAGS, S_GENOME
};

static const char *const genre_name[NGENRES] = {
	"Action", "Adventure", "Animation", "Children", "Comedy", "Crime",
	"Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "IMAX",
	"Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"
};

enum { G_ACTION, G_ADVENTURE, G_ANIMATION, G_CHILDREN, G_COMEDY, G_CRIME,
    G_DOCUMENTARY, G_DRAMA, G_FANTASY, G_NOIR, G_HORROR, G_IMAX, G_MUSICAL,
    G_MYSTERY, G_ROMANCE, G_SCIFI, G_THRILLER, G_WAR, G_WESTERN };

#define B(g)	(1u << (g))

/* Films per genre in ml-20m, in hundreds: the draw weights. */
static const double genre_weight[NGENRES] = {
	35, 23, 10, 11, 84, 29, 25, 133, 14, 3.3, 26, 0, 10, 15, 41, 17, 42,
	12, 7
};

/* Genres that go together; a genre may sit in several clusters. */
static const uint32_t cluster[NCLUSTERS] = {
	B(G_ACTION) | B(G_ADVENTURE) | B(G_SCIFI) | B(G_THRILLER) | B(G_WAR) |
	    B(G_WESTERN) | B(G_IMAX) | B(G_FANTASY),
	B(G_ANIMATION) | B(G_CHILDREN) | B(G_COMEDY) | B(G_FANTASY) |
	    B(G_MUSICAL) | B(G_ADVENTURE),
	B(G_CRIME) | B(G_THRILLER) | B(G_MYSTERY) | B(G_NOIR) | B(G_DRAMA) |
	    B(G_HORROR),
	B(G_DRAMA) | B(G_ROMANCE) | B(G_COMEDY) | B(G_MUSICAL) | B(G_WAR),
	B(G_HORROR) | B(G_THRILLER) | B(G_SCIFI) | B(G_MYSTERY) | B(G_FANTASY),
	B(G_DOCUMENTARY) | B(G_DRAMA) | B(G_WAR) | B(G_MUSICAL)
};

/* Title words.  Non-ASCII entries are UTF-8. */
static const char *const w_adj[] = {
	"Dark", "Last", "Silent", "Lost", "Broken", "Golden", "Hidden", "Wild",
	"Secret", "Final", "Crimson", "Endless", "Burning", "Frozen",
	"Forgotten", "Little", "Great", "Long", "Eternal", "Savage", "Quiet",
	"Electric", "Midnight", "Black", "White", "Red", "Blue", "Sweet",
	"Bitter", "Strange", "Perfect", "Deadly", "Brave", "Lonely", "Holy",
	"Wicked", "Bright", "Falling", "Rising", "Empty", "Hollow", "Iron",
	"Velvet", "Restless", "Distant", "Fading", "Shattered", "Northern",
	"Invisible", "Naked", "Blind", "Dangerous", "Beautiful", "Cold"
};
static const char *const w_noun[] = {
	"Night", "City", "River", "Heart", "Road", "Kingdom", "Mountain",
	"Shadow", "Storm", "Garden", "House", "Island", "Dream", "Summer",
	"Winter", "Soldier", "Stranger", "Mirror", "Empire", "Harbor",
	"Station", "Game", "Hunter", "Witness", "Letter", "Journey", "Promise",
	"Machine", "Planet", "Ocean", "Desert", "Frontier", "Doctor",
	"Detective", "Sister", "Brother", "Father", "Daughter", "King",
	"Queen", "Ghost", "Angel", "Devil", "Wolf", "Horse", "Bridge", "Tower",
	"Fire", "Rain", "Moon", "Star", "Train", "Echo", "Signal", "Code",
	"Legacy", "Crossing", "Affair", "Escape", "Blood", "Silence", "Sky",
	"Hotel", "Voyage", "Prisoner", "Secret", "Valley", "Circus", "Wedding",
	"Season", "Thief", "Lady", "Gun", "Party", "Dance", "Song", "Child"
};
static const char *const w_name[] = {
	"Jack", "Maria", "Sam", "Lucy", "Frank", "Anna", "Billy", "Rosa",
	"Max", "Grace", "Hugo", "Ellie", "Otto", "Nina", "Walter", "Claire",
	"Zoë", "José", "Chloé", "Björn", "Renée", "Søren", "Agnès", "Harry",
	"Molly", "Vincent", "Iris", "Leo", "Dolores", "Theo"
};
static const char *const w_place[] = {
	"Paris", "Texas", "Chicago", "Tokyo", "Berlin", "Montréal", "Rio",
	"Bombay", "Venice", "Alaska", "Casablanca", "Manhattan", "Brooklyn",
	"Mexico", "Kraków", "São Paulo", "Zürich", "Vegas", "London", "Havana",
	"Shanghai", "Reykjavík", "Marseille", "Nebraska"
};
/* Foreign titles: article + noun (+ adjective). */
static const char *const w_fr_noun[] = {
	"Rêve", "Château", "Été", "Cœur", "Frère", "Soleil", "Destin",
	"Voyage", "Silence", "Jardin"
};
static const char *const w_fr_adj[] = {
	"perdu", "éternel", "doré", "oublié", "fabuleux", "secret", "amer"
};
static const char *const w_de_noun[] = {
	"Mädchen", "Brücke", "Straße", "Nächte", "Stadt", "Fährte", "Mauer"
};
static const char *const w_es_noun[] = {
	"Niño", "Señor", "Corazón", "Camino", "Verano", "Espíritu", "Laberinto"
};
static const char *const roman[] = {
	"", "", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Tag vocabulary: text and the genre it belongs to (-1: any film). */
struct vtag {
	const char *s;
	int g;
};

static const struct vtag vocab[] = {
	{ "explosions", G_ACTION }, { "car chase", G_ACTION },
	{ "fight scenes", G_ACTION }, { "action packed", G_ACTION },
	{ "martial arts", G_ACTION }, { "stunts", G_ACTION },
	{ "one-liners", G_ACTION },
	{ "treasure hunt", G_ADVENTURE }, { "quest", G_ADVENTURE },
	{ "exotic locations", G_ADVENTURE }, { "swashbuckling", G_ADVENTURE },
	{ "survival", G_ADVENTURE }, { "epic journey", G_ADVENTURE },
	{ "animated", G_ANIMATION }, { "hand-drawn", G_ANIMATION },
	{ "stop motion", G_ANIMATION }, { "beautiful animation", G_ANIMATION },
	{ "anime", G_ANIMATION },
	{ "family", G_CHILDREN }, { "kids", G_CHILDREN },
	{ "talking animals", G_CHILDREN }, { "heartwarming", G_CHILDREN },
	{ "fairy tale", G_CHILDREN },
	{ "funny", G_COMEDY }, { "hilarious", G_COMEDY },
	{ "dark comedy", G_COMEDY }, { "satire", G_COMEDY },
	{ "quirky", G_COMEDY }, { "slapstick", G_COMEDY },
	{ "witty dialogue", G_COMEDY }, { "Amélie-like whimsy", G_COMEDY },
	{ "heist", G_CRIME }, { "gangsters", G_CRIME }, { "mafia", G_CRIME },
	{ "corrupt cops", G_CRIME }, { "organized crime", G_CRIME },
	{ "con artists", G_CRIME },
	{ "true story", G_DOCUMENTARY }, { "interviews", G_DOCUMENTARY },
	{ "nature", G_DOCUMENTARY }, { "music documentary", G_DOCUMENTARY },
	{ "political", G_DOCUMENTARY }, { "investigative", G_DOCUMENTARY },
	{ "emotional", G_DRAMA }, { "tearjerker", G_DRAMA },
	{ "character study", G_DRAMA }, { "melancholy", G_DRAMA },
	{ "family drama", G_DRAMA }, { "based on a book", G_DRAMA },
	{ "great acting", G_DRAMA }, { "coming of age", G_DRAMA },
	{ "magic", G_FANTASY }, { "dragons", G_FANTASY },
	{ "wizards", G_FANTASY }, { "mythology", G_FANTASY },
	{ "dreamlike", G_FANTASY },
	{ "noir", G_NOIR }, { "femme fatale", G_NOIR },
	{ "black and white", G_NOIR }, { "private detective", G_NOIR },
	{ "hard-boiled", G_NOIR }, { "moody", G_NOIR },
	{ "gore", G_HORROR }, { "creepy", G_HORROR }, { "zombies", G_HORROR },
	{ "vampires", G_HORROR }, { "haunted house", G_HORROR },
	{ "jump scares", G_HORROR }, { "slasher", G_HORROR },
	{ "imax", G_IMAX }, { "3d", G_IMAX }, { "visually stunning", G_IMAX },
	{ "spectacle", G_IMAX },
	{ "singing", G_MUSICAL }, { "dance", G_MUSICAL },
	{ "great soundtrack", G_MUSICAL }, { "broadway", G_MUSICAL },
	{ "catchy songs", G_MUSICAL },
	{ "whodunit", G_MYSTERY }, { "twist ending", G_MYSTERY },
	{ "puzzle", G_MYSTERY }, { "investigation", G_MYSTERY },
	{ "mind-bending", G_MYSTERY }, { "unreliable narrator", G_MYSTERY },
	{ "love story", G_ROMANCE }, { "romantic", G_ROMANCE },
	{ "chick flick", G_ROMANCE }, { "love triangle", G_ROMANCE },
	{ "bittersweet", G_ROMANCE }, { "wedding", G_ROMANCE },
	{ "space", G_SCIFI }, { "aliens", G_SCIFI }, { "time travel", G_SCIFI },
	{ "dystopia", G_SCIFI }, { "artificial intelligence", G_SCIFI },
	{ "robots", G_SCIFI }, { "cyberpunk", G_SCIFI },
	{ "suspense", G_THRILLER }, { "tense", G_THRILLER },
	{ "conspiracy", G_THRILLER }, { "psychological", G_THRILLER },
	{ "serial killer", G_THRILLER }, { "plot twist", G_THRILLER },
	{ "world war ii", G_WAR }, { "vietnam", G_WAR },
	{ "battle scenes", G_WAR }, { "anti-war", G_WAR },
	{ "military", G_WAR }, { "soldiers", G_WAR },
	{ "cowboys", G_WESTERN }, { "gunfights", G_WESTERN },
	{ "frontier town", G_WESTERN }, { "spaghetti western", G_WESTERN },
	{ "outlaws", G_WESTERN },
	{ "classic", -1 }, { "cult film", -1 }, { "overrated", -1 },
	{ "underrated", -1 }, { "masterpiece", -1 }, { "boring", -1 },
	{ "atmospheric", -1 }, { "cinematography", -1 },
	{ "visually appealing", -1 }, { "thought-provoking", -1 },
	{ "nonlinear", -1 }, { "slow", -1 }, { "predictable", -1 },
	{ "must see", -1 }, { "so bad it's good", -1 }, { "remake", -1 },
	{ "sequel", -1 }, { "oscar (best picture)", -1 }, { "surreal", -1 },
	{ "stylized", -1 }, { "social commentary", -1 }, { "violent", -1 },
	{ "good music", -1 }, { "clever", -1 }, { "beautiful", -1 },
	{ "dark", -1 }, { "slow, but rewarding", -1 },
	{ "\"classic\" but dated", -1 }, { "mise-en-scène", -1 },
	{ "naïve", -1 }, { "great ending", -1 }, { "quotable", -1 },
	{ "original", -1 }, { "intense", -1 }, { "realistic", -1 },
	{ "feel-good", -1 }, { "disturbing", -1 }, { "bleak", -1 }
};
#define NVOCAB	NELEM(vocab)

/* Genome tag names past the vocabulary: a modifier and a vocabulary tag. */
static const char *const gmod[] = {
	"very ", "slightly ", "great ", "bad ", "classic ", "original ",
	"quirky ", "overrated ", "subtle "
};

/* ---------------------------------------------------------------- output */

/* One output file: written to tmp, renamed to dst on success. */
struct wbuf {
	const char *name;	/* "ratings.csv" */
	char *tmp;
	char *dst;
	FILE *f;
	char *b;
	size_t n;
	int err;		/* a write failed; errno saved in eno */
	int eno;
};

static int
wb_open(struct wbuf *w, const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 16;
	int fd;

	memset(w, 0, sizeof(*w));
	w->name = name;
	if ((w->tmp = malloc(len)) == NULL || (w->dst = malloc(len)) == NULL ||
	    (w->b = malloc(WB_CAP)) == NULL)
		return mq_oom();
	snprintf(w->dst, len, "%s/%s", dir, name);
	snprintf(w->tmp, len, "%s/.%s.XXXXXX", dir, name);
	if ((fd = mkstemp(w->tmp)) == -1) {
		mq_warn("%s", w->tmp);
		w->tmp[0] = '\0';
		return MQ_EIO;
	}
	if (fchmod(fd, 0644) == -1 || (w->f = fdopen(fd, "w")) == NULL) {
		mq_warn("%s", w->tmp);
		close(fd);
		return MQ_EIO;
	}
	return MQ_OK;
}

static void
wb_flush(struct wbuf *w)
{
	if (w->n && !w->err && fwrite(w->b, 1, w->n, w->f) != w->n) {
		w->err = 1;
		w->eno = errno;
	}
	w->n = 0;
}

/* Make room for need bytes (need <= WB_CAP). */
static inline char *
wb_room(struct wbuf *w, size_t need)
{
	if (w->n + need > WB_CAP)
		wb_flush(w);
	return w->b + w->n;
}

static void
wb_mem(struct wbuf *w, const char *s, size_t len)
{
	while (len > 0) {
		size_t k = len < WB_CAP ? len : WB_CAP;

		memcpy(wb_room(w, k), s, k);
		w->n += k;
		s += k;
		len -= k;
	}
}

static inline void
wb_str(struct wbuf *w, const char *s)
{
	wb_mem(w, s, strlen(s));
}

static inline void
wb_c(struct wbuf *w, char c)
{
	*wb_room(w, 1) = c;
	w->n++;
}

static inline void
wb_u64(struct wbuf *w, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	size_t len;

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	len = tmp + sizeof(tmp) - p;
	memcpy(wb_room(w, len), p, len);
	w->n += len;
}

/* v zero-padded to at least width digits. */
static void
wb_u64pad(struct wbuf *w, uint64_t v, int width)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	size_t len;

	do {
		*--p = '0' + v % 10;
		v /= 10;
		width--;
	} while (v || width > 0);
	len = tmp + sizeof(tmp) - p;
	memcpy(wb_room(w, len), p, len);
	w->n += len;
}

/* A CSV field: quoted (inner quotes doubled) when it needs to be. */
static void
wb_field(struct wbuf *w, const char *s)
{
	const char *p;

	if (strpbrk(s, ",\"\r\n") == NULL) {
		wb_str(w, s);
		return;
	}
	wb_c(w, '"');
	for (p = s; *p; p++) {
		if (*p == '"')
			wb_c(w, '"');
		wb_c(w, *p);
	}
	wb_c(w, '"');
}

/* x in [0, 1] as %.5f. */
static void
wb_fix5(struct wbuf *w, double x)
{
	uint64_t v = (uint64_t)llround(x * 100000.0);

	if (v > 100000)
		v = 100000;
	wb_u64(w, v / 100000);
	wb_c(w, '.');
	wb_u64pad(w, v % 100000, 5);
}

/* Flush and close; MQ_OK or MQ_EIO with a message. */
static int
wb_finish(struct wbuf *w)
{
	int rc = MQ_OK;

	wb_flush(w);
	if (!w->err && fflush(w->f) == EOF) {
		w->err = 1;
		w->eno = errno;
	}
	if (!w->err && ferror(w->f)) {
		w->err = 1;
		w->eno = EIO;
	}
	if (fclose(w->f) == EOF && !w->err) {
		w->err = 1;
		w->eno = errno;
	}
	w->f = NULL;
	if (w->err) {
		errno = w->eno;
		mq_warn("writing %s", w->dst);
		rc = MQ_EIO;
	}
	return rc;
}

/* Close if open, remove the temporary file if any, free. */
static void
wb_discard(struct wbuf *w)
{
	if (w->f != NULL)
		fclose(w->f);
	if (w->tmp != NULL && w->tmp[0] != '\0')
		(void)unlink(w->tmp);
	free(w->tmp);
	free(w->dst);
	free(w->b);
	memset(w, 0, sizeof(*w));
}

/* ------------------------------------------------------------ the model */

struct film {
	float v[K];		/* taste vector, unit length */
	double q;		/* quality, about N(0, 1) */
	double key;		/* scratch sort key */
	int64_t release;	/* release date, seconds */
	uint32_t order;		/* creation (release-year) order */
	uint32_t id;		/* movieId */
	uint32_t title;		/* offset in the title arena */
	uint32_t genres;	/* bit mask of genre_name[], 0: none listed */
	uint32_t imdb;
	uint32_t tmdb;		/* 0: unknown (empty field) */
	uint32_t nrat;		/* ratings written */
	int16_t year;
};

struct alias {
	double *p;
	uint32_t *a;
	uint32_t n;
};

/* One rating of the member being generated. */
struct pick {
	int64_t ts;
	uint32_t item;
	uint8_t half;
};

struct synth {
	const struct mq_synth_opts *o;
	uint32_t M, N;
	struct film *f;		/* M films, in movieId order once numbered */
	char *arena;		/* titles, NUL-terminated */
	size_t alen, acap;
	double gvec[NGENRES][K];
	struct alias pop;	/* popularity */
	struct alias flat;	/* flattened popularity (heavy raters) */
	struct alias gpop[NGENRES]; /* popularity among the films of a genre */
	uint32_t *gfilm[NGENRES]; /* their film indices */
	uint32_t *nr;		/* ratings per member */
	uint32_t nmax;		/* per member cap */
	double thr_whole[5];	/* standard-normal cut points, whole stars */
	double thr_half[10];	/* the same, half stars */
	uint64_t *seen;		/* per member bitmap of rated films */
	int64_t *rel;		/* release dates, packed for the hot loop */
	float *vec;		/* taste vectors, packed: M * K */
	struct pick *picks;	/* nmax */
	int64_t *offs;		/* nmax */
	uint64_t hist[10];
	uint64_t nratings, ntags, ngscores;
	int64_t ts_min, ts_max;
};

static void
unit_vec(double *x)
{
	double s = 0;
	int k;

	for (k = 0; k < K; k++)
		s += x[k] * x[k];
	s = sqrt(s);
	if (s > 0)
		for (k = 0; k < K; k++)
			x[k] /= s;
}

static void
rand_vec(struct mq_rng *r, double *x, double scale)
{
	int k;

	for (k = 0; k < K; k++)
		x[k] = scale * mq_rng_normal(r) / sqrt((double)K);
}

/* Index drawn from weights w[0..n-1] (sum > 0). */
static int
pick_weighted(struct mq_rng *r, const double *w, int n)
{
	double s = 0, u;
	int i;

	for (i = 0; i < n; i++)
		s += w[i];
	u = mq_rng_unit(r) * s;
	for (i = 0; i < n - 1; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

#define PICK(r, a)	((a)[mq_rng_below((r), NELEM(a))])

static void
genre_vectors(struct synth *s)
{
	struct mq_rng r;
	double base[NCLUSTERS][K], x[K];
	int g, c, k;

	mq_rng_seed(&r, mq_rng_mix(s->o->seed, S_GENRE));
	for (c = 0; c < NCLUSTERS; c++)
		rand_vec(&r, base[c], 1.0);
	for (g = 0; g < NGENRES; g++) {
		rand_vec(&r, x, 0.9);
		for (c = 0; c < NCLUSTERS; c++)
			if (cluster[c] & B(g))
				for (k = 0; k < K; k++)
					x[k] += base[c][k];
		unit_vec(x);
		memcpy(s->gvec[g], x, sizeof(x));
	}
}

static int
same_cluster(int a, int b)
{
	int c;

	for (c = 0; c < NCLUSTERS; c++)
		if ((cluster[c] & B(a)) && (cluster[c] & B(b)))
			return 1;
	return 0;
}

/* 1-4 genres for a film of the given year; 0 now and then. */
static uint32_t
film_genres(struct mq_rng *r, int year)
{
	double w[NGENRES], u;
	uint32_t m;
	int g, first, n, i;

	if (mq_rng_unit(r) < 0.008)
		return 0;
	for (g = 0; g < NGENRES; g++)
		w[g] = genre_weight[g];
	if (year < 1938 || year > 1962)
		w[G_NOIR] = 0;
	else
		w[G_NOIR] *= 6;
	first = pick_weighted(r, w, NGENRES);
	m = B(first);
	u = mq_rng_unit(r);
	n = u < 0.36 ? 1 : u < 0.72 ? 2 : u < 0.92 ? 3 : 4;
	if (first == G_DOCUMENTARY && mq_rng_unit(r) < 0.8)
		n = 1;
	if (first == G_ANIMATION && mq_rng_unit(r) < 0.6)
		m |= B(G_CHILDREN);
	for (i = 1; i < n; i++) {
		for (g = 0; g < NGENRES; g++)
			w[g] = (m & B(g)) ? 0 : genre_weight[g] *
			    (same_cluster(first, g) ? 1.0 : 0.12);
		if (year < 1938 || year > 1962)
			w[G_NOIR] = 0;
		m |= B(pick_weighted(r, w, NGENRES));
	}
	if (year >= 2002 && (m & (B(G_ACTION) | B(G_ADVENTURE) | B(G_SCIFI) |
	    B(G_ANIMATION) | B(G_DOCUMENTARY))) && mq_rng_unit(r) < 0.1)
		m |= B(G_IMAX);
	return m;
}

/* Days from 1970-01-01 to January 1st of year y (proleptic Gregorian). */
static int64_t
year_day(int y)
{
	int64_t p = y - 1;

	return 365 * (int64_t)(y - 1970) + (p / 4 - p / 100 + p / 400) -
	    (1969 / 4 - 1969 / 100 + 1969 / 400);
}

/* A bounded string builder for titles. */
struct sb {
	char b[320];
	size_t n;
};

static void
sb_cat(struct sb *t, const char *s)
{
	size_t len = strlen(s);

	if (t->n + len >= sizeof(t->b))
		len = sizeof(t->b) - 1 - t->n;
	memcpy(t->b + t->n, s, len);
	t->n += len;
	t->b[t->n] = '\0';
}

/* An English base title, article first ("The Dark River"). */
static void
title_en(struct mq_rng *r, struct sb *t)
{
	const char *n;
	char num[16];

	switch (mq_rng_below(r, 12)) {
	case 0:
	case 1:
		sb_cat(t, "The ");
		sb_cat(t, PICK(r, w_adj));
		sb_cat(t, " ");
		sb_cat(t, PICK(r, w_noun));
		break;
	case 2:
		sb_cat(t, PICK(r, w_adj));
		sb_cat(t, " ");
		sb_cat(t, PICK(r, w_noun));
		break;
	case 3:
		sb_cat(t, PICK(r, w_noun));
		sb_cat(t, " of the ");
		sb_cat(t, PICK(r, w_noun));
		break;
	case 4:
		sb_cat(t, PICK(r, w_name));
		sb_cat(t, mq_rng_below(r, 2) ? "'s " : " and the ");
		sb_cat(t, PICK(r, w_noun));
		break;
	case 5:
		n = PICK(r, w_noun);
		sb_cat(t, mq_rng_below(r, 2) ? "The " :
		    strchr("AEIOU", n[0]) ? "An " : "A ");
		sb_cat(t, n);
		sb_cat(t, " in ");
		sb_cat(t, PICK(r, w_place));
		break;
	case 6:
		sb_cat(t, "The ");
		sb_cat(t, PICK(r, w_noun));
		break;
	case 7:
		sb_cat(t, PICK(r, w_noun));
		sb_cat(t, ": The ");
		sb_cat(t, PICK(r, w_adj));
		sb_cat(t, " ");
		sb_cat(t, PICK(r, w_noun));
		break;
	case 8:	/* a comma inside the title */
		sb_cat(t, PICK(r, w_adj));
		sb_cat(t, ", ");
		sb_cat(t, PICK(r, w_adj));
		sb_cat(t, " ");
		sb_cat(t, PICK(r, w_noun));
		break;
	case 9:
		snprintf(num, sizeof(num), "%d ", 2 + (int)mq_rng_below(r, 98));
		sb_cat(t, num);
		sb_cat(t, mq_rng_below(r, 2) ? "Days in " : "Nights in ");
		sb_cat(t, PICK(r, w_place));
		break;
	case 10:
		sb_cat(t, PICK(r, w_name));
		if (mq_rng_below(r, 2)) {
			sb_cat(t, " and ");
			sb_cat(t, PICK(r, w_name));
		}
		break;
	default:
		sb_cat(t, PICK(r, w_place));
		sb_cat(t, " ");
		sb_cat(t, PICK(r, w_noun));
		break;
	}
}

/* A foreign base title ("Le Rêve perdu", "Die Straße", "El Niño"). */
static void
title_foreign(struct mq_rng *r, struct sb *t)
{
	const char *n;

	switch (mq_rng_below(r, 3)) {
	case 0:
		n = PICK(r, w_fr_noun);
		/* élision before a vowel ("L'Été") is kept in front */
		if (!strncmp(n, "Été", strlen("Été")))
			sb_cat(t, "L'");
		else
			sb_cat(t, "Le ");
		sb_cat(t, n);
		sb_cat(t, " ");
		sb_cat(t, PICK(r, w_fr_adj));
		break;
	case 1:
		sb_cat(t, "Die ");
		sb_cat(t, PICK(r, w_de_noun));
		break;
	default:
		sb_cat(t, "El ");
		sb_cat(t, PICK(r, w_es_noun));
		break;
	}
}

/*
 * Move a leading article to the end as MovieLens does ("Matrix, The").
 * Sequel suffixes stay with the title: "Dark River 2, The".
 */
static void
article_last(const char *in, struct sb *out)
{
	static const char *const art[] = {
		"The ", "A ", "An ", "Le ", "La ", "Les ", "Die ", "Der ",
		"Das ", "El ", "Los "
	};
	size_t i, len;

	for (i = 0; i < NELEM(art); i++) {
		len = strlen(art[i]);
		if (!strncmp(in, art[i], len) && in[len] != '\0') {
			sb_cat(out, in + len);
			sb_cat(out, ", ");
			out->b[out->n] = '\0';
			sb_cat(out, art[i]);
			out->b[--out->n] = '\0';	/* drop the space */
			return;
		}
	}
	sb_cat(out, in);
}

/* A film series: sequels reuse the base title with a suffix. */
struct series {
	char base[160];
	uint32_t film;		/* creation index of the first film */
	int16_t last_year;
	uint8_t style;		/* 0 " 2", 1 " Part II", 2 ": Chapter 2" */
	uint8_t count;
};

#define NSERIES 128

static int
arena_add(struct synth *s, const char *t, uint32_t *off)
{
	size_t len = strlen(t) + 1;
	char *p;

	if (s->alen + len > s->acap) {
		size_t cap = s->acap ? s->acap * 2 : 65536;

		while (cap < s->alen + len)
			cap *= 2;
		if (cap > UINT32_MAX || (p = realloc(s->arena, cap)) == NULL)
			return mq_oom();
		s->arena = p;
		s->acap = cap;
	}
	memcpy(s->arena + s->alen, t, len);
	*off = (uint32_t)s->alen;
	s->alen += len;
	return MQ_OK;
}

static int
cmp_year(const void *a, const void *b)
{
	const struct film *x = a, *y = b;

	if (x->year != y->year)
		return x->year < y->year ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int
cmp_key(const void *a, const void *b)
{
	const struct film *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Make the films: years, genres, tastes, qualities, titles, sequels. */
static int
make_films(struct synth *s)
{
	struct mq_rng r;
	struct series ser[NSERIES];
	struct sb base, full, t;
	uint32_t i, nser = 0;
	double x[K];
	int rc, k, g, ng, y;

	mq_rng_seed(&r, mq_rng_mix(s->o->seed, S_FILM));
	for (i = 0; i < s->M; i++) {
		if (mq_rng_unit(&r) < 0.15)
			y = YEAR_MIN + (int)mq_rng_below(&r,
			    YEAR_MAX - YEAR_MIN + 1);
		else
			do
				y = YEAR_MAX - (int)floor(-17.0 *
				    log(1.0 - mq_rng_unit(&r)));
			while (y < YEAR_MIN);
		s->f[i].year = (int16_t)y;
		s->f[i].order = i;
	}
	qsort(s->f, s->M, sizeof(s->f[0]), cmp_year);

	for (i = 0; i < s->M; i++) {
		struct film *f = &s->f[i];
		struct series *sq = NULL;

		f->order = i;
		f->release = (year_day(f->year) + (int64_t)mq_rng_below(&r,
		    365)) * 86400 + (int64_t)mq_rng_below(&r, 86400);
		base.n = full.n = t.n = 0;
		base.b[0] = full.b[0] = t.b[0] = '\0';

		/* A sequel of an open series released earlier? */
		if (nser > 0 && mq_rng_unit(&r) < 0.05) {
			sq = &ser[mq_rng_below(&r, nser)];
			if (sq->last_year >= f->year || sq->count >= 8)
				sq = NULL;
		}
		if (sq != NULL) {
			const struct film *p = &s->f[sq->film];
			char num[32];

			sq->count++;
			sq->last_year = f->year;
			f->genres = p->genres;
			for (k = 0; k < K; k++)
				x[k] = p->v[k] + 0.25 * mq_rng_normal(&r) /
				    sqrt((double)K);
			f->q = p->q - 0.3 + 0.4 * mq_rng_normal(&r);
			sb_cat(&full, sq->base);
			if (sq->style == 0)
				snprintf(num, sizeof(num), " %u", sq->count);
			else if (sq->style == 1)
				snprintf(num, sizeof(num), " Part %s",
				    sq->count < NELEM(roman) ?
				    roman[sq->count] : "XI");
			else
				snprintf(num, sizeof(num), ": Chapter %u",
				    sq->count);
			sb_cat(&full, num);
			if (sq->style == 0 && mq_rng_unit(&r) < 0.3) {
				sb_cat(&full, ": ");
				sb_cat(&full, PICK(&r, w_adj));
				sb_cat(&full, " ");
				sb_cat(&full, PICK(&r, w_noun));
			}
		} else {
			f->genres = film_genres(&r, f->year);
			for (k = 0; k < K; k++)
				x[k] = 0;
			for (g = 0, ng = 0; g < NGENRES; g++) {
				if (!(f->genres & B(g)))
					continue;
				ng++;
				for (k = 0; k < K; k++)
					x[k] += s->gvec[g][k];
			}
			for (k = 0; k < K; k++)
				x[k] = (ng ? x[k] / ng : 0) + 0.55 *
				    mq_rng_normal(&r) / sqrt((double)K);
			f->q = mq_rng_normal(&r);
			if (mq_rng_unit(&r) < 0.07)
				title_foreign(&r, &base);
			else
				title_en(&r, &base);
			sb_cat(&full, base.b);
			if (mq_rng_unit(&r) < 0.02) {
				/* an alternative title, as MovieLens has */
				struct sb alt = { .n = 0 }, mv = { .n = 0 };

				alt.b[0] = mv.b[0] = '\0';
				title_foreign(&r, &alt);
				article_last(alt.b, &mv);
				sb_cat(&full, mq_rng_below(&r, 2) ?
				    " (a.k.a. " : " (");
				sb_cat(&full, mv.b);
				sb_cat(&full, ")");
			} else if (mq_rng_unit(&r) < 0.003) {
				/* a quoted show name: "Great Performances" */
				t.n = 0;
				sb_cat(&t, "\"");
				sb_cat(&t, PICK(&r, w_adj));
				sb_cat(&t, " ");
				sb_cat(&t, PICK(&r, w_noun));
				sb_cat(&t, "\" ");
				sb_cat(&t, full.b);
				full = t;
			}
			if ((f->genres & (B(G_ACTION) | B(G_ADVENTURE) |
			    B(G_SCIFI) | B(G_HORROR) | B(G_ANIMATION) |
			    B(G_COMEDY))) && f->year < YEAR_MAX &&
			    mq_rng_unit(&r) < 0.06 && base.n < 150) {
				struct series *ns = &ser[nser < NSERIES ?
				    nser++ : mq_rng_below(&r, NSERIES)];

				memcpy(ns->base, base.b, base.n + 1);
				ns->film = i;
				ns->last_year = f->year;
				ns->style = (uint8_t)mq_rng_below(&r, 3);
				ns->count = 1;
			}
		}
		unit_vec(x);
		for (k = 0; k < K; k++)
			f->v[k] = (float)x[k];

		/* "Dark River 2, The (1999)" */
		t.n = 0;
		t.b[0] = '\0';
		if (mq_rng_unit(&r) < 0.92)
			article_last(full.b, &t);
		else
			sb_cat(&t, full.b);
		snprintf(full.b, sizeof(full.b), " (%d)", f->year);
		sb_cat(&t, full.b);
		if ((rc = arena_add(s, t.b, &f->title)) != MQ_OK)
			return rc;
	}
	return MQ_OK;
}

/*
 * Number the films in the order MovieLens added them: older films first
 * in random order, then by release; ids grow with gaps (ml-20m: 27278
 * films, ids up to 131262).
 */
static void
number_films(struct synth *s)
{
	struct mq_rng r;
	uint32_t i, id = 0;

	mq_rng_seed(&r, mq_rng_mix(s->o->seed, S_IDS));
	for (i = 0; i < s->M; i++) {
		struct film *f = &s->f[i];

		f->key = f->year <= 1995 ? 1995 + mq_rng_unit(&r) :
		    f->year + 1.5 * mq_rng_unit(&r);
	}
	qsort(s->f, s->M, sizeof(s->f[0]), cmp_key);
	/* the creation index of a sequel's parent is no longer needed */
	for (i = 0; i < s->M; i++) {
		id += 1;
		if (i > 0 && mq_rng_unit(&r) < 0.1)
			id += (uint32_t)mq_rng_below(&r, 76);
		s->f[i].id = id;
	}
}

/*
 * links.csv ids: imdbId grows with the year (7 digits), tmdbId is
 * assigned in another order; a few films have no tmdbId.
 */
static int
link_ids(struct synth *s)
{
	struct mq_rng r;
	uint32_t cnt[YEAR_MAX - YEAR_MIN + 2];
	uint32_t *ord, i, j, tmp, imdb = 10000, tmdb = 2, gap;

	if ((ord = mq_allocarray(s->M, sizeof(*ord))) == NULL)
		return mq_oom();
	mq_rng_seed(&r, mq_rng_mix(s->o->seed, S_LINKS));
	gap = 9000000 / s->M;
	/* imdb: films by year (a stable counting sort of the id order) */
	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < s->M; i++)
		cnt[s->f[i].year - YEAR_MIN + 1]++;
	for (i = 1; i < NELEM(cnt); i++)
		cnt[i] += cnt[i - 1];
	for (i = 0; i < s->M; i++)
		ord[cnt[s->f[i].year - YEAR_MIN]++] = i;
	for (i = 0; i < s->M; i++) {
		imdb += 1 + (uint32_t)mq_rng_below(&r, 2 * gap > 1 ?
		    2 * gap - 1 : 1);
		s->f[ord[i]].imdb = imdb;
	}
	/* tmdb: in a shuffled order */
	for (i = 0; i < s->M; i++)
		ord[i] = i;
	for (i = s->M - 1; i > 0; i--) {
		j = (uint32_t)mq_rng_below(&r, (uint64_t)i + 1);
		tmp = ord[i];
		ord[i] = ord[j];
		ord[j] = tmp;
	}
	for (i = 0; i < s->M; i++) {
		tmdb += 1 + (uint32_t)mq_rng_below(&r, 30);
		s->f[ord[i]].tmdb = mq_rng_unit(&r) < 0.002 ? 0 : tmdb;
	}
	free(ord);
	return MQ_OK;
}

/* Vose's alias method over weights w[0..n-1]. */
static int
alias_build(struct alias *al, const double *w, uint32_t n)
{
	uint32_t *small = NULL, *large = NULL, ns = 0, nl = 0, i;
	double sum = 0, *p;
	int rc = MQ_ENOMEM;

	al->n = n;
	al->p = mq_allocarray(n, sizeof(*al->p));
	al->a = mq_allocarray(n, sizeof(*al->a));
	small = mq_allocarray(n, sizeof(*small));
	large = mq_allocarray(n, sizeof(*large));
	if (al->p == NULL || al->a == NULL || small == NULL || large == NULL)
		goto out;
	p = al->p;
	for (i = 0; i < n; i++)
		sum += w[i];
	for (i = 0; i < n; i++) {
		p[i] = w[i] * n / sum;
		al->a[i] = i;
		if (p[i] < 1.0)
			small[ns++] = i;
		else
			large[nl++] = i;
	}
	while (ns > 0 && nl > 0) {
		uint32_t l = small[--ns], g = large[nl - 1];

		al->a[l] = g;
		p[g] -= 1.0 - p[l];
		if (p[g] < 1.0) {
			nl--;
			small[ns++] = g;
		}
	}
	while (nl > 0)
		p[large[--nl]] = 1.0;
	while (ns > 0)
		p[small[--ns]] = 1.0;
	rc = MQ_OK;
out:
	free(small);
	free(large);
	if (rc)
		(void)mq_oom();
	return rc;
}

static inline uint32_t
alias_draw(const struct alias *al, struct mq_rng *r)
{
	uint64_t x = mq_rng_next(r);
	uint32_t i = (uint32_t)(((x >> 32) * al->n) >> 32);
	double u = (double)(x & 0xffffffffu) * 0x1.0p-32;

	return u < al->p[i] ? i : al->a[i];
}

static void
alias_free(struct alias *al)
{
	free(al->p);
	free(al->a);
	al->p = NULL;
	al->a = NULL;
}

/* Popularity weight of rank r: Zipf-like head, gentle floor. */
static double
pop_weight(double r, double r0, double fl, double M)
{
	return exp(-1.15 * log1p(r / r0)) + fl * exp(-3.0 * r / M);
}

static void
pop_stats(double r0, double fl, uint32_t M, double *top, double *last)
{
	double W = 0;
	uint32_t i;

	for (i = 0; i < M; i++)
		W += pop_weight(i, r0, fl, M);
	*top = pop_weight(0, r0, fl, M) / W;
	*last = pop_weight(M - 1, r0, fl, M) / W;
}

/*
 * Rank the films by a popularity key (quality, an age preference, chance)
 * and give rank r a weight calibrated so that, before films run out of
 * raters, the top film would be picked by about half of the members and
 * the last one would get about five ratings.
 */
static int
popularity(struct synth *s)
{
	struct mq_rng r;
	uint32_t *rank = NULL, i;
	double *w = NULL, r0 = 1, fl = 0.01, lo, hi, top, last, want_top,
	    want_last, mean = (double)s->o->ratings / s->N;
	int it, j, g, rc = MQ_ENOMEM;

	mq_rng_seed(&r, mq_rng_mix(s->o->seed, S_POP));
	rank = mq_allocarray(s->M, sizeof(*rank));
	w = mq_allocarray(s->M, sizeof(*w));
	if (rank == NULL || w == NULL)
		goto out;

	want_top = 0.55 / mean;
	if (want_top > 0.25)
		want_top = 0.25;
	want_last = 5.0 / (double)s->o->ratings;
	if (want_last > 0.3 / s->M)
		want_last = 0.3 / s->M;
	for (it = 0; it < 4; it++) {
		lo = 1e-3;
		hi = s->M;
		for (j = 0; j < 40; j++) {
			r0 = sqrt(lo * hi);
			pop_stats(r0, fl, s->M, &top, &last);
			if (top > want_top)
				lo = r0;
			else
				hi = r0;
		}
		lo = 0;
		hi = 1;
		for (j = 0; j < 30; j++) {
			fl = (lo + hi) / 2;
			pop_stats(r0, fl, s->M, &top, &last);
			if (last < want_last)
				lo = fl;
			else
				hi = fl;
		}
	}

	/* films are in id order: rank them through their keys */
	for (i = 0; i < s->M; i++) {
		double age = (s->f[i].year - 1995) / 22.0;

		s->f[i].key = -(mq_rng_normal(&r) + 0.8 * s->f[i].q -
		    0.6 * age * age);
		s->f[i].nrat = i;	/* remember the id order */
	}
	qsort(s->f, s->M, sizeof(s->f[0]), cmp_key);
	for (i = 0; i < s->M; i++)
		rank[s->f[i].nrat] = i;
	/* back to id order (ids are unique and ascending with the index) */
	for (i = 0; i < s->M; i++)
		s->f[i].key = s->f[i].id;
	qsort(s->f, s->M, sizeof(s->f[0]), cmp_key);
	for (i = 0; i < s->M; i++) {
		w[i] = pop_weight(rank[i], r0, fl, s->M);
		s->f[i].nrat = 0;
	}
	for (i = 0; i < s->M; i++) {
		s->rel[i] = s->f[i].release;
		memcpy(s->vec + (size_t)i * K, s->f[i].v, sizeof(s->f[i].v));
	}
	if ((rc = alias_build(&s->pop, w, s->M)) != MQ_OK)
		goto out;
	for (g = 0; g < NGENRES; g++) {
		uint32_t n = 0;
		double *gw;

		for (i = 0; i < s->M; i++)
			n += (s->f[i].genres & B(g)) != 0;
		if (n == 0)
			continue;
		s->gfilm[g] = mq_allocarray(n, sizeof(*s->gfilm[g]));
		if ((gw = mq_allocarray(n, sizeof(*gw))) == NULL ||
		    s->gfilm[g] == NULL) {
			free(gw);
			rc = mq_oom();
			goto out;
		}
		for (n = 0, i = 0; i < s->M; i++)
			if (s->f[i].genres & B(g)) {
				s->gfilm[g][n] = i;
				gw[n++] = w[i];
			}
		rc = alias_build(&s->gpop[g], gw, n);
		free(gw);
		if (rc != MQ_OK)
			goto out;
	}
	for (i = 0; i < s->M; i++)
		w[i] = sqrt(w[i]);
	rc = alias_build(&s->flat, w, s->M);
out:
	free(rank);
	free(w);
	if (rc == MQ_ENOMEM && (rank == NULL || w == NULL))
		(void)mq_oom();
	return rc;
}

/* Soft cap: x beyond half of cap bends towards cap, never reaching it. */
static double
soft_cap(double x, double cap)
{
	double knee = cap / 2;

	if (x <= knee)
		return x;
	return knee + (cap - knee) * (1.0 - exp(-(x - knee) / (cap - knee)));
}

/*
 * Ratings per member: min + c * lognormal, softly capped, with c chosen
 * so that the total is exactly the target (MovieLens 20M: min 20, median
 * 68, mean 144, max 9254).
 */
static int
activity(struct synth *s)
{
	struct mq_rng r;
	double *x, lo = 0, hi = 1, c = 0, sum, min = s->o->min_ratings,
	    room = (double)s->nmax - min;
	uint64_t tot, want = s->o->ratings;
	uint32_t u;
	int j;

	if ((x = mq_allocarray(s->N, sizeof(*x))) == NULL)
		return mq_oom();
	mq_rng_seed(&r, mq_rng_mix(s->o->seed, S_ACTIVITY));
	for (u = 0; u < s->N; u++)
		x[u] = exp(1.35 * mq_rng_normal(&r));
	for (;;) {
		for (sum = 0, u = 0; u < s->N; u++)
			sum += floor(soft_cap(hi * x[u], room));
		if (sum + min * s->N >= (double)want || hi > 1e12)
			break;
		hi *= 2;
	}
	for (j = 0; j < 100; j++) {
		c = (lo + hi) / 2;
		for (sum = 0, u = 0; u < s->N; u++)
			sum += floor(soft_cap(c * x[u], room));
		if (sum + min * s->N > (double)want)
			hi = c;
		else
			lo = c;
	}
	for (tot = 0, u = 0; u < s->N; u++) {
		s->nr[u] = (uint32_t)min + (uint32_t)floor(soft_cap(lo * x[u],
		    room));
		tot += s->nr[u];
	}
	/* the rounding deficit, one rating each, from a random member on */
	for (u = (uint32_t)mq_rng_below(&r, s->N); tot < want;
	    u = (u + 1) % s->N)
		if (s->nr[u] < s->nmax) {
			s->nr[u]++;
			tot++;
		}
	free(x);
	return MQ_OK;
}

/* Standard-normal quantile by bisection (only used at start-up). */
static double
probit(double p)
{
	double lo = -9, hi = 9, m = 0;
	int i;

	for (i = 0; i < 80; i++) {
		m = (lo + hi) / 2;
		if (0.5 * erfc(-m / sqrt(2.0)) < p)
			lo = m;
		else
			hi = m;
	}
	return m;
}

/*
 * Cut points of the ordinal rating model.  Whole-star raters and
 * half-star raters have their own histograms; mixed, they give the
 * MovieLens shape (4.0 first, then 3.0, 5.0, 3.5, ...).
 */
static void
cut_points(struct synth *s)
{
	static const double pw[5] = { .055, .105, .27, .355, .215 };
	static const double ph[10] = {
		.03, .025, .04, .05, .08, .12, .22, .18, .17, .085
	};
	double c = 0;
	int i;

	for (i = 0; i < 4; i++)
		s->thr_whole[i] = probit(c += pw[i]);
	s->thr_whole[4] = HUGE_VAL;
	for (c = 0, i = 0; i < 9; i++)
		s->thr_half[i] = probit(c += ph[i]);
	s->thr_half[9] = HUGE_VAL;
}

/* Mean and spread of the raw score, measured on this model. */
#define Z_MEAN	0.81
#define Z_SD	1.01

static int
cmp_pick(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;

	return x->item < y->item ? -1 : x->item > y->item;
}

static const char *const half_text[11] = {
	"", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0", "3.5", "4.0", "4.5", "5.0"
};

/* Timestamps of n ratings from start: a sign-up session, then more. */
static void
member_times(struct synth *s, struct mq_rng *r, uint32_t n, int64_t start,
    int64_t *ts)
{
	double gapmean, end_p, scale;
	uint32_t k, first;

	gapmean = 86400.0 * exp(log(10.0) + 1.5 * mq_rng_normal(r));
	first = 15 + (uint32_t)mq_rng_below(r, 16);
	end_p = 1.0 / (3.0 + n / 15.0);
	s->offs[0] = 0;
	for (k = 1; k < n; k++) {
		double d = 2 - 30.0 * log(1.0 - mq_rng_unit(r));

		if (k >= first && mq_rng_unit(r) < end_p)
			d += 3600 - gapmean * log(1.0 - mq_rng_unit(r));
		s->offs[k] = s->offs[k - 1] + (int64_t)d;
	}
	scale = 1.0;
	if (n > 0 && start + s->offs[n - 1] > T_END)
		scale = (double)(T_END - start) / (double)s->offs[n - 1];
	for (k = 0; k < n; k++)
		ts[k] = start + (int64_t)(s->offs[k] * scale);
}

static inline int
seen(const struct synth *s, uint32_t i)
{
	return (s->seen[i >> 6] >> (i & 63)) & 1;
}

/* Tags of one member (a tagger) on its sorted picks. */
static void
member_tags(struct synth *s, struct mq_rng *r, struct wbuf *w, uint32_t uid,
    uint32_t n)
{
	double p = 0.02 + 0.3 * mq_rng_unit(r);
	int caps = mq_rng_unit(r) < 0.3;
	uint32_t k, j, nt, got[3], g, ng, gl[NGENRES];
	char buf[128];

	for (k = 0; k < n; k++) {
		const struct film *f = &s->f[s->picks[k].item];

		if (mq_rng_unit(r) >= p)
			continue;
		nt = 1 + (mq_rng_unit(r) < 0.3) + (mq_rng_unit(r) < 0.1);
		for (ng = 0, g = 0; g < NGENRES; g++)
			if (f->genres & B(g))
				gl[ng++] = g;
		for (j = 0; j < nt; j++) {
			uint32_t t, tries = 0, l;

			do {
				int want = -1;

				if (ng > 0 && mq_rng_unit(r) < 0.75)
					want = (int)gl[mq_rng_below(r, ng)];
				do
					t = (uint32_t)mq_rng_below(r, NVOCAB);
				while (want >= 0 && vocab[t].g != want &&
				    ++tries < 400);
				for (l = 0; l < j; l++)
					if (got[l] == t)
						break;
			} while (l < j && ++tries < 1000);
			if (l < j)
				continue;
			got[j] = t;
			snprintf(buf, sizeof(buf), "%s", vocab[t].s);
			if (caps && buf[0] >= 'a' && buf[0] <= 'z')
				buf[0] -= 'a' - 'A';
			wb_u64(w, uid);
			wb_c(w, ',');
			wb_u64(w, f->id);
			wb_c(w, ',');
			wb_field(w, buf);
			wb_c(w, ',');
			wb_u64(w, (uint64_t)(s->picks[k].ts + 30 +
			    (int64_t)mq_rng_below(r, 600)));
			wb_c(w, '\n');
			s->ntags++;
		}
	}
}

/* Generate and write every member's ratings (and tags). */
static int
members(struct synth *s, struct wbuf *wr, struct wbuf *wt)
{
	double u0[K], d[K], up[K], x, beta, bias, halfp, flatp, z, acc;
	int64_t *ts = NULL, start;
	uint32_t u, k, n, i, tries;
	double pw[NGENRES], genrep, driftp;
	int g, j, c, dg;

	ts = mq_allocarray(s->nmax, sizeof(*ts));
	if (ts == NULL)
		return mq_oom();

	wb_str(wr, "userId,movieId,rating,timestamp\n");
	if (wt != NULL)
		wb_str(wt, "userId,movieId,tag,timestamp\n");
	for (u = 0; u < s->N; u++) {
		struct mq_rng r;
		uint32_t uid = u + 1;
		double gw[NGENRES];

		mq_rng_seed(&r, mq_rng_mix(s->o->seed,
		    ((uint64_t)S_MEMBER << 40) | uid));
		n = s->nr[u];

		/*
		 * Taste: 1-3 preferred genres (weights pw), and a drift genre
		 * dg that gains weight along the member's history, in the
		 * genre picks and in the taste vector.
		 */
		for (g = 0; g < NGENRES; g++) {
			gw[g] = pow(genre_weight[g], 0.7);
			pw[g] = 0;
		}
		rand_vec(&r, u0, 0.6);
		c = 1 + (int)mq_rng_below(&r, 3);
		for (j = 0; j < c; j++) {
			g = pick_weighted(&r, gw, NGENRES);
			x = 0.5 + mq_rng_unit(&r);
			pw[g] += x;
			for (k = 0; k < K; k++)
				u0[k] += x * s->gvec[g][k];
		}
		unit_vec(u0);
		for (g = 0; g < NGENRES; g++)
			if (pw[g] > 0)
				gw[g] = 0;
		dg = pick_weighted(&r, gw, NGENRES);
		x = 0.4 + 0.4 * mq_rng_unit(&r);
		for (k = 0; k < K; k++)
			d[k] = x * (s->gvec[dg][k] - u0[k]);
		genrep = 0.45 + 0.3 * mq_rng_unit(&r);
		driftp = 0.3 + 0.3 * mq_rng_unit(&r);
		beta = 1.5 + 2.0 * mq_rng_unit(&r);
		bias = 0.45 * mq_rng_normal(&r);
		halfp = mq_rng_unit(&r) < 0.15 ? 0 : 0.7 + 0.3 *
		    mq_rng_unit(&r);
		flatp = 0.02 * sqrt((double)n);
		if (flatp > 0.5)
			flatp = 0.5;

		/* start date: uniform, with a boom around 1999-2000 */
		if (mq_rng_unit(&r) < 0.25)
			start = 915148800LL + (int64_t)mq_rng_below(&r,
			    2 * 365 * 86400);
		else
			start = T_START + (int64_t)mq_rng_below(&r,
			    (uint64_t)(T_END - T_START - 30 * 86400));
		member_times(s, &r, n, start, ts);

		for (k = 0; k < n; k++) {
			double p = n > 1 ? (double)k / (n - 1) : 0, dot;
			const struct film *f;
			const float *fv;

			for (j = 0; j < K; j++)
				up[j] = u0[j] + p * d[j];
			unit_vec(up);
			for (tries = 0;; tries++) {
				if (tries < 64 && mq_rng_unit(&r) < genrep) {
					/* a popular film of a genre it likes */
					g = mq_rng_unit(&r) < p * driftp ? dg :
					    pick_weighted(&r, pw, NGENRES);
					if (s->gpop[g].n == 0)
						continue;
					i = s->gfilm[g][alias_draw(&s->gpop[g],
					    &r)];
				} else if (tries < 64) {
					i = mq_rng_unit(&r) < flatp ?
					    alias_draw(&s->flat, &r) :
					    alias_draw(&s->pop, &r);
				} else if (tries < 64 + 512) {
					i = alias_draw(&s->pop, &r);
				} else {
					uint32_t st = (uint32_t)mq_rng_below(
					    &r, s->M), m;

					for (m = 0; m < s->M; m++) {
						i = (st + m) % s->M;
						if (!seen(s, i) &&
						    s->rel[i] <= ts[k])
							break;
					}
					if (m == s->M)
						i = UINT32_MAX;
					break;
				}
				if (seen(s, i) || s->rel[i] > ts[k])
					continue;
				if (tries >= 64)
					break;
				fv = s->vec + (size_t)i * K;
				for (dot = 0, j = 0; j < K; j++)
					dot += up[j] * fv[j];
				acc = exp(beta * (dot - 1.0));
				if (mq_rng_unit(&r) < acc)
					break;
			}
			if (i == UINT32_MAX)
				break;	/* nothing left this member may rate */
			f = &s->f[i];
			s->seen[i >> 6] |= 1ULL << (i & 63);
			for (dot = 0, j = 0; j < K; j++)
				dot += up[j] * f->v[j];
			z = bias + 0.5 * f->q + 1.2 * dot +
			    0.7 * mq_rng_normal(&r);
			z = (z - Z_MEAN) / Z_SD;
			s->picks[k].item = i;
			s->picks[k].ts = ts[k];
			if (ts[k] >= T_HALFSTARS && mq_rng_unit(&r) < halfp) {
				for (j = 0; z >= s->thr_half[j]; j++)
					;
				s->picks[k].half = (uint8_t)(j + 1);
			} else {
				for (j = 0; z >= s->thr_whole[j]; j++)
					;
				s->picks[k].half = (uint8_t)(2 * (j + 1));
			}
		}
		n = k;
		qsort(s->picks, n, sizeof(s->picks[0]), cmp_pick);
		for (k = 0; k < n; k++) {
			const struct pick *pk = &s->picks[k];

			s->seen[pk->item >> 6] = 0;
			s->f[pk->item].nrat++;
			s->hist[pk->half - 1]++;
			if (pk->ts < s->ts_min)
				s->ts_min = pk->ts;
			if (pk->ts > s->ts_max)
				s->ts_max = pk->ts;
			wb_u64(wr, uid);
			wb_c(wr, ',');
			wb_u64(wr, s->f[pk->item].id);
			wb_c(wr, ',');
			wb_mem(wr, half_text[pk->half], 3);
			wb_c(wr, ',');
			wb_u64(wr, (uint64_t)pk->ts);
			wb_c(wr, '\n');
		}
		s->nr[u] = n;
		s->nratings += n;
		/* a few members tag, more of them among heavy raters */
		if (wt != NULL && mq_rng_unit(&r) < 0.03 + 0.12 *
		    (n > 500 ? 1.0 : n / 500.0))
			member_tags(s, &r, wt, uid, n);
		if (wr->err || (wt != NULL && wt->err))
			break;	/* reported by wb_finish */
	}
	free(ts);
	return MQ_OK;
}

static void
write_movies(const struct synth *s, struct wbuf *w)
{
	uint32_t i;
	int g, first;

	wb_str(w, "movieId,title,genres\n");
	for (i = 0; i < s->M; i++) {
		const struct film *f = &s->f[i];

		wb_u64(w, f->id);
		wb_c(w, ',');
		wb_field(w, s->arena + f->title);
		wb_c(w, ',');
		if (f->genres == 0)
			wb_str(w, "(no genres listed)");
		for (first = 1, g = 0; g < NGENRES; g++) {
			if (!(f->genres & B(g)))
				continue;
			if (!first)
				wb_c(w, '|');
			wb_str(w, genre_name[g]);
			first = 0;
		}
		wb_c(w, '\n');
	}
}

static void
write_links(const struct synth *s, struct wbuf *w)
{
	uint32_t i;

	wb_str(w, "movieId,imdbId,tmdbId\n");
	for (i = 0; i < s->M; i++) {
		const struct film *f = &s->f[i];

		wb_u64(w, f->id);
		wb_c(w, ',');
		wb_u64pad(w, f->imdb, 7);
		wb_c(w, ',');
		if (f->tmdb)
			wb_u64(w, f->tmdb);
		wb_c(w, '\n');
	}
}

struct gtag {
	char name[64];
	int g;			/* genre or -1 */
	double v[K];
	double b;
};

static int
cmp_gtag(const void *a, const void *b)
{
	return strcmp(((const struct gtag *)a)->name,
	    ((const struct gtag *)b)->name);
}

/*
 * The genome: G tags (vocabulary names, then modifier + name), sorted by
 * name as in MovieLens; relevance of each tag for each film with at least
 * GENOME_MIN ratings, from the film's taste vector and genres.
 */
static int
write_genome(struct synth *s, struct wbuf *wt, struct wbuf *ws)
{
	struct mq_rng r;
	struct gtag *gt;
	uint32_t G = s->o->genome_ntags, all = NVOCAB * (1 + NELEM(gmod));
	uint32_t *ord, i, j, t, tmp;
	int k;

	gt = mq_allocarray(G, sizeof(*gt));
	ord = mq_allocarray(all, sizeof(*ord));
	if (gt == NULL || ord == NULL) {
		free(gt);
		free(ord);
		return mq_oom();
	}
	mq_rng_seed(&r, mq_rng_mix(s->o->seed, S_GTAGS));
	/* the whole vocabulary first (shuffled), then the modified names */
	for (i = 0; i < all; i++)
		ord[i] = i;
	for (i = NVOCAB - 1; i > 0; i--) {
		j = (uint32_t)mq_rng_below(&r, (uint64_t)i + 1);
		tmp = ord[i];
		ord[i] = ord[j];
		ord[j] = tmp;
	}
	for (i = all - 1; i > NVOCAB; i--) {
		j = NVOCAB + (uint32_t)mq_rng_below(&r, i - NVOCAB + 1);
		tmp = ord[i];
		ord[i] = ord[j];
		ord[j] = tmp;
	}
	for (t = 0; t < G; t++) {
		uint32_t base = ord[t] % NVOCAB, m = ord[t] / NVOCAB;
		const char *txt = vocab[base].s;

		snprintf(gt[t].name, sizeof(gt[t].name), "%s%s",
		    m ? gmod[m - 1] : "", txt);
		gt[t].g = vocab[base].g;
		rand_vec(&r, gt[t].v, gt[t].g >= 0 ? 0.8 : 1.0);
		if (gt[t].g >= 0)
			for (k = 0; k < K; k++)
				gt[t].v[k] += s->gvec[gt[t].g][k];
		unit_vec(gt[t].v);
		gt[t].b = -3.0 + 0.5 * mq_rng_normal(&r);
	}
	qsort(gt, G, sizeof(*gt), cmp_gtag);

	wb_str(wt, "tagId,tag\n");
	for (t = 0; t < G; t++) {
		wb_u64(wt, t + 1);
		wb_c(wt, ',');
		wb_field(wt, gt[t].name);
		wb_c(wt, '\n');
	}
	wb_str(ws, "movieId,tagId,relevance\n");
	for (i = 0; i < s->M; i++) {
		const struct film *f = &s->f[i];

		if (f->nrat < GENOME_MIN)
			continue;
		mq_rng_seed(&r, mq_rng_mix(s->o->seed,
		    ((uint64_t)S_GENOME << 40) | f->id));
		for (t = 0; t < G; t++) {
			double dot = 0, z;

			for (k = 0; k < K; k++)
				dot += gt[t].v[k] * f->v[k];
			z = gt[t].b + 4.0 * dot + 0.6 * mq_rng_normal(&r);
			if (gt[t].g >= 0 && (f->genres & B(gt[t].g)))
				z += 1.0;
			wb_u64(ws, f->id);
			wb_c(ws, ',');
			wb_u64(ws, t + 1);
			wb_c(ws, ',');
			wb_fix5(ws, 1.0 / (1.0 + exp(-z)));
			wb_c(ws, '\n');
			s->ngscores++;
		}
	}
	free(gt);
	free(ord);
	return MQ_OK;
}

static int
fill_stats(const struct synth *s, struct mq_synth_stats *st)
{
	uint32_t *v, i, n;
	uint64_t top = 0;

	if ((v = mq_allocarray(s->N > s->M ? s->N : s->M, sizeof(*v))) == NULL)
		return mq_oom();
	st->users = s->N;
	st->movies = s->M;
	st->ratings = s->nratings;
	st->tags = s->ntags;
	st->genome_scores = s->ngscores;
	st->genome_tags = s->o->genome ? s->o->genome_ntags : 0;
	memcpy(st->hist, s->hist, sizeof(st->hist));
	st->ts_min = s->ts_min;
	st->ts_max = s->ts_max;
	memcpy(v, s->nr, s->N * sizeof(*v));
	qsort(v, s->N, sizeof(*v), mq_cmp_u32);
	st->user_min = v[0];
	st->user_median = v[s->N / 2];
	st->user_max = v[s->N - 1];
	for (n = 0, i = 0; i < s->M; i++)
		if (s->f[i].nrat > 0)
			v[n++] = s->f[i].nrat;
	st->rated_movies = n;
	st->movies_lt10 = 0;
	st->top1pct_share = 0;
	if (n > 0) {
		qsort(v, n, sizeof(*v), mq_cmp_u32);
		st->movie_min = v[0];
		st->movie_median = v[n / 2];
		st->movie_max = v[n - 1];
		for (i = 0; i < n; i++)
			if (v[i] < 10)
				st->movies_lt10++;
		for (i = 0; i < (s->M + 99) / 100 && i < n; i++)
			top += v[n - 1 - i];
		st->top1pct_share = s->nratings ?
		    (double)top / s->nratings : 0;
	}
	free(v);
	return MQ_OK;
}

void
mq_synth_opts_init(struct mq_synth_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->users = 2000;
	o->movies = 3000;
	o->ratings = 200000;
	o->seed = 1;
	o->min_ratings = 20;
	o->genome_ntags = 100;
	o->tags = 1;
	o->links = 1;
	o->genome = 0;
}

int
mq_synth_opts_preset(struct mq_synth_opts *o, const char *name)
{
	if (!strcmp(name, "small")) {
		o->users = 300;
		o->movies = 500;
		o->ratings = 20000;
	} else if (!strcmp(name, "default")) {
		o->users = 2000;
		o->movies = 3000;
		o->ratings = 200000;
	} else if (!strcmp(name, "20m")) {
		o->users = 138000;
		o->movies = 27000;
		o->ratings = 20000000;
	} else {
		mq_warnx("unknown size '%s' (small, default or 20m)", name);
		return MQ_EUSAGE;
	}
	return MQ_OK;
}

static int
check_opts(const struct mq_synth_opts *o, uint32_t *nmax)
{
	uint64_t cap;

	if (o->users == 0 || o->movies == 0 || o->movies > MOVIES_MAX) {
		mq_warnx("synth: need 1..%u films and at least one member",
		    MOVIES_MAX);
		return MQ_EUSAGE;
	}
	if (o->min_ratings == 0 || o->min_ratings > o->movies / 4) {
		mq_warnx("synth: %u ratings per member need at least %u films",
		    o->min_ratings, o->min_ratings * 4);
		return MQ_EUSAGE;
	}
	if (o->genome && (o->genome_ntags == 0 ||
	    o->genome_ntags > MQ_SYNTH_GENOME_MAX)) {
		mq_warnx("synth: genome tags must be 1..%d",
		    MQ_SYNTH_GENOME_MAX);
		return MQ_EUSAGE;
	}
	/* a member rates at most 30 % of the films */
	cap = o->movies * 3ULL / 10;
	if (cap < o->min_ratings)
		cap = o->min_ratings;
	*nmax = (uint32_t)cap;
	if (o->ratings < (uint64_t)o->users * o->min_ratings) {
		mq_warnx("synth: %llu ratings are fewer than %u members x %u",
		    (unsigned long long)o->ratings, o->users, o->min_ratings);
		return MQ_EUSAGE;
	}
	/* the soft cap keeps members well below nmax: allow 60 % of it */
	if (o->ratings > (uint64_t)o->users * (o->min_ratings +
	    (cap - o->min_ratings) * 6 / 10)) {
		mq_warnx("synth: %llu ratings are too many for %u members "
		    "and %u films", (unsigned long long)o->ratings, o->users,
		    o->movies);
		return MQ_EUSAGE;
	}
	return MQ_OK;
}

/* Remove dir/name if it exists (a stale file of a larger set). */
static int
remove_stale(const char *dir, const char *name)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path)) {
		mq_warnx("%s: path too long", dir);
		return MQ_EIO;
	}
	if (unlink(path) == -1 && errno != ENOENT) {
		mq_warn("%s", path);
		return MQ_EIO;
	}
	return MQ_OK;
}

enum { F_MOVIES, F_RATINGS, F_TAGS, F_LINKS, F_GTAGS, F_GSCORES, F_N };

static const char *const fname[F_N] = {
	"movies.csv", "ratings.csv", "tags.csv", "links.csv",
	"genome-tags.csv", "genome-scores.csv"
};

int
mq_synth_write(const char *dir, const struct mq_synth_opts *o)
{
	struct synth s;
	struct wbuf w[F_N];
	int want[F_N], rc, i;

	memset(&s, 0, sizeof(s));
	memset(w, 0, sizeof(w));
	if ((rc = check_opts(o, &s.nmax)) != MQ_OK)
		return rc;
	s.o = o;
	s.M = o->movies;
	s.N = o->users;
	s.ts_min = INT64_MAX;
	s.ts_max = INT64_MIN;
	if (o->stats != NULL)
		memset(o->stats, 0, sizeof(*o->stats));
	want[F_MOVIES] = want[F_RATINGS] = 1;
	want[F_TAGS] = o->tags;
	want[F_LINKS] = o->links;
	want[F_GTAGS] = want[F_GSCORES] = o->genome;

	rc = MQ_ENOMEM;
	s.f = calloc(s.M, sizeof(*s.f));
	s.nr = calloc(s.N, sizeof(*s.nr));
	s.seen = calloc((s.M + 63) / 64, sizeof(*s.seen));
	s.picks = mq_allocarray(s.nmax, sizeof(*s.picks));
	s.offs = mq_allocarray(s.nmax, sizeof(*s.offs));
	s.rel = mq_allocarray(s.M, sizeof(*s.rel));
	s.vec = mq_allocarray(s.M, K * sizeof(*s.vec));
	if (s.f == NULL || s.nr == NULL || s.seen == NULL || s.picks == NULL ||
	    s.offs == NULL || s.rel == NULL || s.vec == NULL) {
		(void)mq_oom();
		goto out;
	}
	for (i = 0; i < F_N; i++)
		if (want[i] && (rc = wb_open(&w[i], dir, fname[i])) != MQ_OK)
			goto out;

	genre_vectors(&s);
	cut_points(&s);
	if ((rc = make_films(&s)) != MQ_OK)
		goto out;
	number_films(&s);
	if ((rc = popularity(&s)) != MQ_OK)
		goto out;
	if ((rc = link_ids(&s)) != MQ_OK)
		goto out;
	if ((rc = activity(&s)) != MQ_OK)
		goto out;

	write_movies(&s, &w[F_MOVIES]);
	if (o->links)
		write_links(&s, &w[F_LINKS]);
	if ((rc = members(&s, &w[F_RATINGS], o->tags ? &w[F_TAGS] : NULL)))
		goto out;
	if (o->genome &&
	    (rc = write_genome(&s, &w[F_GTAGS], &w[F_GSCORES])) != MQ_OK)
		goto out;

	for (i = 0; i < F_N; i++)
		if (want[i] && (rc = wb_finish(&w[i])) != MQ_OK)
			goto out;
	for (i = 0; i < F_N; i++) {
		if (!want[i]) {
			if ((rc = remove_stale(dir, fname[i])) != MQ_OK)
				goto out;
			continue;
		}
		if (rename(w[i].tmp, w[i].dst) == -1) {
			mq_warn("%s", w[i].dst);
			rc = MQ_EIO;
			goto out;
		}
		w[i].tmp[0] = '\0';
	}
	if (o->stats != NULL && (rc = fill_stats(&s, o->stats)) != MQ_OK)
		goto out;
	rc = MQ_OK;
out:
	for (i = 0; i < F_N; i++)
		wb_discard(&w[i]);
	alias_free(&s.pop);
	alias_free(&s.flat);
	for (i = 0; i < NGENRES; i++) {
		alias_free(&s.gpop[i]);
		free(s.gfilm[i]);
	}
	free(s.f);
	free(s.nr);
	free(s.seen);
	free(s.picks);
	free(s.offs);
	free(s.rel);
	free(s.vec);
	free(s.arena);
	return rc;
}
