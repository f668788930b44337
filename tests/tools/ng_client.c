/*
 * senemo-ng - send one rtpengine ng-protocol command (bencoded dictionary)
 * over UDP and print the reply's dictionary.
 *
 *   senemo-ng HOST PORT 'd7:command4:pinge'   -> d6:result4:ponge
 *
 * Exit status: 0 on a reply with the same cookie, 1 on timeout or error.
 */

#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct addrinfo hints, *ai = NULL;
	char cookie[32], buf[65536];
	struct pollfd pfd;
	size_t clen;
	ssize_t n;
	int fd, rc;

	if(argc != 4) {
		fprintf(stderr, "usage: %s HOST PORT BENCODED-DICT\n", argv[0]);
		return 1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(argv[1], argv[2], &hints, &ai);
	if(rc != 0) {
		fprintf(stderr, "senemo-ng: %s:%s: %s\n", argv[1], argv[2], gai_strerror(rc));
		return 1;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if(fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		perror("senemo-ng: socket");
		return 1;
	}
	freeaddrinfo(ai);
	clen = (size_t)snprintf(cookie, sizeof(cookie), "sn%ld_%d ", (long)time(NULL), getpid());
	if(clen + strlen(argv[3]) >= sizeof(buf)) {
		fprintf(stderr, "senemo-ng: command too long\n");
		return 1;
	}
	memcpy(buf, cookie, clen);
	memcpy(buf + clen, argv[3], strlen(argv[3]));
	if(send(fd, buf, clen + strlen(argv[3]), 0) < 0) {
		perror("senemo-ng: send");
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for(;;) {
		rc = poll(&pfd, 1, 3000);
		if(rc <= 0) {
			fprintf(stderr, "senemo-ng: no reply from %s:%s\n", argv[1], argv[2]);
			return 1;
		}
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if(n < 0) {
			perror("senemo-ng: recv");
			return 1;
		}
		buf[n] = 0;
		if((size_t)n > clen && memcmp(buf, cookie, clen) == 0)
			break; /* ours; anything else is a stale reply */
	}
	printf("%s\n", buf + clen);
	close(fd);
	return 0;
}
