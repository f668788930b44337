/*
 * ovsense - RFC 7339 overload-control Via parameters and Retry-After
 * (plain C, no Kamailio dependency: unit-tested and fuzzed on its own)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see ovsense_mod.c).
 *
 * RFC 7339 grammar (section 9) the parser follows:
 *   oc          = "oc" [EQUAL oc-num]          oc-num = 1*DIGIT (0..100 for loss)
 *   oc-validity = "oc-validity" [EQUAL delta-ms]
 *   oc-seq      = "oc-seq" EQUAL 1*12DIGIT "." 1*5DIGIT
 *   oc-algo     = "oc-algo" EQUAL DQUOTE algo-list *(COMMA algo-list) DQUOTE
 * Requests carry `oc` without a value (the client supports overload
 * control) and the client's list of algorithms; responses carry the
 * server's feedback `oc=<pct>;oc-validity=<ms>;oc-seq=<s.ms>;oc-algo="loss"`.
 */

#ifndef OVS_OC_H
#define OVS_OC_H

#include <stddef.h>
#include <stdint.h>

/* results of ovs_oc_parse() */
#define OVS_OC_NONE 0     /* no overload-control parameter at all */
#define OVS_OC_SUPPORT 1  /* `oc` without a value: the sender supports RFC 7339 */
#define OVS_OC_FEEDBACK 2 /* `oc=<n>`: valid feedback, fields filled in */
#define OVS_OC_E_MALFORMED -1   /* syntax or range error: ignore everything */
#define OVS_OC_E_UNSUPPORTED -2 /* well formed, but not the loss algorithm */

#define OVS_OC_MAX_PARAMS 64      /* Via parameters looked at, more is malformed */
#define OVS_OC_DEFAULT_VALIDITY 500 /* ms, RFC 7339 section 5.2 */
#define OVS_OC_ERR_LEN 96

typedef struct ovs_oc_span {
	int found;
	size_t start; /* offset of the parameter name in the input */
	size_t len;   /* name [= value], without the separating ';' */
} ovs_oc_span_t;

typedef struct ovs_oc {
	int has_value;         /* oc=<n> present */
	int value;             /* 0..100 */
	int has_validity;
	uint32_t validity_ms;  /* OVS_OC_DEFAULT_VALIDITY when absent */
	int has_seq;
	uint64_t seq_sec;      /* oc-seq integer part */
	uint32_t seq_frac;     /* fraction scaled to 5 digits (".782" -> 78200) */
	int has_algo;
	int algo_loss;         /* "loss" is in the list */
	int algo_count;
	/* where each parameter sits (to rewrite an upstream Via) */
	ovs_oc_span_t sp_oc, sp_validity, sp_seq, sp_algo;
	size_t end;            /* offset just past the last parameter */
	char error[OVS_OC_ERR_LEN]; /* why it was refused (printable ASCII) */
} ovs_oc_t;

/*
 * Parse the parameter part of one Via body (`branch=z9hG4bK1;oc;...`, a
 * leading ';' and surrounding whitespace are allowed). max_validity_ms
 * bounds oc-validity: larger values are refused as malformed ("huge").
 * Never reads past s + len; needs no NUL terminator; a NUL byte inside is
 * malformed.
 */
int ovs_oc_parse(const char *s, size_t len, uint32_t max_validity_ms, ovs_oc_t *oc);

/* the text of a parse result code */
const char *ovs_oc_strerror(int rc);

/* compare two oc-seq values: <0, 0, >0 */
int ovs_oc_seq_cmp(uint64_t a_sec, uint32_t a_frac, uint64_t b_sec, uint32_t b_frac);

/*
 * Format the server feedback parameters, with a leading ';':
 *   ;oc=20;oc-algo="loss";oc-validity=500;oc-seq=1282321615.78200
 * Returns the length written (excluding NUL) or -1 if it does not fit.
 */
int ovs_oc_format(char *buf, size_t size, int value, uint32_t validity_ms,
		uint64_t seq_sec, uint32_t seq_frac);

/*
 * Retry-After header body (RFC 3261 20.33): delta-seconds, optional
 * comment and parameters. Returns 0 and the seconds, -1 if malformed or
 * above max_s.
 */
int ovs_retry_after_parse(const char *s, size_t len, uint32_t max_s, uint32_t *secs);

#endif
