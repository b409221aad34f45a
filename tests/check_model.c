/*
 * check_model.c - the item, user, random and popularity models.
 *
 * Properties every list must have (films exist, unseen, unique, never the
 * query film), that the models find the fixture's taste groups, that
 * results do not depend on the thread count, and the brief's robustness
 * tests: stability under small changes of the data and diversity across
 * films and members.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_suites.h"
#include "fixture.h"
#include "mq_err.h"
#include "mq_model.h"
#include "mq_rng.h"

#define N 10

/* The list properties of out[0..n-1] for member u, best first. */
static void
assert_list(const struct mq_matrix *R, uint32_t u, const struct mq_scored *v,
    uint32_t n)
{
	uint32_t a;

	fixture_check_list(R, u, v, n);
	for (a = 1; a < n; a++)
		ck_assert(v[a - 1].score >= v[a].score);
}

static void
assert_all_lists(const struct mq_model *m, uint32_t n, int want_full)
{
	struct mq_scored *out = malloc((size_t)m->R->nusers * n * sizeof(*out));
	uint32_t *cnt = calloc(m->R->nusers, sizeof(*cnt));
	uint32_t u;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(cnt);
	ck_assert_int_eq(mq_model_recommend_all(m, n, out, cnt), MQ_OK);
	for (u = 0; u < m->R->nusers; u++) {
		uint32_t unseen = m->R->nitems - (uint32_t)mq_matrix_udeg(m->R, u);

		ck_assert_uint_le(cnt[u], n);
		if (want_full)
			ck_assert_uint_eq(cnt[u], unseen < n ? unseen : n);
		assert_list(m->R, u, out + (size_t)u * n, cnt[u]);
	}
	free(out);
	free(cnt);
}

START_TEST(lists_have_the_properties)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model m;
	int kind;

	fixture_build(&R, NULL, 1);
	for (kind = 0; kind < MQ_MODEL_NKINDS; kind++) {
		mq_params_init(&p, (enum mq_kind)kind);
		ck_assert_int_eq(mq_model_fit(&m, (enum mq_kind)kind, &R, &p),
		    MQ_OK);
		assert_all_lists(&m, N, kind == MQ_MODEL_RANDOM ||
		    kind == MQ_MODEL_POP);
		mq_model_release(&m);
	}
	mq_matrix_release(&R);
}
END_TEST

START_TEST(item_neighbours_find_the_blocks)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_nbrs nb;
	uint32_t i, q, same = 0, total = 0;

	fixture_build(&R, NULL, 2);
	mq_params_init(&p, MQ_MODEL_ITEM);
	p.k = 5;
	ck_assert_int_eq(mq_nbrs_items(&nb, &R, &p), MQ_OK);
	for (i = 0; i < R.nitems; i++) {
		ck_assert_uint_le(nb.cnt[i], 5);
		for (q = 0; q < nb.cnt[i]; q++) {
			uint32_t j = nb.id[(size_t)i * nb.k + q];

			ck_assert_uint_ne(j, i);
			ck_assert_uint_lt(j, R.nitems);
			ck_assert(nb.sim[(size_t)i * nb.k + q] > 0);
			if (q)
				ck_assert(nb.sim[(size_t)i * nb.k + q] <=
				    nb.sim[(size_t)i * nb.k + q - 1]);
			same += FX_BLOCK(i) == FX_BLOCK(j);
			total++;
		}
	}
	ck_assert_uint_gt(total, 250);
	ck_assert_msg(same * 10 >= total * 9, "%u of %u neighbours in block",
	    same, total);
	mq_nbrs_release(&nb);
	mq_matrix_release(&R);
}
END_TEST

/*
 * The film walk against the formula, pair by pair: sim(i -> j) = dot(i, j)
 * / (|i|^(2 alpha) |j|^(2 (1 - alpha))) * n / (n + shrink), over the n
 * members who rated both; every list holds the best k films of all.
 */
