/* senemo-sslkeylog: an LD_PRELOAD library that writes the TLS session
 * secrets of a process using OpenSSL (e.g. Kamailio's tls module) to the
 * file named by SSLKEYLOGFILE, in the NSS key log format Wireshark/tshark
 * read (-o tls.keylog_file:FILE). For the demo and tests only: it lets the
 * egress captures of `./senemo demo` be read as SIP although the Internet
 * leg is TLS. Never in a deployment: whoever reads the file reads the
 * traffic.
 *   LD_PRELOAD=build/tools/libsenemo-sslkeylog.so SSLKEYLOGFILE=/tmp/k.log kamailio ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ssl.h>

static void keylog_cb(const SSL *ssl, const char *line)
{
	const char *path = getenv("SSLKEYLOGFILE");
	char buf[1024];
	size_t n;
	int fd;

	(void)ssl;
	if(path == NULL || *path == '\0' || line == NULL)
		return;
	n = strlen(line);
	if(n + 1 > sizeof(buf))
		return;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	/* one write() with O_APPEND: lines of several processes never mix */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if(fd < 0)
		return;
	if(write(fd, buf, n) < 0) {
		/* nothing to do: the capture just stays unreadable */
	}
	close(fd);
}

SSL *SSL_new(SSL_CTX *ctx)
{
	static SSL *(*real_new)(SSL_CTX *) = NULL;

	if(real_new == NULL)
		real_new = (SSL * (*)(SSL_CTX *)) dlsym(RTLD_NEXT, "SSL_new");
	if(real_new == NULL)
		return NULL;
	if(ctx != NULL)
		SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	return real_new(ctx);
}
