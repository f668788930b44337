/*
 * SeNEMO app_hotp -- a small connection pool shared by the store backends.
 *
 * Up to `max` connections, opened on demand, each used by one thread at a
 * time; a thread that finds none free and the pool full waits. A backend's
 * connection struct embeds hotp_pool_conn as its FIRST member.
 */
#ifndef SENEMO_HOTP_POOL_H
#define SENEMO_HOTP_POOL_H

#include <pthread.h>

#include "hotp.h"

typedef struct hotp_pool_conn {
	struct hotp_pool_conn *next;
} hotp_pool_conn;

typedef struct hotp_pool_ops {
	/* open one connection; first = 1 for the pool's first one (create schema) */
	hotp_err (*open)(void *owner, int first, hotp_pool_conn **out);
	void (*close)(hotp_pool_conn *c);
	/* optional: make a reused connection usable again (e.g. after a lost
	 * server connection); an error hands the connection back and fails */
	hotp_err (*revive)(void *owner, hotp_pool_conn *c);
} hotp_pool_ops;

typedef struct hotp_pool {
	pthread_mutex_t      mu;
	pthread_cond_t       cv;
	hotp_pool_conn      *free_list;
	unsigned             nconn, max;
	const hotp_pool_ops *ops;
	void                *owner;
} hotp_pool;

/* Initialise and open the first connection (ops->open with first = 1). */
hotp_err hotp_pool_init(hotp_pool *p, unsigned max, const hotp_pool_ops *ops, void *owner);
hotp_err hotp_pool_acquire(hotp_pool *p, hotp_pool_conn **out);
void     hotp_pool_release(hotp_pool *p, hotp_pool_conn *c);
/* Close every (released) connection. */
void     hotp_pool_destroy(hotp_pool *p);

#endif
