/*
 * nvg module - coalescing of egress address changes (see nvg_coalesce.h)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */
#include <stddef.h>
#include <string.h>

#include "nvg_coalesce.h"

int nvg_coal_init(nvg_coal_t *c, int64_t window_ms, int64_t max_wait_ms)
{
	if(!c || window_ms < 0)
		return -1;
	memset(c, 0, sizeof(*c));
	c->window_ms = window_ms;
	c->max_wait_ms = max_wait_ms < window_ms ? window_ms : max_wait_ms;
	return 0;
}

unsigned int nvg_coal_event(nvg_coal_t *c, int64_t now_ms)
{
	if(c->events == 0)
		c->first_ms = now_ms;
	/* a clock going backwards must not move the deadline into the past
	 * of the burst */
	if(now_ms > c->last_ms || c->events == 0)
		c->last_ms = now_ms;
	if(c->events < 0xffffffffu)
		c->events++;
	return c->events;
}

int64_t nvg_coal_deadline(const nvg_coal_t *c)
{
	int64_t quiet, cap;

	if(c->events == 0)
		return -1;
	quiet = c->last_ms + c->window_ms;
	cap = c->first_ms + c->max_wait_ms;
	return quiet < cap ? quiet : cap;
}

int nvg_coal_due(nvg_coal_t *c, int64_t now_ms, unsigned int *coalesced)
{
	if(c->events == 0 || now_ms < nvg_coal_deadline(c))
		return 0;
	if(coalesced)
		*coalesced = c->events - 1;
	c->events = 0;
	c->first_ms = c->last_ms = 0;
	return 1;
}