static void
assert_item_sims(const struct mq_matrix *R, const struct mq_params *p)
{
	uint32_t ni = R->nitems, nu = R->nusers, i, j, u, q;
	double *w = calloc((size_t)ni * nu, sizeof(*w)), *n2;
	double *want = malloc(ni * sizeof(*want));
	struct mq_nbrs nb;
	size_t a;

	n2 = calloc(ni, sizeof(*n2));
	ck_assert(w && n2 && want);
	for (u = 0; u < nu; u++) {
		double mu = 0;

		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++)
			mu += R->u_half[a];
		mu /= (double)(R->u_off[u + 1] - R->u_off[u]);
		for (a = R->u_off[u]; a < R->u_off[u + 1]; a++) {
			double x = p->sim == MQ_SIM_COSINE ? 1 :
			    p->sim == MQ_SIM_ADJUSTED ?
			    (R->u_half[a] - mu) / 2.0 : R->u_half[a] / 2.0;

			/* a weight of exactly 0 still counts as rated */
			w[(size_t)R->u_item[a] * nu + u] = x != 0 ? x : 1e-300;
			n2[R->u_item[a]] += x * x;
		}
	}
	ck_assert_int_eq(mq_nbrs_items(&nb, R, p), MQ_OK);
	for (i = 0; i < ni; i++) {
		uint32_t npos = 0, nsure = 0, listed;
		double worst;

		for (j = 0; j < ni; j++) {
			double dot = 0;
			uint32_t cnt = 0;

			want[j] = 0;
			if (j == i)
				continue;
			for (u = 0; u < nu; u++)
				if (w[(size_t)i * nu + u] != 0 &&
				    w[(size_t)j * nu + u] != 0) {
					dot += w[(size_t)i * nu + u] *
					    w[(size_t)j * nu + u];
					cnt++;
				}
			if (cnt == 0)
				continue;
			want[j] = dot / (pow(n2[i], p->alpha) *
			    pow(n2[j], 1 - p->alpha)) * cnt / (cnt + p->shrink);
			npos += want[j] > 0;
			nsure += want[j] > 1e-6;	/* > 0 in float too */
		}
		listed = nb.cnt[i];
		ck_assert_uint_le(listed, npos < p->k ? npos : p->k);
		ck_assert_uint_ge(listed, nsure < p->k ? nsure : p->k);
		for (q = 0; q < listed; q++) {
			j = nb.id[(size_t)i * nb.k + q];
			ck_assert_double_eq_tol(nb.sim[(size_t)i * nb.k + q],
			    want[j], 1e-5 * want[j] + 1e-6);
			want[j] = -1;	/* listed */
		}
		worst = listed ? nb.sim[(size_t)i * nb.k + listed - 1] : 0;
		for (j = 0; j < ni; j++)
			ck_assert_msg(want[j] <= worst * (1 + 1e-5) + 1e-6,
			    "film %u: %u left out at %g, above %g", i, j,
			    want[j], worst);
	}
	mq_nbrs_release(&nb);
	free(w);
	free(n2);
	free(want);
}

START_TEST(item_sims_are_the_formula)
{
	struct mq_matrix R;
	struct mq_params p;

	fixture_build(&R, NULL, 7);
	mq_params_init(&p, MQ_MODEL_ITEM);
	p.k = 6;
	assert_item_sims(&R, &p);
	p.alpha = 0.3;
	p.shrink = 0;
	assert_item_sims(&R, &p);
	p.sim = MQ_SIM_COSINE;
	p.alpha = 0.7;
	p.shrink = 4;
	assert_item_sims(&R, &p);
	p.sim = MQ_SIM_ADJUSTED;
	p.alpha = 0.5;
	assert_item_sims(&R, &p);
	mq_matrix_release(&R);
}
END_TEST

/*
 * With more than 65 536 films the walk reads 32-bit film indexes, not 16;
 * the same ratings spread out that far give the same lists, bit for bit.
 */
