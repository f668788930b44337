/*
 * SeNEMO app_hotp -- connection pool shared by the store backends.
 */
#include "hotp_pool.h"

hotp_err hotp_pool_init(hotp_pool *p, unsigned max, const hotp_pool_ops *ops, void *owner)
{
	hotp_pool_conn *c;
	hotp_err e;

	p->free_list = NULL;
	p->nconn = 0;
	p->max = max;
	p->ops = ops;
	p->owner = owner;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if ((e = ops->open(owner, 1, &c)) != HOTP_E_OK)
		return e;
	c->next = NULL;
	p->free_list = c;
	p->nconn = 1;
	return HOTP_E_OK;
}

hotp_err hotp_pool_acquire(hotp_pool *p, hotp_pool_conn **out)
{
	hotp_pool_conn *c;
	hotp_err e;

	pthread_mutex_lock(&p->mu);
	while (p->free_list == NULL && p->nconn >= p->max)
		pthread_cond_wait(&p->cv, &p->mu);
	if ((c = p->free_list) != NULL) {
		p->free_list = c->next;
		pthread_mutex_unlock(&p->mu);
		if (p->ops->revive && (e = p->ops->revive(p->owner, c)) != HOTP_E_OK) {
			hotp_pool_release(p, c);
			return e;
		}
		*out = c;
		return HOTP_E_OK;
	}
	p->nconn++;
	pthread_mutex_unlock(&p->mu);
	if ((e = p->ops->open(p->owner, 0, &c)) != HOTP_E_OK) {
		pthread_mutex_lock(&p->mu);
		p->nconn--;
		pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
		return e;
	}
	*out = c;
	return HOTP_E_OK;
}

void hotp_pool_release(hotp_pool *p, hotp_pool_conn *c)
{
	pthread_mutex_lock(&p->mu);
	c->next = p->free_list;
	p->free_list = c;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void hotp_pool_destroy(hotp_pool *p)
{
	hotp_pool_conn *c;

	while ((c = p->free_list) != NULL) {
		p->free_list = c->next;
		p->ops->close(c);
	}
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}
