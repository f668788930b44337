/*
 * nvg_table - the NVG's binding table (see nvg_table.h)
 *
 * Copyright (C) 2026 SeNEMO project
 * Licensed under the GNU GPL v2 or later (see nvg_mod.c).
 */

#include <stdio.h>
#include <string.h>

#include "nvg_table.h"

typedef struct nvg_slot {
	nvg_aor_t *head;
	void *lock;
} nvg_slot_t;

struct nvg_tbl {
	nvg_tbl_ops_t ops;
	nvg_limits_t lim;
	unsigned mask;
	/* shared counters (atomic builtins: the table lives in shared memory) */
	int used;       /* bindings present + reserved: bounded by max_bindings */
	int bindings;   /* bindings present (live or expired not yet swept) */
	int reserved;
	int aors;
	int tombstones;
	nvg_slot_t *slots;
};

#define A_ADD(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define A_GET(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)

static uint32_t hash_user(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for(i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for(i = 0; i < n; i++) {
		int x = (unsigned char)a[i], y = (unsigned char)b[i];
		if(x >= 'A' && x <= 'Z')
			x += 32;
		if(y >= 'A' && y <= 'Z')
			y += 32;
		if(x != y)
			return 0;
	}
	return 1;
}

/* same AoR: user part exact, domain case-insensitive */
static int aor_eq(const nvg_aor_t *a, const char *aor, size_t len, size_t ulen)
{
	return a->aor_len == len && a->user_len == ulen
		   && memcmp(a->aor, aor, ulen) == 0
		   && ieq(a->aor + ulen, aor + ulen, len - ulen);
}

/* reserve k units of `used` within max_bindings; 0 ok, -1 full */
static int used_reserve(nvg_tbl_t *t, int k)
{
	int cur = A_GET(&t->used);

	if(k <= 0)
		return 0;
	do {
		if(cur + k > t->lim.max_bindings)
			return -1;
	} while(!__atomic_compare_exchange_n(&t->used, &cur, cur + k, 0,
			__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	return 0;
}

nvg_tbl_t *nvg_tbl_new(const nvg_tbl_ops_t *ops, unsigned hash_size,
		const nvg_limits_t *lim)
{
	nvg_tbl_t *t;
	unsigned n = 1, i;

	if(!ops || !ops->alloc || !ops->free || !ops->lock_new || !ops->lock
			|| !ops->unlock || !lim)
		return NULL;
	if(lim->max_bindings < 1 || lim->max_contacts < 1
			|| lim->max_contacts > NVG_MAX_REQ_CONTACTS || lim->max_expires < 1
			|| lim->default_expires < 1 || lim->aor_retention < 0)
		return NULL;
	while(n < hash_size && n < (1u << 20))
		n <<= 1;
	t = ops->alloc(sizeof(*t));
	if(!t)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->ops = *ops;
	t->lim = *lim;
	t->mask = n - 1;
	t->slots = ops->alloc(sizeof(nvg_slot_t) * n);
	if(!t->slots) {
		ops->free(t);
		return NULL;
	}
	memset(t->slots, 0, sizeof(nvg_slot_t) * n);
	for(i = 0; i < n; i++) {
		t->slots[i].lock = ops->lock_new();
		if(!t->slots[i].lock) {
			while(i-- > 0)
				if(ops->lock_free)
					ops->lock_free(t->slots[i].lock);
			ops->free(t->slots);
			ops->free(t);
			return NULL;
		}
	}
	return t;
}

static void contact_free(nvg_tbl_t *t, nvg_contact_t *c)
{
	t->ops.free(c);
}

static void aor_free(nvg_tbl_t *t, nvg_aor_t *a)
{
	nvg_contact_t *c, *n;

	for(c = a->contacts; c; c = n) {
		n = c->next;
		contact_free(t, c);
	}
	t->ops.free(a);
}

void nvg_tbl_destroy(nvg_tbl_t *t)
{
	unsigned i;
	nvg_aor_t *a, *n;

	if(!t)
		return;
	for(i = 0; i <= t->mask; i++) {
		for(a = t->slots[i].head; a; a = n) {
			n = a->next;
			aor_free(t, a);
		}
		if(t->ops.lock_free)
			t->ops.lock_free(t->slots[i].lock);
	}
	t->ops.free(t->slots);
	t->ops.free(t);
}

const nvg_limits_t *nvg_tbl_limits(const nvg_tbl_t *t)
{
	return &t->lim;
}

void nvg_tbl_counts(nvg_tbl_t *t, int *bindings, int *aors, int *tombstones,
		int *reserved)
{
	if(bindings)
		*bindings = A_GET(&t->bindings);
	if(aors)
		*aors = A_GET(&t->aors);
	if(tombstones)
		*tombstones = A_GET(&t->tombstones);
	if(reserved)
		*reserved = A_GET(&t->reserved);
}

const char *nvg_tbl_strerror(int code)
{
	switch(code) {
		case NVG_OK:
			return "ok";
		case NVG_E_NOMEM:
			return "out of memory";
		case NVG_E_MAX_CONTACTS:
			return "max_contacts reached";
		case NVG_E_MAX_BINDINGS:
			return "max_bindings reached";
		case NVG_E_CONFLICT:
			return "user part bound under another domain";
		case NVG_E_ARG:
			return "invalid argument";
		case NVG_E_DUPLICATE:
			return "the same binding twice";
	}
	return "unknown error";
}

/* ---- strings -------------------------------------------------------------- */

/* copies s into *dst (from the cursor *cur), NUL-terminated */
static void put_str(char **cur, char **dst, size_t *dlen, const char *s, size_t len)
{
	*dst = *cur;
	if(len)
		memcpy(*cur, s, len);
	(*cur)[len] = 0;
	*dlen = len;
	*cur += len + 1;
}

static nvg_contact_t *contact_new(nvg_tbl_t *t, const char *token,
		const char *uri, size_t uri_len, const char *rcv, size_t rcv_len,
		const char *sock, size_t sock_len, const char *callid, size_t callid_len,
		uint32_t cseq, const char *inst, size_t inst_len, uint32_t reg_id, int q,
		int64_t expires, int64_t now)
{
	size_t sz = sizeof(nvg_contact_t) + uri_len + rcv_len + sock_len
				+ callid_len + inst_len + 5;
	nvg_contact_t *c = t->ops.alloc(sz);
	char *cur;

	if(!c)
		return NULL;
	memset(c, 0, sizeof(*c));
	memcpy(c->token, token, NVG_TOKEN_LEN);
	c->token[NVG_TOKEN_LEN] = 0;
	cur = (char *)(c + 1);
	put_str(&cur, &c->uri, &c->uri_len, uri, uri_len);
	put_str(&cur, &c->received, &c->received_len, rcv, rcv_len);
	put_str(&cur, &c->sock, &c->sock_len, sock, sock_len);
	put_str(&cur, &c->callid, &c->callid_len, callid, callid_len);
	put_str(&cur, &c->instance, &c->instance_len, inst, inst_len);
	c->cseq = cseq;
	c->reg_id = reg_id;
	c->q = q;
	c->expires = expires;
	c->last_modified = now;
	return c;
}

static nvg_aor_t *aor_new(nvg_tbl_t *t, const char *aor, size_t len, size_t ulen,
		uint32_t hash)
{
	nvg_aor_t *a = t->ops.alloc(sizeof(nvg_aor_t) + len + 1);

	if(!a)
		return NULL;
	memset(a, 0, sizeof(*a));
	a->aor = (char *)(a + 1);
	memcpy(a->aor, aor, len);
	a->aor[len] = 0;
	a->aor_len = len;
	a->user_len = ulen;
	a->hash = hash;
	return a;
}

static nvg_aor_t *find_aor(nvg_slot_t *s, const char *user, size_t ulen, uint32_t h)
{
	nvg_aor_t *a;

	for(a = s->head; a; a = a->next)
		if(a->hash == h && a->user_len == ulen && memcmp(a->aor, user, ulen) == 0)
			return a;
	return NULL;
}

static nvg_contact_t **find_contact(nvg_aor_t *a, const char *token, size_t toklen)
{
	nvg_contact_t **pc;

	if(!a || toklen != NVG_TOKEN_LEN)
		return NULL;
	for(pc = &a->contacts; *pc; pc = &(*pc)->next)
		if(memcmp((*pc)->token, token, NVG_TOKEN_LEN) == 0)
			return pc;
	return NULL;
}

static void unlink_aor(nvg_slot_t *s, nvg_aor_t *a)
{
	nvg_aor_t **pa;

	for(pa = &s->head; *pa; pa = &(*pa)->next)
		if(*pa == a) {
			*pa = a->next;
			return;
		}
}

/* removes the binding *pc (under the slot lock) */
static void remove_contact(nvg_tbl_t *t, nvg_aor_t *a, nvg_contact_t **pc,
		nvg_persist_fn persist, void *ctx)
{
	nvg_contact_t *c = *pc;

	*pc = c->next;
	c->next = NULL;
	a->ncontacts--;
	A_ADD(&t->bindings, -1);
	A_ADD(&t->used, -1);
	if(persist)
		persist(ctx, NVG_P_DELETE, a, c);
	contact_free(t, c);
}

/* an AoR without bindings becomes a tombstone, or goes when there are
 * max_bindings tombstones already (or no retention); 1 if it was freed */
static int settle_aor(nvg_tbl_t *t, nvg_slot_t *s, nvg_aor_t *a, int64_t now)
{
	if(a->ncontacts > 0 || a->emptied_at != 0)
		return 0;
	if(t->lim.aor_retention == 0 || A_GET(&t->tombstones) >= t->lim.max_bindings) {
		unlink_aor(s, a);
		A_ADD(&t->aors, -1);
		aor_free(t, a);
		return 1;
	}
	a->emptied_at = now > 0 ? now : 1;
	A_ADD(&t->tombstones, 1);
	return 0;
}

/* ---- pending registrations --------------------------------------------------- */

int nvg_pending_new(nvg_tbl_t *t, const nvg_reg_req_t *req, nvg_pending_t **out)
{
	size_t sz, strs;
	nvg_pending_t *p;
	char *cur, regid[16];
	int i, j, n;

	if(out)
		*out = NULL;
	if(!t || !req || !out || req->n < 0 || req->n > NVG_MAX_REQ_CONTACTS)
		return NVG_E_ARG;
	if(req->star && req->n != 0)
		return NVG_E_ARG;
	if(req->aor.len == 0 || req->aor.len > NVG_MAX_AOR || req->user_len == 0
			|| req->user_len >= req->aor.len || req->callid.len > NVG_MAX_FIELD
			|| req->received.len > NVG_MAX_FIELD || req->sock.len > NVG_MAX_FIELD)
		return NVG_E_ARG;
	n = req->n;
	strs = req->aor.len + req->callid.len + req->received.len + req->sock.len + 4;
	for(i = 0; i < n; i++) {
		if(req->c[i].uri.len == 0 || req->c[i].uri.len > NVG_MAX_URI
				|| req->c[i].instance.len > NVG_MAX_FIELD)
			return NVG_E_ARG;
		strs += req->c[i].uri.len + req->c[i].instance.len + 2;
	}
	sz = sizeof(nvg_pending_t) + (size_t)(n > 1 ? n - 1 : 0) * sizeof(nvg_pcontact_t)
		 + strs;
	p = t->ops.alloc(sz);
	if(!p)
		return NVG_E_NOMEM;
	memset(p, 0, sz);
	cur = (char *)&p->c[n > 1 ? n : 1];
	put_str(&cur, &p->aor, &p->aor_len, req->aor.s, req->aor.len);
	p->user_len = req->user_len;
	put_str(&cur, &p->callid, &p->callid_len, req->callid.s, req->callid.len);
	put_str(&cur, &p->received, &p->received_len, req->received.s, req->received.len);
	put_str(&cur, &p->sock, &p->sock_len, req->sock.s, req->sock.len);
	p->cseq = req->cseq;
	p->star = req->star;
	p->n = n;
	for(i = 0; i < n; i++) {
		const nvg_reg_contact_t *rc = &req->c[i];
		nvg_pcontact_t *pc = &p->c[i];
		put_str(&cur, &pc->uri, &pc->uri_len, rc->uri.s, rc->uri.len);
		put_str(&cur, &pc->instance, &pc->instance_len, rc->instance.s,
				rc->instance.len);
		pc->reg_id = rc->reg_id;
		pc->q = rc->q;
		pc->expires = rc->expires;
		if(rc->instance.len > 0) {
			snprintf(regid, sizeof(regid), "%u", rc->reg_id);
			nvg_token(rc->instance.s, rc->instance.len, regid, strlen(regid), pc->token);
		} else {
			nvg_token(rc->uri.s, rc->uri.len, "", 0, pc->token);
		}
		for(j = 0; j < i; j++) {
			if(memcmp(p->c[j].token, pc->token, NVG_TOKEN_LEN) == 0) {
				t->ops.free(p);
				return NVG_E_DUPLICATE;
			}
		}
	}
	*out = p;
	return NVG_OK;
}

void nvg_pending_free(nvg_tbl_t *t, nvg_pending_t *p)
{
	if(!p)
		return;
	if(p->reserved > 0) {
		A_ADD(&t->used, -p->reserved);
		A_ADD(&t->reserved, -p->reserved);
		p->reserved = 0;
	}
	t->ops.free(p);
}

int nvg_tbl_reserve(nvg_tbl_t *t, nvg_pending_t *p, int64_t now, char *why,
		size_t whysz)
{
	uint32_t h;
	nvg_slot_t *s;
	nvg_aor_t *a;
	int i, cur, nnew = 0, removed = 0, exists;

	if(why && whysz)
		why[0] = 0;
	if(!t || !p || p->reserved || p->committed)
		return NVG_E_ARG;
	h = hash_user(p->aor, p->user_len);
	s = &t->slots[h & t->mask];
	t->ops.lock(s->lock);
	a = find_aor(s, p->aor, p->user_len, h);
	if(a && !aor_eq(a, p->aor, p->aor_len, p->user_len)) {
		if(why)
			snprintf(why, whysz, "user '%.*s' is bound as %s, not %s",
					(int)p->user_len, p->aor, a->aor, p->aor);
		t->ops.unlock(s->lock);
		return NVG_E_CONFLICT;
	}
	if(p->star) {
		t->ops.unlock(s->lock);
		return NVG_OK;
	}
	cur = a ? a->ncontacts : 0;
	for(i = 0; i < p->n; i++) {
		exists = find_contact(a, p->c[i].token, NVG_TOKEN_LEN) != NULL;
		p->c[i].is_new = !exists;
		if(p->c[i].expires == 0) {
			if(exists)
				removed++;
		} else if(!exists) {
			nnew++;
		}
	}
	if(cur - removed + nnew > t->lim.max_contacts) {
		if(why)
			snprintf(why, whysz,
					"max_contacts (%d) reached for %s: %d bound, %d new",
					t->lim.max_contacts, p->aor, cur, nnew);
		t->ops.unlock(s->lock);
		return NVG_E_MAX_CONTACTS;
	}
	t->ops.unlock(s->lock);
	if(used_reserve(t, nnew) < 0) {
		if(why)
			snprintf(why, whysz,
					"max_bindings (%d) reached: %d bound or reserved, %d new for %s",
					t->lim.max_bindings, A_GET(&t->used), nnew, p->aor);
		return NVG_E_MAX_BINDINGS;
	}
	A_ADD(&t->reserved, nnew);
	p->reserved = nnew;
	(void)now;
	return NVG_OK;
}

static const nvg_grant_t *find_grant(const nvg_grant_t *g, int ng, const char *token)
{
	int i;

	for(i = 0; i < ng; i++)
		if(memcmp(g[i].token, token, NVG_TOKEN_LEN) == 0)
			return &g[i];
	return NULL;
}

static int64_t cap_expires(const nvg_tbl_t *t, int64_t e)
{
	return e > t->lim.max_expires ? t->lim.max_expires : e;
}

/* a slot in `used` for a binding being added: from p's reservation, or a
 * fresh one within the limit */
static int take_slot(nvg_tbl_t *t, nvg_pending_t *p)
{
	if(p && p->reserved > 0) {
		p->reserved--;
		A_ADD(&t->reserved, -1);
		return 0;
	}
	return used_reserve(t, 1);
}

int nvg_tbl_commit(nvg_tbl_t *t, nvg_pending_t *p, const nvg_grant_t *grants,
		int ng, int64_t now, nvg_persist_fn persist, void *ctx)
{
	uint32_t h;
	nvg_slot_t *s;
	nvg_aor_t *a;
	nvg_contact_t **pc, *c, *nc;
	const nvg_grant_t *g;
	int i, changes = 0, mine, created = 0;
	int64_t exp;

	if(!t || !p || p->committed)
		return NVG_E_ARG;
	h = hash_user(p->aor, p->user_len);
	s = &t->slots[h & t->mask];
	t->ops.lock(s->lock);
	a = find_aor(s, p->aor, p->user_len, h);
	if(a && !aor_eq(a, p->aor, p->aor_len, p->user_len)) {
		t->ops.unlock(s->lock);
		return NVG_E_CONFLICT;
	}
	if(p->star) {
		while(a && a->contacts) {
			remove_contact(t, a, &a->contacts, persist, ctx);
			changes++;
		}
		goto settle;
	}
	for(i = 0; i < p->n; i++) {
		nvg_pcontact_t *q = &p->c[i];
		if(ng >= 0) {
			g = find_grant(grants, ng, q->token);
			exp = g ? g->expires : 0;
		} else {
			exp = q->expires >= 0 ? q->expires : t->lim.default_expires;
		}
		exp = cap_expires(t, exp);
		pc = find_contact(a, q->token, NVG_TOKEN_LEN);
		c = pc ? *pc : NULL;
		/* an older request answered late must not undo a newer one */
		if(c && c->callid_len == p->callid_len
				&& memcmp(c->callid, p->callid, p->callid_len) == 0
				&& c->cseq > p->cseq)
			continue;
		if(exp <= 0) {
			if(c) {
				remove_contact(t, a, pc, persist, ctx);
				changes++;
			}
			continue;
		}
		nc = contact_new(t, q->token, q->uri, q->uri_len, p->received,
				p->received_len, p->sock, p->sock_len, p->callid, p->callid_len,
				p->cseq, q->instance, q->instance_len, q->reg_id, q->q, now + exp,
				now);
		if(!nc)
			continue;
		if(c) {
			nc->next = c->next;
			*pc = nc;
			if(persist)
				persist(ctx, NVG_P_UPSERT, a, nc);
			contact_free(t, c);
			changes++;
			continue;
		}
		if(!a) {
			a = aor_new(t, p->aor, p->aor_len, p->user_len, h);
			if(!a) {
				contact_free(t, nc);
				continue;
			}
			a->next = s->head;
			s->head = a;
			A_ADD(&t->aors, 1);
			created = 1;
		}
		if(a->ncontacts >= t->lim.max_contacts || take_slot(t, p) < 0) {
			/* only when concurrent REGISTERs raced past the check */
			contact_free(t, nc);
			continue;
		}
		if(a->emptied_at) {
			a->emptied_at = 0;
			A_ADD(&t->tombstones, -1);
		}
		nc->next = a->contacts;
		a->contacts = nc;
		a->ncontacts++;
		A_ADD(&t->bindings, 1);
		if(persist)
			persist(ctx, NVG_P_UPSERT, a, nc);
		changes++;
	}
	/* other bindings of this AoR the 2xx lists: the registrar's view of
	 * their expiry wins */
	for(i = 0; a && i < ng; i++) {
		int k;
		mine = 0;
		for(k = 0; k < p->n; k++)
			if(memcmp(p->c[k].token, grants[i].token, NVG_TOKEN_LEN) == 0)
				mine = 1;
		if(mine)
			continue;
		pc = find_contact(a, grants[i].token, NVG_TOKEN_LEN);
		if(!pc)
			continue;
		if(grants[i].expires <= 0) {
			remove_contact(t, a, pc, persist, ctx);
		} else {
			(*pc)->expires = now + cap_expires(t, grants[i].expires);
			if(persist)
				persist(ctx, NVG_P_UPSERT, a, *pc);
		}
		changes++;
	}
settle:
	if(a && created && a->ncontacts == 0) {
		/* made for a binding that could not be added: leave no trace */
		unlink_aor(s, a);
		A_ADD(&t->aors, -1);
		aor_free(t, a);
	} else if(a) {
		settle_aor(t, s, a, now);
	}
	t->ops.unlock(s->lock);
	if(p->reserved > 0) {
		A_ADD(&t->used, -p->reserved);
		A_ADD(&t->reserved, -p->reserved);
		p->reserved = 0;
	}
	p->committed = 1;
	return changes;
}

int nvg_tbl_lookup(nvg_tbl_t *t, const char *user, size_t ulen, const char *token,
		size_t toklen, int64_t now, nvg_visit_fn cb, void *ctx)
{
	uint32_t h;
	nvg_slot_t *s;
	nvg_aor_t *a;
	nvg_contact_t *c;
	int n = 0;

	if(!t || !user || ulen == 0)
		return NVG_LK_NO_AOR;
	h = hash_user(user, ulen);
	s = &t->slots[h & t->mask];
	t->ops.lock(s->lock);
	a = find_aor(s, user, ulen, h);
	if(!a) {
		t->ops.unlock(s->lock);
		return NVG_LK_NO_AOR;
	}
	for(c = a->contacts; c; c = c->next) {
		if(c->expires <= now)
			continue;
		if(token && (toklen != NVG_TOKEN_LEN || memcmp(c->token, token, toklen) != 0))
			continue;
		n++;
		if(cb && cb(ctx, a, c))
			break;
	}
	t->ops.unlock(s->lock);
	return n > 0 ? NVG_LK_FOUND : NVG_LK_NO_CONTACT;
}

int nvg_tbl_expire(nvg_tbl_t *t, int64_t now, nvg_persist_fn persist, void *ctx)
{
	unsigned i;
	nvg_aor_t *a, *next;
	nvg_contact_t **pc;
	int removed = 0;

	if(!t)
		return 0;
	for(i = 0; i <= t->mask; i++) {
		nvg_slot_t *s = &t->slots[i];
		if(!s->head)
			continue; /* racy peek: a record added now is not expired */
		t->ops.lock(s->lock);
		for(a = s->head; a; a = next) {
			next = a->next;
			pc = &a->contacts;
			while(*pc) {
				if((*pc)->expires <= now) {
					remove_contact(t, a, pc, persist, ctx);
					removed++;
				} else {
					pc = &(*pc)->next;
				}
			}
			if(a->ncontacts == 0) {
				if(a->emptied_at == 0) {
					settle_aor(t, s, a, now);
				} else if(a->emptied_at + t->lim.aor_retention <= now) {
					unlink_aor(s, a);
					A_ADD(&t->aors, -1);
					A_ADD(&t->tombstones, -1);
					aor_free(t, a);
				}
			}
		}
		t->ops.unlock(s->lock);
	}
	return removed;
}

int nvg_tbl_load(nvg_tbl_t *t, const char *aor, size_t aor_len, size_t user_len,
		const nvg_contact_t *b, int64_t now)
{
	uint32_t h;
	nvg_slot_t *s;
	nvg_aor_t *a;
	nvg_contact_t **pc, *nc;
	int rc = 1;

	if(!t || !aor || !b || user_len == 0 || user_len >= aor_len
			|| aor_len > NVG_MAX_AOR || !b->uri || b->uri_len == 0
			|| b->uri_len > NVG_MAX_URI || !nvg_token_valid(b->token, NVG_TOKEN_LEN))
		return NVG_E_ARG;
	if(b->expires <= now)
		return 0;
	nc = contact_new(t, b->token, b->uri, b->uri_len, b->received ? b->received : "",
			b->received ? b->received_len : 0, b->sock ? b->sock : "",
			b->sock ? b->sock_len : 0, b->callid ? b->callid : "",
			b->callid ? b->callid_len : 0, b->cseq, b->instance ? b->instance : "",
			b->instance ? b->instance_len : 0, b->reg_id, b->q,
			b->expires > now + t->lim.max_expires ? now + t->lim.max_expires
												  : b->expires,
			b->last_modified ? b->last_modified : now);
	if(!nc)
		return NVG_E_NOMEM;
	h = hash_user(aor, user_len);
	s = &t->slots[h & t->mask];
	t->ops.lock(s->lock);
	a = find_aor(s, aor, user_len, h);
	if(a && !aor_eq(a, aor, aor_len, user_len)) {
		rc = NVG_E_CONFLICT;
		goto fail;
	}
	pc = find_contact(a, b->token, NVG_TOKEN_LEN);
	if(pc) {
		nc->next = (*pc)->next;
		contact_free(t, *pc);
		*pc = nc;
		t->ops.unlock(s->lock);
		return 1;
	}
	if(a && a->ncontacts >= t->lim.max_contacts) {
		rc = NVG_E_MAX_CONTACTS;
		goto fail;
	}
	if(used_reserve(t, 1) < 0) {
		rc = NVG_E_MAX_BINDINGS;
		goto fail;
	}
	if(!a) {
		a = aor_new(t, aor, aor_len, user_len, h);
		if(!a) {
			A_ADD(&t->used, -1);
			rc = NVG_E_NOMEM;
			goto fail;
		}
		a->next = s->head;
		s->head = a;
		A_ADD(&t->aors, 1);
	} else if(a->emptied_at) {
		a->emptied_at = 0;
		A_ADD(&t->tombstones, -1);
	}
	nc->next = a->contacts;
	a->contacts = nc;
	a->ncontacts++;
	A_ADD(&t->bindings, 1);
	t->ops.unlock(s->lock);
	return 1;
fail:
	t->ops.unlock(s->lock);
	contact_free(t, nc);
	return rc;
}

void nvg_tbl_foreach(nvg_tbl_t *t, nvg_visit_fn cb, void *ctx)
{
	unsigned i;
	nvg_aor_t *a;
	nvg_contact_t *c;
	int stop = 0;

	if(!t || !cb)
		return;
	for(i = 0; i <= t->mask && !stop; i++) {
		nvg_slot_t *s = &t->slots[i];
		t->ops.lock(s->lock);
		for(a = s->head; a && !stop; a = a->next) {
			if(!a->contacts) {
				stop = cb(ctx, a, NULL);
				continue;
			}
			for(c = a->contacts; c && !stop; c = c->next)
				stop = cb(ctx, a, c);
		}
		t->ops.unlock(s->lock);
	}
}
