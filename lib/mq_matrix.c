/*
 * mq_matrix.c - building and querying the two-way CSR ratings matrix.
 *
 * The build counts per member, prefix-sums into offsets and scatters the
 * ratings into member rows in input order; a row not already in film order
 * is sorted.  Each film column is then filled by walking the rows in
 * member order, so it comes out sorted by member.
 */
#include <stdlib.h>
#include <string.h>

#include "mq_err.h"
#include "mq_matrix.h"

void
mq_matrix_release(struct mq_matrix *m)
{
	if (m == NULL)
		return;
	free(m->u_off);
	free(m->u_item);
	free(m->u_half);
	free(m->u_ts);
	free(m->i_off);
	free(m->i_user);
	free(m->i_half);
	memset(m, 0, sizeof(*m));
}

int
mq_matrix_columns(struct mq_matrix *m)
{
	size_t *fill, p, q;
	uint32_t u, i;

	m->i_off = calloc((size_t)m->nitems + 1, sizeof(size_t));
	m->i_user = mq_allocarray(m->nnz, sizeof(uint32_t));
	m->i_half = mq_allocarray(m->nnz, 1);
	fill = mq_allocarray((size_t)m->nitems + 1, sizeof(size_t));
	if (!m->i_off || !m->i_user || !m->i_half || !fill) {
		free(m->i_off);
		free(m->i_user);
		free(m->i_half);
		free(fill);
		m->i_off = NULL;
		m->i_user = NULL;
		m->i_half = NULL;
		return mq_oom();
	}
	for (p = 0; p < m->nnz; p++)
		m->i_off[m->u_item[p] + 1]++;
	for (i = 0; i < m->nitems; i++)
		m->i_off[i + 1] += m->i_off[i];
	/* walking members in order fills every column in member order */
	memcpy(fill, m->i_off, ((size_t)m->nitems + 1) * sizeof(size_t));
	for (u = 0; u < m->nusers; u++)
		for (p = m->u_off[u]; p < m->u_off[u + 1]; p++) {
			q = fill[m->u_item[p]]++;
			m->i_user[q] = u;
			m->i_half[q] = m->u_half[p];
		}
	free(fill);
	return MQ_OK;
}

/* Order (film, position) pairs: a row's stable order by film. */
static int
cmp_film_pos(const void *a, const void *b)
{
	const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Put row u in film order (stably, though a row holds each film once).
 * key is scratch for the row's length in (film << 32 | index) keys, and
 * the three value scratch arrays as long (a row holds fewer than 2^32).
 */
static void
sort_row(struct mq_matrix *m, uint32_t u, uint64_t *key, uint32_t *item,
    uint8_t *half, int64_t *ts)
{
	size_t base = m->u_off[u], d = m->u_off[u + 1] - base, a;

	for (a = 0; a < d; a++)
		key[a] = (uint64_t)m->u_item[base + a] << 32 | a;
	qsort(key, d, sizeof(*key), cmp_film_pos);
	for (a = 0; a < d; a++) {
		size_t from = base + (uint32_t)key[a];

		item[a] = m->u_item[from];
		half[a] = m->u_half[from];
		ts[a] = m->u_ts[from];
	}
	memcpy(m->u_item + base, item, d * sizeof(*item));
	memcpy(m->u_half + base, half, d);
	memcpy(m->u_ts + base, ts, d * sizeof(*ts));
}

int
mq_matrix_build(struct mq_matrix *m, uint32_t nusers, uint32_t nitems,
    const struct mq_triple *t, size_t n)
{
	size_t *fill = NULL, k, q, d, maxd = 1;
	uint64_t *key = NULL;
	uint32_t *item = NULL, u;
	uint8_t *half = NULL;
	int64_t *ts = NULL;
	int rc = MQ_OK;

	memset(m, 0, sizeof(*m));
	m->nusers = nusers;
	m->nitems = nitems;
	m->nnz = n;
	m->u_off = calloc((size_t)nusers + 1, sizeof(size_t));
	m->u_item = mq_allocarray(n, sizeof(uint32_t));
	m->u_half = mq_allocarray(n, 1);
	m->u_ts = mq_allocarray(n, sizeof(int64_t));
	fill = mq_allocarray((size_t)nusers + 1, sizeof(size_t));
	if (!m->u_off || !m->u_item || !m->u_half || !m->u_ts || !fill) {
		rc = mq_oom();
		goto out;
	}

	/* 1. Rows in input order: the ratings come grouped by member, as
	      MovieLens writes them, so this pass reads and writes in order. */
	for (k = 0; k < n; k++)
		m->u_off[t[k].user + 1]++;
	for (u = 0; u < nusers; u++)
		m->u_off[u + 1] += m->u_off[u];
	memcpy(fill, m->u_off, ((size_t)nusers + 1) * sizeof(size_t));
	for (k = 0; k < n; k++) {
		q = fill[t[k].user]++;
		m->u_item[q] = t[k].item;
		m->u_half[q] = t[k].half;
		m->u_ts[q] = t[k].ts;
	}

	/* 2. Each row in film order, stably; MovieLens rows already are. */
	for (u = 0; u < nusers; u++)
		if ((d = m->u_off[u + 1] - m->u_off[u]) > maxd)
			maxd = d;
	for (u = 0; u < nusers; u++) {
		for (k = m->u_off[u] + 1; k < m->u_off[u + 1]; k++)
			if (m->u_item[k] < m->u_item[k - 1])
				break;
		if (k >= m->u_off[u + 1])
			continue;
		if (key == NULL) {
			key = mq_allocarray(maxd, sizeof(*key));
			item = mq_allocarray(maxd, sizeof(*item));
			half = mq_allocarray(maxd, sizeof(*half));
			ts = mq_allocarray(maxd, sizeof(*ts));
			if (!key || !item || !half || !ts) {
				rc = mq_oom();
				goto out;
			}
		}
		sort_row(m, u, key, item, half, ts);
	}

	/* 3. The columns, from the rows (it reports its own failure). */
	rc = mq_matrix_columns(m);
out:
	free(fill);
	free(key);
	free(item);
	free(half);
	free(ts);
	if (rc)
		mq_matrix_release(m);
	return rc;
}

size_t
mq_lower_u32(const uint32_t *v, size_t lo, size_t hi, uint32_t x)
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t
mq_matrix_find(const struct mq_matrix *m, uint32_t u, uint32_t i)
{
	size_t end = m->u_off[u + 1];
	size_t k = mq_lower_u32(m->u_item, m->u_off[u], end, i);

	return k < end && m->u_item[k] == i ? k : (size_t)-1;
}

int
mq_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int64_t
mq_find_id(const uint32_t *ids, size_t n, uint32_t id)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ids[mid] < id)
			lo = mid + 1;
		else if (ids[mid] > id)
			hi = mid;
		else
			return (int64_t)mid;
	}
	return -1;
}
