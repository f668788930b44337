/*
 * srtp_sdp - base64, RFC 4568 a=crypto and minimal SDP parsing for the
 * SeNEMO media verifier. See srtp_sdp.h.
 */
#include "srtp_sdp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, int code, const char *fmt, ...)
{
	if(err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, SSDP_ERRLEN, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* ---- base64 ---------------------------------------------------------- */

static int b64_val(unsigned char c)
{
	if(c >= 'A' && c <= 'Z')
		return c - 'A';
	if(c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if(c >= '0' && c <= '9')
		return c - '0' + 52;
	if(c == '+')
		return 62;
	if(c == '/')
		return 63;
	return -1;
}

int ssdp_b64_decode(const char *in, size_t len, uint8_t *out, size_t out_max)
{
	size_t i, n = 0, pad = 0, data;
	uint32_t acc = 0;
	unsigned bits = 0;

	if(!in && len)
		return SSDP_EINVAL;
	/* padding: only at the end, at most two, and only to complete a quantum */
	while(pad < len && in[len - 1 - pad] == '=')
		pad++;
	if(pad > 2 || (pad && len % 4 != 0))
		return SSDP_EINVAL;
	data = len - pad;
	if(data % 4 == 1)
		return SSDP_EINVAL; /* 6 bits cannot make a byte */
	if(pad && (data % 4) + pad != 4)
		return SSDP_EINVAL;
	for(i = 0; i < data; i++) {
		int v = b64_val((unsigned char)in[i]);
		if(v < 0)
			return SSDP_EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if(bits >= 8) {
			bits -= 8;
			if(n >= out_max)
				return SSDP_ERANGE;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (int)n;
}

int ssdp_b64_encode(const uint8_t *in, size_t len, char *out, size_t out_max)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, n = 0, need = 4 * ((len + 2) / 3) + 1;

	if(out_max < need)
		return SSDP_ERANGE;
	for(i = 0; i + 2 < len; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
		out[n++] = tab[v >> 18];
		out[n++] = tab[(v >> 12) & 63];
		out[n++] = tab[(v >> 6) & 63];
		out[n++] = tab[v & 63];
	}
	if(len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[n++] = tab[v >> 18];
		out[n++] = tab[(v >> 12) & 63];
		out[n++] = '=';
		out[n++] = '=';
	} else if(len - i == 2) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
		out[n++] = tab[v >> 18];
		out[n++] = tab[(v >> 12) & 63];
		out[n++] = tab[(v >> 6) & 63];
		out[n++] = '=';
	}
	out[n] = 0;
	return (int)n;
}

/* ---- suites ---------------------------------------------------------- */

static const ssdp_suite_t suites[] = {
	{"AES_CM_128_HMAC_SHA1_80", SSDP_CIPHER_AES_CM, 16, 14, 10, 10},
	{"AES_CM_128_HMAC_SHA1_32", SSDP_CIPHER_AES_CM, 16, 14, 4, 10},
	{"AES_192_CM_HMAC_SHA1_80", SSDP_CIPHER_AES_CM, 24, 14, 10, 10},
	{"AES_192_CM_HMAC_SHA1_32", SSDP_CIPHER_AES_CM, 24, 14, 4, 10},
	{"AES_256_CM_HMAC_SHA1_80", SSDP_CIPHER_AES_CM, 32, 14, 10, 10},
	{"AES_256_CM_HMAC_SHA1_32", SSDP_CIPHER_AES_CM, 32, 14, 4, 10},
	{"AEAD_AES_128_GCM", SSDP_CIPHER_AES_GCM, 16, 12, 16, 16},
	{"AEAD_AES_256_GCM", SSDP_CIPHER_AES_GCM, 32, 12, 16, 16},
	{"F8_128_HMAC_SHA1_80", SSDP_CIPHER_AES_F8, 16, 14, 10, 10},
	{"F8_128_HMAC_SHA1_32", SSDP_CIPHER_AES_F8, 16, 14, 4, 10},
	{"NULL_HMAC_SHA1_80", SSDP_CIPHER_NULL, 16, 14, 10, 10},
	{"NULL_HMAC_SHA1_32", SSDP_CIPHER_NULL, 16, 14, 4, 10},
};

const ssdp_suite_t *ssdp_suites(size_t *n)
{
	if(n)
		*n = sizeof(suites) / sizeof(suites[0]);
	return suites;
}

const ssdp_suite_t *ssdp_suite_find(const char *name, size_t len)
{
	size_t i;
	for(i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if(strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0)
			return &suites[i];
	return NULL;
}

/* ---- small scanners -------------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* unsigned decimal, 1..maxdig digits, value <= max */
static int scan_uint(const char *s, size_t len, size_t maxdig, uint64_t max, uint64_t *v)
{
	size_t i;
	uint64_t x = 0;
	if(len == 0 || len > maxdig)
		return -1;
	for(i = 0; i < len; i++) {
		if(!is_digit(s[i]))
			return -1;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if(x > max)
		return -1;
	*v = x;
	return 0;
}

/* RFC 4566 token-ish: visible ASCII, no blanks */
static int is_token(const char *s, size_t len)
{
	size_t i;
	for(i = 0; i < len; i++)
		if((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static size_t span_until(const char *s, size_t len, char stop)
{
	size_t i = 0;
	while(i < len && s[i] != stop)
		i++;
	return i;
}

/* one key-param: "inline:<key-salt>[|lifetime][|mki:len]" */
static int parse_key_param(const char *s, size_t len, const ssdp_suite_t *suite,
		ssdp_crypto_t *out, int decode, char *err)
{
	size_t n, klen;
	const char *k;
	uint8_t key[SSDP_MAX_KEY + 3];
	int r, seen_life = 0, seen_mki = 0;

	if(len < 7 || memcmp(s, "inline:", 7) != 0)
		return fail(err, SSDP_EINVAL, "key-param must start with 'inline:'");
	s += 7;
	len -= 7;
	n = span_until(s, len, '|');
	k = s;
	klen = n;
	if(klen == 0)
		return fail(err, SSDP_EINVAL, "empty key");
	r = ssdp_b64_decode(k, klen, key, sizeof(key));
	if(r == SSDP_ERANGE)
		return fail(err, SSDP_EINVAL, "key longer than %u bytes", SSDP_MAX_KEY);
	if(r < 0)
		return fail(err, SSDP_EINVAL, "key is not valid base64");
	if((unsigned)r != suite->key_len + suite->salt_len)
		return fail(err, SSDP_EINVAL, "key is %d bytes, %s needs %u (key %u + salt %u)", r,
				suite->name, suite->key_len + suite->salt_len, suite->key_len, suite->salt_len);
	if(decode) {
		memcpy(out->key, key, (size_t)r);
		out->key_len = (unsigned)r;
	}
	s += n;
	len -= n;
	while(len > 0) { /* s[0] == '|' */
		const char *f;
		size_t flen, colon;
		s++;
		len--;
		flen = span_until(s, len, '|');
		f = s;
		if(flen == 0)
			return fail(err, SSDP_EINVAL, "empty field after '|'");
		colon = span_until(f, flen, ':');
		if(colon < flen) { /* MKI "value:length" */
			uint64_t mv, ml;
			if(seen_mki)
				return fail(err, SSDP_EINVAL, "MKI given twice");
			seen_mki = 1;
			if(scan_uint(f, colon, 10, 0xffffffffu, &mv) < 0
					|| scan_uint(f + colon + 1, flen - colon - 1, 3, 128, &ml) < 0 || ml == 0)
				return fail(err, SSDP_EINVAL, "bad MKI (value:length, length 1..128)");
			if(ml > 4)
				return fail(err, SSDP_ENOTSUP, "MKI longer than 4 bytes not supported");
			if(decode) {
				out->mki_value = (uint32_t)mv;
				out->mki_len = (unsigned)ml;
			}
		} else { /* lifetime "2^n" or decimal */
			uint64_t lt;
			if(seen_life || seen_mki)
				return fail(err, SSDP_EINVAL, "lifetime must come once, before the MKI");
			seen_life = 1;
			if(flen > 2 && f[0] == '2' && f[1] == '^') {
				uint64_t e;
				if(scan_uint(f + 2, flen - 2, 2, 48, &e) < 0)
					return fail(err, SSDP_EINVAL, "bad lifetime exponent (2^0..2^48)");
				lt = (uint64_t)1 << e;
			} else if(scan_uint(f, flen, 15, (uint64_t)1 << 48, &lt) < 0 || lt == 0) {
				return fail(err, SSDP_EINVAL, "bad lifetime (1..2^48)");
			}
			if(decode)
				out->lifetime = lt;
		}
		s += flen;
		len -= flen;
	}
	return SSDP_OK;
}

static int parse_session_param(const char *s, size_t len, ssdp_crypto_t *out, char *err)
{
	uint64_t v;
#define IS(lit) (len == sizeof(lit) - 1 && memcmp(s, lit, len) == 0)
#define PFX(lit) (len >= sizeof(lit) - 1 && memcmp(s, lit, sizeof(lit) - 1) == 0)
	if(IS("UNENCRYPTED_SRTP"))
		out->unencrypted_srtp = 1;
	else if(IS("UNENCRYPTED_SRTCP"))
		out->unencrypted_srtcp = 1;
	else if(IS("UNAUTHENTICATED_SRTP"))
		out->unauthenticated_srtp = 1;
	else if(PFX("KDR=")) {
		if(scan_uint(s + 4, len - 4, 2, 24, &v) < 0)
			return fail(err, SSDP_EINVAL, "bad KDR (0..24)");
		out->kdr = (int)v;
	} else if(PFX("WSH=")) {
		if(scan_uint(s + 4, len - 4, 9, 0x7fffffff, &v) < 0 || v < 64)
			return fail(err, SSDP_EINVAL, "bad WSH (>= 64)");
		out->wsh = (unsigned)v;
	} else if(PFX("FEC_ORDER=")) {
		out->fec_order = 1;
	} else if(PFX("FEC_KEY=")) {
		out->fec_key = 1;
	} else if(len > 0 && s[0] == '-') {
		/* RFC 4568 §9.2: "-" prefixed parameters are extensions */
	} else {
		return fail(err, SSDP_ENOTSUP, "unknown session parameter '%.*s'",
				(int)(len > 40 ? 40 : len), s);
	}
	return SSDP_OK;
#undef IS
#undef PFX
}

/* "<suite> <key-params> [<session-params>]" */
static int parse_after_tag(const char *s, size_t len, ssdp_crypto_t *out, char *err)
{
	size_t n;
	const ssdp_suite_t *suite;
	int r;

	n = span_until(s, len, ' ');
	suite = ssdp_suite_find(s, n);
	if(!suite)
		return fail(err, SSDP_ENOTSUP, "unknown crypto suite '%.*s'", (int)(n > 40 ? 40 : n), s);
	out->suite = suite;
	if(n == len)
		return fail(err, SSDP_EINVAL, "no key-params after the suite");
	s += n + 1;
	len -= n + 1;
	n = span_until(s, len, ' ');
	/* key-params: first is decoded, others are checked */
	{
		const char *kp = s;
		size_t kl = n, one;
		int first = 1;
		do {
			one = span_until(kp, kl, ';');
			r = parse_key_param(kp, one, suite, out, first, err);
			if(r < 0)
				return r;
			out->n_keys++;
			if(out->n_keys > 16)
				return fail(err, SSDP_ERANGE, "too many key-params");
			first = 0;
			if(one == kl)
				break;
			kp += one + 1;
			kl -= one + 1;
			if(kl == 0)
				return fail(err, SSDP_EINVAL, "empty key-param after ';'");
		} while(1);
	}
	s += n;
	len -= n;
	while(len > 0) { /* s[0] == ' ' */
		s++;
		len--;
		n = span_until(s, len, ' ');
		if(n == 0)
			return fail(err, SSDP_EINVAL, "double space in session parameters");
		r = parse_session_param(s, n, out, err);
		if(r < 0)
			return r;
		s += n;
		len -= n;
	}
	if(out->n_keys > 1 && !out->mki_len)
		return fail(err, SSDP_EINVAL, "several keys need MKIs");
	return SSDP_OK;
}

static void crypto_init(ssdp_crypto_t *out)
{
	memset(out, 0, sizeof(*out));
	out->kdr = -1;
}

int ssdp_crypto_parse(const char *s, size_t len, ssdp_crypto_t *out, char *err)
{
	size_t n;
	uint64_t tag;

	if(!s || !out)
		return fail(err, SSDP_EINVAL, "null argument");
	crypto_init(out);
	while(len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	n = span_until(s, len, ' ');
	if(scan_uint(s, n, 9, 999999999, &tag) < 0)
		return fail(err, SSDP_EINVAL, "tag must be 1-9 digits");
	out->tag = (unsigned)tag;
	if(n == len)
		return fail(err, SSDP_EINVAL, "nothing after the tag");
	return parse_after_tag(s + n + 1, len - n - 1, out, err);
}

int ssdp_crypto_parse_arg(const char *s, size_t len, ssdp_crypto_t *out, char *err)
{
	char buf[512];
	size_t i, n;

	if(!s || !out)
		return fail(err, SSDP_EINVAL, "null argument");
	while(len > 0 && (s[len - 1] == '\r' || s[len - 1] == '\n' || s[len - 1] == ' '))
		len--;
	while(len > 0 && *s == ' ') {
		s++;
		len--;
	}
	if(len >= 9 && memcmp(s, "a=crypto:", 9) == 0) {
		s += 9;
		len -= 9;
	}
	if(len > 0 && is_digit(s[0]))
		return ssdp_crypto_parse(s, len, out, err);
	crypto_init(out);
	n = span_until(s, len, ' ');
	if(n == len) {
		/* "SUITE:inline:KEY" -> "SUITE inline:KEY" */
		size_t c = span_until(s, len, ':');
		if(c == len || len >= sizeof(buf))
			return fail(err, SSDP_EINVAL, "expected 'SUITE inline:KEY' or 'SUITE:inline:KEY'");
		for(i = 0; i < len; i++)
			buf[i] = s[i];
		buf[c] = ' ';
		return parse_after_tag(buf, len, out, err);
	}
	return parse_after_tag(s, len, out, err);
}

int ssdp_crypto_format(const ssdp_crypto_t *c, char *out, size_t out_max)
{
	char b64[4 * ((SSDP_MAX_KEY + 2) / 3) + 1];
	int n;
	if(!c || !c->suite || ssdp_b64_encode(c->key, c->key_len, b64, sizeof(b64)) < 0)
		return SSDP_EINVAL;
	n = snprintf(out, out_max, "%s inline:%s", c->suite->name, b64);
	if(n < 0 || (size_t)n >= out_max)
		return SSDP_ERANGE;
	return n;
}

/* ---- SDP ------------------------------------------------------------- */

/* "IN IP4 <addr>[/ttl[/n]]" */
static int parse_conn(const char *s, size_t len, char *addr, int *fam, char *err)
{
	char tmp[SSDP_MAX_ADDR];
	unsigned char bin[16];
	size_t n;
	int f;

	if(len < 7 || memcmp(s, "IN IP", 5) != 0 || (s[5] != '4' && s[5] != '6') || s[6] != ' ')
		return fail(err, SSDP_EINVAL, "c= must be 'IN IP4|IP6 <address>'");
	f = s[5] - '0';
	s += 7;
	len -= 7;
	n = span_until(s, len, '/');
	if(n == 0 || n >= sizeof(tmp))
		return fail(err, SSDP_EINVAL, "bad c= address length");
	memcpy(tmp, s, n);
	tmp[n] = 0;
	if(inet_pton(f == 4 ? AF_INET : AF_INET6, tmp, bin) != 1)
		return fail(err, SSDP_EINVAL, "c= address '%s' is not an IPv%d address", tmp, f);
	memcpy(addr, tmp, n + 1);
	*fam = f;
	return SSDP_OK;
}

int ssdp_sdp_parse(const char *sdp, size_t len, ssdp_media_t *out, char *err)
{
	size_t pos = 0;
	unsigned lineno = 0;
	int where = 0; /* 0 session, 1 our m=audio, 2 another m= section */
	char sess_addr[SSDP_MAX_ADDR] = "";
	int sess_fam = 0, media_conn = 0, r;
	int sess_key_mgmt = 0;
	char sess_km[sizeof(out->key_mgmt_proto)] = "";

	if(!sdp || !out)
		return fail(err, SSDP_EINVAL, "null argument");
	memset(out, 0, sizeof(*out));
	while(pos < len) {
		const char *l = sdp + pos;
		size_t ll = span_until(l, len - pos, '\n');
		pos += ll + (pos + ll < len ? 1 : 0);
		lineno++;
		if(ll > 0 && l[ll - 1] == '\r')
			ll--;
		if(ll == 0)
			continue;
		if(ll < 2 || l[1] != '=' || l[0] < 'a' || l[0] > 'z')
			return fail(err, SSDP_EINVAL, "line %u is not '<letter>=<value>'", lineno);
		if(memchr(l, 0, ll))
			return fail(err, SSDP_EINVAL, "line %u contains a NUL byte", lineno);
		const char *v = l + 2;
		size_t vl = ll - 2;
		switch(l[0]) {
		case 'm': {
			uint64_t port;
			size_t n = span_until(v, vl, ' ');
			if(where == 1 || out->n_audio > 0) {
				where = 2;
				if(n == 5 && memcmp(v, "audio", 5) == 0)
					out->n_audio++;
				break;
			}
			if(n != 5 || memcmp(v, "audio", 5) != 0) {
				where = 2;
				break;
			}
			out->n_audio++;
			where = 1;
			v += n;
			vl -= n;
			if(vl < 2)
				return fail(err, SSDP_EINVAL, "line %u: m=audio without a port", lineno);
			v++;
			vl--;
			n = span_until(v, vl, ' ');
			{
				size_t slash = span_until(v, n, '/');
				if(scan_uint(v, slash, 5, 65535, &port) < 0)
					return fail(err, SSDP_EINVAL, "line %u: bad m=audio port", lineno);
			}
			out->port = (unsigned)port;
			if(n == vl)
				return fail(err, SSDP_EINVAL, "line %u: m=audio without a transport", lineno);
			v += n + 1;
			vl -= n + 1;
			n = span_until(v, vl, ' ');
			if(n == 0 || n >= sizeof(out->proto) || !is_token(v, n))
				return fail(err, SSDP_EINVAL, "line %u: bad m=audio transport", lineno);
			memcpy(out->proto, v, n);
			out->proto[n] = 0;
			if(n == vl)
				return fail(err, SSDP_EINVAL, "line %u: m=audio without formats", lineno);
			break;
		}
		case 'c':
			if(where == 2)
				break;
			if(where == 0) {
				r = parse_conn(v, vl, sess_addr, &sess_fam, err);
			} else {
				r = parse_conn(v, vl, out->addr, &out->addr_family, err);
				media_conn = 1;
			}
			if(r < 0) {
				char e2[SSDP_ERRLEN];
				snprintf(e2, sizeof(e2), "line %u: %s", lineno, err ? err : "bad c=");
				return fail(err, r, "%s", e2);
			}
			break;
		case 'a': {
#define ATTR(lit) (vl >= sizeof(lit) - 1 && memcmp(v, lit, sizeof(lit) - 1) == 0)
			if(ATTR("key-mgmt:")) {
				const char *p = v + 9;
				size_t n = span_until(p, vl - 9, ' ');
				char *dst = where == 0 ? sess_km : out->key_mgmt_proto;
				if(where == 2)
					break;
				if(n == 0 || !is_token(p, n))
					return fail(err, SSDP_EINVAL, "line %u: bad a=key-mgmt protocol", lineno);
				if(n >= sizeof(out->key_mgmt_proto))
					n = sizeof(out->key_mgmt_proto) - 1;
				memcpy(dst, p, n);
				dst[n] = 0;
				if(where == 0)
					sess_key_mgmt = 1;
				else
					out->key_mgmt = 1;
				break;
			}
			if(where != 1)
				break;
			if(ATTR("crypto:")) {
				if(out->n_crypto >= SSDP_MAX_CRYPTO)
					return fail(err, SSDP_ERANGE, "line %u: more than %d a=crypto lines",
							lineno, SSDP_MAX_CRYPTO);
				if(ssdp_crypto_parse(v + 7, vl - 7, &out->crypto[out->n_crypto], NULL) == 0)
					out->n_crypto++;
				else
					out->n_crypto_bad++;
			} else if(ATTR("rtcp:")) {
				uint64_t p;
				size_t n = span_until(v + 5, vl - 5, ' ');
				if(scan_uint(v + 5, n, 5, 65535, &p) < 0)
					return fail(err, SSDP_EINVAL, "line %u: bad a=rtcp port", lineno);
				out->rtcp_port = (unsigned)p;
			} else if(vl == 8 && memcmp(v, "rtcp-mux", 8) == 0) {
				out->rtcp_mux = 1;
			} else if(ATTR("fingerprint:")) {
				out->fingerprint = 1;
			} else if(vl == 8 && memcmp(v, "sendrecv", 8) == 0) {
				out->direction = 0;
			} else if(vl == 8 && memcmp(v, "sendonly", 8) == 0) {
				out->direction = 1;
			} else if(vl == 8 && memcmp(v, "recvonly", 8) == 0) {
				out->direction = 2;
			} else if(vl == 8 && memcmp(v, "inactive", 8) == 0) {
				out->direction = 3;
			}
#undef ATTR
			break;
		}
		default:
			break;
		}
	}
	if(out->n_audio == 0)
		return fail(err, SSDP_ENOENT, "no m=audio section");
	if(!media_conn) {
		memcpy(out->addr, sess_addr, sizeof(sess_addr));
		out->addr_family = sess_fam;
	}
	if(!out->addr_family)
		return fail(err, SSDP_EINVAL, "no c= line for the audio stream");
	if(!out->key_mgmt && sess_key_mgmt) {
		out->key_mgmt = 1;
		memcpy(out->key_mgmt_proto, sess_km, sizeof(sess_km));
	}
	return SSDP_OK;
}

const ssdp_crypto_t *ssdp_sdp_crypto(const ssdp_media_t *m, const char *suite)
{
	unsigned i;
	if(!m || m->n_crypto == 0)
		return NULL;
	if(!suite)
		return &m->crypto[0];
	for(i = 0; i < m->n_crypto; i++)
		if(strcmp(m->crypto[i].suite->name, suite) == 0)
			return &m->crypto[i];
	return NULL;
}
