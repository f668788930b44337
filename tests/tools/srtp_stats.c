/*
 * srtp_stats - receive-side statistics of the SeNEMO media verifier.
 * See srtp_stats.h.
 */
#include "srtp_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- payload pattern ------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* a small integer hash (lowbias32) */
static uint32_t mix(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

static uint8_t pattern_byte(uint32_t ssrc, uint32_t counter, unsigned i)
{
	return (uint8_t)(mix(ssrc ^ mix(counter + 0x9e3779b9u * (i / 4))) >> ((i % 4) * 8));
}

void sst_payload_fill(uint8_t *p, uint32_t ssrc, uint32_t counter, uint32_t ts, uint32_t stream)
{
	unsigned i;
	put32(p, SST_MAGIC);
	put32(p + 4, ssrc);
	put32(p + 8, counter);
	put32(p + 12, ts);
	put32(p + 16, stream);
	for(i = 20; i < SST_PAYLOAD_LEN; i++)
		p[i] = pattern_byte(ssrc, counter, i);
}

int sst_payload_check(const uint8_t *p, size_t len, sst_payload_info_t *info)
{
	unsigned i;
	if(len >= 20 && get32(p) == SST_MAGIC && info) {
		info->ssrc = get32(p + 4);
		info->counter = get32(p + 8);
		info->ts = get32(p + 12);
		info->stream = get32(p + 16);
	}
	if(len != SST_PAYLOAD_LEN)
		return len >= 20 && get32(p) == SST_MAGIC ? SST_PL_LEN : SST_PL_MAGIC;
	if(get32(p) != SST_MAGIC)
		return SST_PL_MAGIC;
	for(i = 20; i < SST_PAYLOAD_LEN; i++)
		if(p[i] != pattern_byte(get32(p + 4), get32(p + 8), i))
			return SST_PL_PATTERN;
	return SST_PL_OK;
}

/* ---- sequence accounting --------------------------------------------- */

void sst_seq_init(sst_seq_t *s, uint32_t limit)
{
	memset(s, 0, sizeof(*s));
	s->limit = limit ? limit : (1u << 24);
}

void sst_seq_free(sst_seq_t *s)
{
	free(s->seen);
	s->seen = NULL;
	s->seen_bytes = 0;
}

int sst_seq_add(sst_seq_t *s, uint32_t counter, int *reordered)
{
	size_t byte = counter / 8;
	uint8_t bit = (uint8_t)(1u << (counter % 8));

	if(reordered)
		*reordered = 0;
	if(counter >= s->limit)
		return -1;
	if(byte >= s->seen_bytes) {
		size_t nb = s->seen_bytes ? s->seen_bytes : 256;
		uint8_t *n;
		while(nb <= byte)
			nb *= 2;
		n = realloc(s->seen, nb);
		if(!n)
			return -1;
		memset(n + s->seen_bytes, 0, nb - s->seen_bytes);
		s->seen = n;
		s->seen_bytes = nb;
	}
	s->received++;
	if(s->seen[byte] & bit) {
		s->duplicates++;
		return 1;
	}
	s->seen[byte] |= bit;
	s->unique++;
	if(s->any && counter < s->max_counter) {
		s->reordered++;
		if(reordered)
			*reordered = 1;
	}
	if(!s->any || counter > s->max_counter)
		s->max_counter = counter;
	s->any = 1;
	return 0;
}

uint64_t sst_seq_lost(const sst_seq_t *s, uint64_t expected)
{
	if(expected == 0)
		expected = s->any ? (uint64_t)s->max_counter + 1 : 0;
	return expected > s->unique ? expected - s->unique : 0;
}

/* ---- jitter ------------------------------------------------------------ */

void sst_jitter_init(sst_jitter_t *j, uint32_t clock_hz)
{
	memset(j, 0, sizeof(*j));
	j->clock_hz = clock_hz ? clock_hz : 8000;
}

double sst_jitter_add(sst_jitter_t *j, int64_t arrival_ns, uint32_t rtp_ts)
{
	if(j->have) {
		/* D(i,j) = (Rj - Ri) - (Sj - Si), both in timestamp units */
		double dr = (double)(arrival_ns - j->last_ns) * j->clock_hz / 1e9;
		double ds = (double)(int32_t)(rtp_ts - j->last_ts);
		double d = fabs(dr - ds);
		j->jitter += (d - j->jitter) / 16.0;
	}
	j->have = 1;
	j->last_ns = arrival_ns;
	j->last_ts = rtp_ts;
	return sst_jitter_ms(j);
}

double sst_jitter_ms(const sst_jitter_t *j)
{
	return j->jitter * 1000.0 / j->clock_hz;
}

/* ---- gaps -------------------------------------------------------------- */

void sst_gap_init(sst_gap_t *g)
{
	memset(g, 0, sizeof(*g));
}

void sst_gap_add(sst_gap_t *g, int64_t arrival_ns, uint32_t counter)
{
	if(g->have && arrival_ns - g->last_ns > g->max_gap_ns) {
		g->max_gap_ns = arrival_ns - g->last_ns;
		g->max_gap_at_ns = arrival_ns;
		g->max_gap_after = g->last_counter;
	}
	g->have = 1;
	g->last_ns = arrival_ns;
	g->last_counter = counter;
}

/* ---- samples ----------------------------------------------------------- */

void sst_samples_init(sst_samples_t *s, size_t max)
{
	memset(s, 0, sizeof(*s));
	s->max = max ? max : 10000000;
}

void sst_samples_free(sst_samples_t *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int sst_samples_add(sst_samples_t *s, double x)
{
	if(s->n >= s->max) {
		s->dropped++;
		return -1;
	}
	if(s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1024;
		double *n;
		if(nc > s->max)
			nc = s->max;
		n = realloc(s->v, nc * sizeof(*n));
		if(!n) {
			s->dropped++;
			return -1;
		}
		s->v = n;
		s->cap = nc;
	}
	s->v[s->n++] = x;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

double sst_percentile(sst_samples_t *s, double p)
{
	size_t rank;
	if(s->n == 0)
		return 0;
	qsort(s->v, s->n, sizeof(double), cmp_double);
	if(p <= 0)
		return s->v[0];
	if(p >= 100)
		return s->v[s->n - 1];
	/* nearest rank: ceil(p/100 * n), 1-based */
	rank = (size_t)ceil(p / 100.0 * (double)s->n);
	if(rank < 1)
		rank = 1;
	return s->v[rank - 1];
}
