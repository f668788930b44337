/*
 * SeNEMO app_hotp -- backend-independent store wrappers and hotp_verify():
 * the read / decide / compare-and-set loop over any backend (SQLite,
 * PostgreSQL) that honours the semantics documented in hotp_store.h.
 */
#include "hotp_store.h"

#include <string.h>

/* ======================================================================== */
/* backend-independent wrappers                                             */

void hotp_store_close(hotp_store *st)
{
	if (st != NULL && st->ops != NULL)
		st->ops->close(st);
}

hotp_err hotp_store_set_params(hotp_store *st, const hotp_params *p)
{
	hotp_err e;
	if (st == NULL)
		return HOTP_E_PARAM;
	if ((e = hotp_params_check(p)))
		return e;
	st->params = *p;
	return HOTP_E_OK;
}

static hotp_err aor_cstr_check(const char *aor)
{
	if (aor == NULL)
		return HOTP_E_AOR_NULL;
	return hotp_aor_check(aor, strnlen(aor, HOTP_AOR_MAX + 1));
}

hotp_err hotp_store_get_user(hotp_store *st, const char *aor, hotp_user *u)
{
	hotp_err e;
	if ((e = aor_cstr_check(aor)))
		return e;
	return st->ops->get_user(st, aor, u);
}

hotp_err hotp_store_add_user(hotp_store *st, const hotp_user *u)
{
	hotp_err e;
	if ((e = hotp_user_check(u)))
		return e;
	return st->ops->add_user(st, u);
}

hotp_err hotp_store_del_user(hotp_store *st, const char *aor)
{
	hotp_err e;
	if ((e = aor_cstr_check(aor)))
		return e;
	return st->ops->del_user(st, aor);
}

hotp_err hotp_store_list(hotp_store *st, hotp_list_cb cb, void *arg)
{
	if (cb == NULL)
		return HOTP_E_PARAM;
	return st->ops->list(st, cb, arg);
}

/* ======================================================================== */
/* verification                                                             */

#define VERIFY_MAX_ROUNDS 32

static hotp_outcome finish(hotp_result *res, hotp_outcome o, hotp_err e)
{
	res->outcome = o;
	res->err = e;
	return o;
}

hotp_outcome hotp_verify_n(hotp_store *st, const char *aor, size_t aor_len,
                           const char *otp, size_t otp_len, int64_t now,
                           hotp_result *res)
{
	char name[HOTP_AOR_MAX + 1];
	hotp_user u;
	hotp_decision d;
	hotp_err e;
	int won;

	res->counter = -1;
	res->fail_count = 0;
	res->locked_until = 0;
	if ((e = hotp_aor_check(aor, aor_len)))
		return finish(res, HOTP_R_MALFORMED, e);
	if ((e = hotp_parse_otp(otp, otp_len, 0, NULL)))
		return finish(res, HOTP_R_MALFORMED, e);
	if (st == NULL || st->ops == NULL)
		return finish(res, HOTP_R_STORE_ERROR, HOTP_E_STORE_OPEN);
	memcpy(name, aor, aor_len);
	name[aor_len] = 0;

	for (int round = 0; round < VERIFY_MAX_ROUNDS; round++) {
		e = st->ops->get_user(st, name, &u);
		if (e == HOTP_E_STORE_NOUSER)
			return finish(res, HOTP_R_UNKNOWN_USER, e);
		if (e)
			return finish(res, HOTP_R_STORE_ERROR, e);
		hotp_decide(&st->params, &u, otp, otp_len, now, &d);
		hotp_user_wipe(&u);
		res->counter = d.counter;
		res->fail_count = d.next.fail_count;
		res->locked_until = d.next.locked_until;
		switch (d.outcome) {
		case HOTP_R_OK:
		case HOTP_R_RESYNCED:
			e = st->ops->cas_counter(st, name, u.info.st.counter,
			                         d.counter, now, &won);
			if (e)
				return finish(res, HOTP_R_STORE_ERROR, e);
			if (!won)
				continue; /* someone else moved the counter */
			return finish(res, d.outcome, HOTP_E_OK);
		case HOTP_R_RESYNC_NEEDED:
			e = st->ops->set_pending(st, name, u.info.st.counter,
			                         d.counter, now, &won);
			if (e)
				return finish(res, HOTP_R_STORE_ERROR, e);
			if (!won)
				continue;
			return finish(res, d.outcome, HOTP_E_OK);
		case HOTP_R_BAD_OTP:
		case HOTP_R_REPLAY:
			e = st->ops->record_failure(st, name, now, &st->params,
			                            &res->fail_count,
			                            &res->locked_until);
			if (e == HOTP_E_STORE_NOUSER)
				return finish(res, HOTP_R_UNKNOWN_USER, e);
			if (e)
				return finish(res, HOTP_R_STORE_ERROR, e);
			return finish(res, d.outcome, HOTP_E_OK);
		default: /* LOCKED, MALFORMED, STORE_ERROR: no state change */
			return finish(res, d.outcome, d.err);
		}
	}
	return finish(res, HOTP_R_STORE_ERROR, HOTP_E_STORE_BUSY);
}

hotp_outcome hotp_verify(hotp_store *st, const char *aor, const char *otp,
                         int64_t now, hotp_result *res)
{
	size_t al = aor ? strnlen(aor, HOTP_AOR_MAX + 1) : 0;
	size_t ol = otp ? strnlen(otp, HOTP_DIGITS_MAX + 1) : 0;
	return hotp_verify_n(st, aor, al, otp, ol, now, res);
}