START_TEST(item_walk_past_65536_films)
{
	struct mq_matrix R, W;
	struct mq_params p;
	struct mq_nbrs a, b;
	struct mq_triple *t;
	const uint32_t off = 65536;
	uint32_t u, i, q;
	size_t n = 0, x;

	fixture_build(&R, NULL, 8);
	t = malloc(R.nnz * sizeof(*t));
	ck_assert_ptr_nonnull(t);
	for (u = 0; u < R.nusers; u++)
		for (x = R.u_off[u]; x < R.u_off[u + 1]; x++)
			t[n++] = (struct mq_triple){ u, R.u_item[x] + off,
			    R.u_ts[x], R.u_half[x] };
	ck_assert_int_eq(mq_matrix_build(&W, R.nusers, R.nitems + off, t, n),
	    MQ_OK);
	mq_params_init(&p, MQ_MODEL_ITEM);
	p.sim = MQ_SIM_ADJUSTED;
	ck_assert_int_eq(mq_nbrs_items(&a, &R, &p), MQ_OK);
	ck_assert_int_eq(mq_nbrs_items(&b, &W, &p), MQ_OK);
	for (i = 0; i < off; i++)
		ck_assert_uint_eq(b.cnt[i], 0);
	for (i = 0; i < R.nitems; i++) {
		ck_assert_uint_gt(a.cnt[i], 0);
		ck_assert_uint_eq(a.cnt[i], b.cnt[i + off]);
		for (q = 0; q < a.cnt[i]; q++) {
			ck_assert_uint_eq(a.id[(size_t)i * a.k + q] + off,
			    b.id[(size_t)(i + off) * b.k + q]);
			ck_assert(a.sim[(size_t)i * a.k + q] ==
			    b.sim[(size_t)(i + off) * b.k + q]);
		}
	}
	mq_nbrs_release(&a);
	mq_nbrs_release(&b);
	mq_matrix_release(&R);
	mq_matrix_release(&W);
	free(t);
}
END_TEST

/* Share of list films in the member's own block, for a kNN model. */
static double
in_block_share(enum mq_kind kind, const struct mq_params *p)
{
	struct mq_matrix R;
	struct mq_model m;
	struct mq_scored *out = malloc(FX_USERS * 5 * sizeof(*out));
	uint32_t cnt[FX_USERS], u, r, same = 0, total = 0;

	fixture_build(&R, NULL, 3);
	ck_assert_int_eq(mq_model_fit(&m, kind, &R, p), MQ_OK);
	ck_assert_int_eq(mq_model_recommend_all(&m, 5, out, cnt), MQ_OK);
	for (u = 0; u < FX_USERS; u++)
		for (r = 0; r < cnt[u]; r++) {
			same += FX_BLOCK(out[u * 5 + r].id) == FX_GROUP(u);
			total++;
		}
	mq_model_release(&m);
	mq_matrix_release(&R);
	free(out);
	ck_assert_uint_gt(total, FX_USERS * 4);
	return (double)same / total;
}

START_TEST(knn_lists_follow_tastes)
{
	struct mq_params p;

	mq_params_init(&p, MQ_MODEL_ITEM);
	ck_assert_double_ge(in_block_share(MQ_MODEL_ITEM, &p), 0.9);
	p.sim = MQ_SIM_ADJUSTED;
	ck_assert_double_ge(in_block_share(MQ_MODEL_ITEM, &p), 0.8);
	/*
	 * Members of a group also rate the other blocks' popular films
	 * (24 %), so their neighbours rightly pass a few of those on.
	 */
	mq_params_init(&p, MQ_MODEL_USER);
	ck_assert_double_ge(in_block_share(MQ_MODEL_USER, &p), 0.85);
	p.recency = 0;
	ck_assert_double_ge(in_block_share(MQ_MODEL_USER, &p), 0.85);
	p.sim = MQ_SIM_RATING;
	ck_assert_double_ge(in_block_share(MQ_MODEL_USER, &p), 0.85);
}
END_TEST

START_TEST(user_neighbours_are_other_members)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model m;
	uint32_t u, q, same = 0, total = 0;

	fixture_build(&R, NULL, 4);
	mq_params_init(&p, MQ_MODEL_USER);
	p.k = 10;
	ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_USER, &R, &p), MQ_OK);
	for (u = 0; u < R.nusers; u++)
		for (q = 0; q < m.nb.cnt[u]; q++) {
			uint32_t v = m.nb.id[(size_t)u * m.nb.k + q];

			ck_assert_uint_ne(u, v);
			same += FX_GROUP(u) == FX_GROUP(v);
			total++;
		}
	ck_assert_msg(same * 10 >= total * 9, "%u of %u", same, total);
	mq_model_release(&m);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(threads_do_not_change_results)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model a, b;
	int kind;

	fixture_build(&R, NULL, 5);
	for (kind = MQ_MODEL_ITEM; kind <= MQ_MODEL_USER; kind++) {
		mq_params_init(&p, (enum mq_kind)kind);
		p.threads = 1;
		ck_assert_int_eq(mq_model_fit(&a, (enum mq_kind)kind, &R, &p), 0);
		p.threads = 3;
		ck_assert_int_eq(mq_model_fit(&b, (enum mq_kind)kind, &R, &p), 0);
		ck_assert_mem_eq(a.nb.cnt, b.nb.cnt, R.nitems > R.nusers ?
		    a.nb.nrows * 4 : a.nb.nrows * 4);
		ck_assert_mem_eq(a.nb.id, b.nb.id,
		    (size_t)a.nb.nrows * a.nb.k * 4);
		ck_assert_mem_eq(a.nb.sim, b.nb.sim,
		    (size_t)a.nb.nrows * a.nb.k * 4);
		mq_model_release(&a);
		mq_model_release(&b);
	}
	mq_matrix_release(&R);
}
END_TEST

