/*
 * mq_matrix.c - building and querying the two-way CSR ratings matrix.
 *
 * The build is a counting sort, no comparison sort: count per member and
 * per film, prefix-sum into offsets, then three linear scatters that leave
 * every member row sorted by film and every film column sorted by member.
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

int
mq_matrix_build(struct mq_matrix *m, uint32_t nusers, uint32_t nitems,
    const struct mq_triple *t, size_t n)
{
	size_t *fill = NULL, *colk = NULL;
	size_t nfill = (nusers > nitems ? nusers : nitems) + (size_t)1;
	size_t k, p, q;
	uint32_t u, i;

	memset(m, 0, sizeof(*m));
	m->nusers = nusers;
	m->nitems = nitems;
	m->nnz = n;
	m->u_off = calloc((size_t)nusers + 1, sizeof(size_t));
	m->i_off = calloc((size_t)nitems + 1, sizeof(size_t));
	m->u_item = mq_allocarray(n, sizeof(uint32_t));
	m->u_half = mq_allocarray(n, 1);
	m->u_ts = mq_allocarray(n, sizeof(int64_t));
	fill = mq_allocarray(nfill, sizeof(size_t));
	colk = mq_allocarray(n, sizeof(size_t));
	if (!m->u_off || !m->i_off || !m->u_item || !m->u_half || !m->u_ts ||
	    !fill || !colk)
		goto oom;

	for (k = 0; k < n; k++) {
		m->u_off[t[k].user + 1]++;
		m->i_off[t[k].item + 1]++;
	}
	for (u = 0; u < nusers; u++)
		m->u_off[u + 1] += m->u_off[u];
	for (i = 0; i < nitems; i++)
		m->i_off[i + 1] += m->i_off[i];

	/* 1. The triples' positions grouped by film. */
	memcpy(fill, m->i_off, ((size_t)nitems + 1) * sizeof(size_t));
	for (k = 0; k < n; k++)
		colk[fill[t[k].item]++] = k;

	/* 2. Walking films in order fills every member row in film order. */
	memcpy(fill, m->u_off, ((size_t)nusers + 1) * sizeof(size_t));
	for (p = 0; p < n; p++) {
		const struct mq_triple *tr = &t[colk[p]];

		q = fill[tr->user]++;
		m->u_item[q] = tr->item;
		m->u_half[q] = tr->half;
		m->u_ts[q] = tr->ts;
	}

	/* 3. The columns, from the rows. */
	free(fill);
	free(colk);
	fill = colk = NULL;
	free(m->i_off);
	m->i_off = NULL;
	if (mq_matrix_columns(m))
		goto oom;
	return MQ_OK;
oom:
	free(fill);
	free(colk);
	mq_matrix_release(m);
	return mq_oom();
}

size_t
mq_matrix_find(const struct mq_matrix *m, uint32_t u, uint32_t i)
{
	size_t lo = m->u_off[u], hi = m->u_off[u + 1];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->u_item[mid] < i)
			lo = mid + 1;
		else if (m->u_item[mid] > i)
			hi = mid;
		else
			return mid;
	}
	return (size_t)-1;
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
