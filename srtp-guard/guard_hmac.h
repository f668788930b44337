/*
 * guard_hmac - a faster HMAC-SHA1 for libsrtp (OpenSSL SHA-1, precomputed
 * pads), installed with srtp_replace_auth_type(). See guard_hmac.c.
 */
#ifndef SENEMO_GUARD_HMAC_H
#define SENEMO_GUARD_HMAC_H

/* after srtp_init(): 0 when libsrtp took it (it passed libsrtp's test
 * vectors), -1 when not (libsrtp's own HMAC stays) */
int guard_hmac_install(void);

#endif