/*
 * The bounded member walk: the same lists on any thread count, every
 * neighbour it keeps scored exactly as the exact walk scores it, a
 * recall mq_user_recall() reports truthfully, and 1 for the exact walk.
 */
START_TEST(bounded_user_walk)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model ex, a, b;
	uint32_t u, q, z, nm, hit = 0, all = 0;
	double rec;

	fixture_build(&R, NULL, 6);
	mq_params_init(&p, MQ_MODEL_USER);
	p.threads = 2;
	ck_assert_int_eq(mq_model_fit(&ex, MQ_MODEL_USER, &R, &p), MQ_OK);
	ck_assert_uint_eq(ex.uwork.recent, 0);
	ck_assert_int_eq(mq_user_recall(&ex, 50, &rec, &nm), MQ_OK);
	ck_assert_double_eq(rec, 1.0);
	p.user_budget = 1;	/* anything above it is bounded */
	p.user_recent = 3;
	p.user_cand = 40;
	p.threads = 1;
	ck_assert_int_eq(mq_model_fit(&a, MQ_MODEL_USER, &R, &p), MQ_OK);
	p.threads = 3;
	ck_assert_int_eq(mq_model_fit(&b, MQ_MODEL_USER, &R, &p), MQ_OK);
	ck_assert_uint_eq(a.uwork.recent, 3);
	ck_assert_uint_lt(a.uwork.walked, a.uwork.exact);
	ck_assert_uint_eq(a.uwork.walked, b.uwork.walked);
	ck_assert_mem_eq(a.nb.cnt, b.nb.cnt, (size_t)R.nusers * 4);
	ck_assert_mem_eq(a.nb.id, b.nb.id, (size_t)R.nusers * p.k * 4);
	ck_assert_mem_eq(a.nb.sim, b.nb.sim, (size_t)R.nusers * p.k * 4);
	for (u = 0; u < R.nusers; u++) {
		const uint32_t *ei = ex.nb.id + (size_t)u * p.k;
		const uint32_t *ai = a.nb.id + (size_t)u * p.k;

		for (q = 0; q < a.nb.cnt[u]; q++) {
			ck_assert_uint_ne(ai[q], u);
			for (z = 0; z < ex.nb.cnt[u]; z++)
				if (ei[z] == ai[q]) {
					/* bit for bit the exact score */
					ck_assert(ex.nb.sim[(size_t)u * p.k +
					    z] == a.nb.sim[(size_t)u * p.k + q]);
					hit++;
				}
		}
		all += ex.nb.cnt[u];
	}
	ck_assert_int_eq(mq_user_recall(&a, R.nusers, &rec, &nm), MQ_OK);
	ck_assert_uint_eq(nm, R.nusers);
	ck_assert_double_eq_tol(rec, (double)hit / all, 1e-12);
	ck_assert_msg(rec > 0.5 && rec < 1.0, "recall %g", rec);
	mq_model_release(&ex);
	mq_model_release(&a);
	mq_model_release(&b);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(random_is_reproducible_per_date)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model m;
	struct mq_scratch s;
	struct mq_scored x[N], y[N], z[N];
	uint32_t nx, ny, nz, differ = 0, u;

	fixture_build(&R, NULL, 6);
	mq_params_init(&p, MQ_MODEL_RANDOM);
	for (u = 0; u < 20; u++) {
		p.seed = 20261123;
		ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_RANDOM, &R, &p), 0);
		ck_assert_int_eq(mq_scratch_init(&s, &m, N), 0);
		mq_model_recommend(&m, &s, u, N, x, &nx);
		mq_model_recommend(&m, &s, u, N, y, &ny);
		mq_model_release(&m);
		p.seed = 20261124;
		ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_RANDOM, &R, &p), 0);
		mq_model_recommend(&m, &s, u, N, z, &nz);
		ck_assert_uint_eq(nx, N);
		ck_assert_uint_eq(ny, N);
		ck_assert_mem_eq(x, y, sizeof(x));
		differ += memcmp(x, z, sizeof(x)) != 0;
		assert_list(&R, u, z, nz);
		mq_scratch_release(&s);
		mq_model_release(&m);
	}
	ck_assert_uint_eq(differ, 20);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(random_when_almost_all_seen)
{
	struct mq_triple t[40];
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model m;
	struct mq_scratch s;
	struct mq_scored v[N];
	uint32_t i, n;

	/* member 0 rated films 0..37 of 40: only 38 and 39 are left */
	for (i = 0; i < 38; i++)
		t[i] = (struct mq_triple){ 0, i, i, 8 };
	ck_assert_int_eq(mq_matrix_build(&R, 1, 40, t, 38), MQ_OK);
	mq_params_init(&p, MQ_MODEL_RANDOM);
	ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_RANDOM, &R, &p), MQ_OK);
	ck_assert_int_eq(mq_scratch_init(&s, &m, N), MQ_OK);
	mq_model_recommend(&m, &s, 0, N, v, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].id + v[1].id, 38 + 39);
	mq_scratch_release(&s);
	mq_model_release(&m);
	mq_matrix_release(&R);
}
END_TEST

