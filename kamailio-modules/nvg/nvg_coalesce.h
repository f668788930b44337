/*
 * nvg module - coalescing of egress address changes (plain C, no Kamailio).
 *
 * A move is seen as a burst of netlink events (RTM_DELADDR of the old
 * address, RTM_NEWADDR of the new one, sometimes several flaps). The
 * coalescer turns a burst into one handoff: the handoff is due once no new
 * change arrived for `window_ms` (quiet period), or at the latest
 * `max_wait_ms` after the first change of the burst, so a flapping link
 * cannot postpone the handoff for ever.
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#ifndef _NVG_COALESCE_H_
#define _NVG_COALESCE_H_

#include <stdint.h>

typedef struct nvg_coal {
	int64_t window_ms;   /* quiet period that ends a burst */
	int64_t max_wait_ms; /* upper bound from the first change of a burst */
	int64_t first_ms;    /* first change of the pending burst */
	int64_t last_ms;     /* latest change of the pending burst */
	unsigned int events; /* changes in the pending burst (0: none pending) */
} nvg_coal_t;

/* window_ms >= 0; max_wait_ms < window_ms is raised to window_ms.
 * Returns 0, or -1 for a negative window. */
int nvg_coal_init(nvg_coal_t *c, int64_t window_ms, int64_t max_wait_ms);

/* one address change at now_ms; returns the number of changes pending */
unsigned int nvg_coal_event(nvg_coal_t *c, int64_t now_ms);

/* absolute time (ms) at which the pending burst is due, -1 when none */
int64_t nvg_coal_deadline(const nvg_coal_t *c);

/* 1 when the pending burst is due at now_ms: the burst is consumed and
 * *coalesced (if not NULL) receives the number of changes folded into this
 * handoff beyond the first; 0 otherwise (nothing changes) */
int nvg_coal_due(nvg_coal_t *c, int64_t now_ms, unsigned int *coalesced);

#endif
