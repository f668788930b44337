/*
 * srtp_stats - receive-side statistics of the SeNEMO media verifier:
 * sequence accounting (loss, duplicates, reordering) by the sender's
 * 32-bit packet counter, RFC 3550 §6.4.1 / A.8 interarrival jitter, the
 * largest gap between consecutive packets, and percentiles. Plain C, no
 * I/O, no clock: callers pass arrival times in nanoseconds.
 *
 * Also the payload pattern both ends agree on, so that a receiver can tell
 * "this is exactly what the sender made" from anything else.
 */
#ifndef SENEMO_SRTP_STATS_H
#define SENEMO_SRTP_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- payload pattern ------------------------------------------------- */

#define SST_PAYLOAD_LEN 160 /* G.711, 20 ms at 8 kHz */
#define SST_MAGIC 0x534e4d31u /* "SNM1" */

/* Fill a 160-byte payload: magic, ssrc, counter, timestamp, stream id,
 * then bytes derived from (ssrc, counter, position). */
void sst_payload_fill(uint8_t *p, uint32_t ssrc, uint32_t counter, uint32_t ts, uint32_t stream);

typedef struct {
	uint32_t ssrc, counter, ts, stream;
} sst_payload_info_t;

enum {
	SST_PL_OK = 0,
	SST_PL_LEN = 1,     /* not 160 bytes */
	SST_PL_MAGIC = 2,   /* not ours at all */
	SST_PL_PATTERN = 3, /* ours, but a byte differs */
};

/* Check a payload; fills *info when the header part is readable. */
int sst_payload_check(const uint8_t *p, size_t len, sst_payload_info_t *info);

/* ---- sequence accounting --------------------------------------------- */

typedef struct {
	uint64_t received;   /* valid packets, duplicates included */
	uint64_t unique;
	uint64_t duplicates;
	uint64_t reordered;  /* arrived after a higher counter */
	uint32_t max_counter;
	int any;
	uint8_t *seen;       /* bitmap indexed by counter */
	size_t seen_bytes;
	uint32_t limit;      /* counters >= limit are refused (bounded memory) */
} sst_seq_t;

void sst_seq_init(sst_seq_t *s, uint32_t limit);
void sst_seq_free(sst_seq_t *s);
/* Account one packet. Returns 0 new, 1 duplicate, -1 out of range / no
 * memory (the packet is not counted). *reordered is set when the packet is
 * new but older than the highest seen. */
int sst_seq_add(sst_seq_t *s, uint32_t counter, int *reordered);
/* packets missing out of `expected` (0 = max_counter + 1) */
uint64_t sst_seq_lost(const sst_seq_t *s, uint64_t expected);

/* ---- RFC 3550 interarrival jitter ------------------------------------ */

typedef struct {
	double jitter;       /* in timestamp units, RFC 3550 J */
	int64_t last_ns;     /* previous arrival */
	uint32_t last_ts;    /* previous RTP timestamp */
	int have;
	uint32_t clock_hz;
} sst_jitter_t;

void sst_jitter_init(sst_jitter_t *j, uint32_t clock_hz);
/* Feed one packet (arrival in ns, RTP timestamp). Returns J in ms after
 * the update. Packets must be fed in arrival order; duplicates should not
 * be fed. The RTP timestamp wraps modulo 2^32 (handled). */
double sst_jitter_add(sst_jitter_t *j, int64_t arrival_ns, uint32_t rtp_ts);
double sst_jitter_ms(const sst_jitter_t *j);

/* ---- gaps -------------------------------------------------------------- */

typedef struct {
	int64_t last_ns;
	int64_t max_gap_ns;
	int64_t max_gap_at_ns;   /* arrival time of the packet that ended the gap */
	uint32_t max_gap_after;  /* counter of the packet before the largest gap */
	uint32_t last_counter;
	int have;
} sst_gap_t;

void sst_gap_init(sst_gap_t *g);
void sst_gap_add(sst_gap_t *g, int64_t arrival_ns, uint32_t counter);

/* ---- sample sets and percentiles ------------------------------------- */

typedef struct {
	double *v;
	size_t n, cap, max;
	uint64_t dropped; /* samples refused past max */
} sst_samples_t;

void sst_samples_init(sst_samples_t *s, size_t max);
void sst_samples_free(sst_samples_t *s);
int sst_samples_add(sst_samples_t *s, double x);
/* p in [0,100]; nearest-rank on a sorted copy (sorts in place). 0 if empty. */
double sst_percentile(sst_samples_t *s, double p);

#endif