START_TEST(pop_lists_most_rated_unseen)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model m;
	struct mq_scratch s;
	struct mq_scored v[N];
	uint32_t n, r;

	fixture_build(&R, NULL, 7);
	mq_params_init(&p, MQ_MODEL_POP);
	ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_POP, &R, &p), MQ_OK);
	ck_assert_int_eq(mq_scratch_init(&s, &m, N), MQ_OK);
	mq_model_recommend(&m, &s, 0, N, v, &n);
	ck_assert_uint_eq(n, N);
	for (r = 1; r < n; r++)
		ck_assert_uint_ge(mq_matrix_ideg(&R, v[r - 1].id),
		    mq_matrix_ideg(&R, v[r].id));
	for (r = 0; r + 1 < R.nitems; r++)
		ck_assert_uint_ge(mq_matrix_ideg(&R, m.pop_order[r]),
		    mq_matrix_ideg(&R, m.pop_order[r + 1]));
	mq_scratch_release(&s);
	mq_model_release(&m);
	mq_matrix_release(&R);
}
END_TEST

/*
 * The brief's stability test: 100 predictions of 10 films for one profile
 * contain at least one film in at least 80 % of them.  Each prediction is
 * made by a model refitted after removing a different random 2 % of the
 * other members' ratings, so the test measures robustness to the data,
 * not determinism.
 */
static void
stability(enum mq_kind kind)
{
	struct mq_matrix R, P;
	struct mq_params p;
	struct mq_rng rng;
	unsigned seen[FX_ITEMS] = { 0 }, best = 0;
	uint32_t run, u, target = 5;

	fixture_build(&R, NULL, 8);
	mq_params_init(&p, kind);
	mq_rng_seed(&rng, 99);
	for (run = 0; run < 100; run++) {
		struct mq_model m;
		struct mq_scratch s;
		struct mq_scored v[N];
		uint32_t nv, r;

		fixture_thin(&P, &R, target, &rng);
		ck_assert_int_eq(mq_model_fit(&m, kind, &P, &p), MQ_OK);
		ck_assert_int_eq(mq_scratch_init(&s, &m, N), MQ_OK);
		mq_model_recommend(&m, &s, target, N, v, &nv);
		ck_assert_uint_gt(nv, 0);
		for (r = 0; r < nv; r++)
			seen[v[r].id]++;
		mq_scratch_release(&s);
		mq_model_release(&m);
		mq_matrix_release(&P);
	}
	for (u = 0; u < FX_ITEMS; u++)
		if (seen[u] > best)
			best = seen[u];
	ck_assert_msg(best >= 80, "%s: most frequent film in %u of 100 lists",
	    mq_kind_name[kind], best);
	mq_matrix_release(&R);
}

START_TEST(stable_item)
{
	stability(MQ_MODEL_ITEM);
}
END_TEST

START_TEST(stable_user)
{
	stability(MQ_MODEL_USER);
}
END_TEST

/*
 * The brief's diversity test: the lists for 3 different films, and for
 * 2 different members, differ by at least one film.
 */
START_TEST(lists_differ)
{
	struct mq_matrix R;
	struct mq_params p;
	struct mq_model m;
	struct mq_scratch s;
	struct mq_scored a[N], b[N];
	uint32_t na, nb, i;
	int kind;

	fixture_build(&R, NULL, 10);
	/* films 0, 25, 50: one per block */
	mq_params_init(&p, MQ_MODEL_ITEM);
	p.k = N;
	ck_assert_int_eq(mq_model_fit(&m, MQ_MODEL_ITEM, &R, &p), MQ_OK);
	for (i = 0; i < 3; i++) {
		uint32_t x = (i * 25) % FX_ITEMS, y = ((i + 1) * 25) % FX_ITEMS;

		ck_assert_uint_gt(m.nb.cnt[x], 0);
		ck_assert_msg(m.nb.cnt[x] != m.nb.cnt[y] ||
		    memcmp(m.nb.id + (size_t)x * N, m.nb.id + (size_t)y * N,
		    m.nb.cnt[x] * 4) != 0, "films %u and %u: same list", x, y);
	}
	mq_model_release(&m);
	for (kind = 0; kind < MQ_MODEL_NKINDS; kind++) {
		if (kind == MQ_MODEL_POP)
			continue;	/* a baseline meant to say the same */
		mq_params_init(&p, (enum mq_kind)kind);
		ck_assert_int_eq(mq_model_fit(&m, (enum mq_kind)kind, &R, &p), 0);
		ck_assert_int_eq(mq_scratch_init(&s, &m, N), MQ_OK);
		/* two members of the same taste group */
		mq_model_recommend(&m, &s, 1, N, a, &na);
		mq_model_recommend(&m, &s, 2, N, b, &nb);
		for (i = 0; i < na && i < nb; i++)
			if (a[i].id != b[i].id)
				break;
		ck_assert_msg(na != nb || i < na, "%s: members 1 and 2 get "
		    "the same list", mq_kind_name[kind]);
		mq_scratch_release(&s);
		mq_model_release(&m);
	}
	mq_matrix_release(&R);
}
END_TEST

START_TEST(names_parse)
{
	ck_assert_int_eq(mq_kind_parse("item"), MQ_MODEL_ITEM);
	ck_assert_int_eq(mq_kind_parse("user"), MQ_MODEL_USER);
	ck_assert_int_eq(mq_kind_parse("random"), MQ_MODEL_RANDOM);
	ck_assert_int_eq(mq_kind_parse("pop"), MQ_MODEL_POP);
	ck_assert_int_eq(mq_kind_parse("Item"), -1);
	ck_assert_int_eq(mq_sim_parse("adjusted"), MQ_SIM_ADJUSTED);
	ck_assert_int_eq(mq_sim_parse(""), -1);
}
END_TEST

Suite *
model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");
	TCase *rb = tcase_create("robustness");

	tcase_add_test(tc, lists_have_the_properties);
	tcase_add_test(tc, item_neighbours_find_the_blocks);
	tcase_add_test(tc, item_sims_are_the_formula);
	tcase_add_test(tc, item_walk_past_65536_films);
	tcase_add_test(tc, knn_lists_follow_tastes);
	tcase_add_test(tc, user_neighbours_are_other_members);
	tcase_add_test(tc, threads_do_not_change_results);
	tcase_add_test(tc, bounded_user_walk);
	tcase_add_test(tc, random_is_reproducible_per_date);
	tcase_add_test(tc, random_when_almost_all_seen);
	tcase_add_test(tc, pop_lists_most_rated_unseen);
	tcase_add_test(tc, names_parse);
	suite_add_tcase(s, tc);
	tcase_set_timeout(rb, 60);
	tcase_add_test(rb, stable_item);
	tcase_add_test(rb, stable_user);
	tcase_add_test(rb, lists_differ);
	suite_add_tcase(s, rb);
	return s;
}
