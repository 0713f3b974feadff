/* SPDX-License-Identifier: Apache-2.0 */
/*
 * demotool: the two ends of the demo.  "serve PORTFILE" listens on
 * 127.0.0.1, writes the kernel-chosen port to PORTFILE, and answers each
 * line a client sends with "host service got: LINE".  "ask PORT TEXT"
 * connects to 127.0.0.1:PORT, sends TEXT as one line and prints the answer.
 * "freeport" prints a loopback port the kernel just had free.
 * Blocking and small on purpose: it is a demo peer, not part of the proxy.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_LINE_MAX	1024
#define DEMO_TIMEOUT_S	10

static int
demo_serve(const char *portfile)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	char			 line[DEMO_LINE_MAX], reply[DEMO_LINE_MAX + 32];
	FILE			*f, *in;
	int			 s, c;

	signal(SIGPIPE, SIG_IGN);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(s, 16) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		perror("demotool: listen");
		return 1;
	}
	if ((f = fopen(portfile, "w")) == NULL) {
		perror(portfile);
		return 1;
	}
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	for (;;) {
		if ((c = accept(s, NULL, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			perror("demotool: accept");
			return 1;
		}
		if ((in = fdopen(c, "r")) == NULL) {
			close(c);
			continue;
		}
		while (fgets(line, sizeof(line), in) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(reply, sizeof(reply), "host service got: %s\n",
			    line);
			if (write(c, reply, strlen(reply)) == -1)
				break;
		}
		fclose(in);
	}
}

static int
demo_freeport(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) == -1) {
		perror("demotool: bind");
		return 1;
	}
	printf("%u\n", ntohs(sin.sin_port));
	close(s);
	return 0;
}

static int
demo_ask(const char *port, const char *text)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { DEMO_TIMEOUT_S, 0 };
	char			 buf[DEMO_LINE_MAX + 32];
	ssize_t			 n;
	size_t			 got = 0;
	int			 s;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(port));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("demotool: connect");
		return 1;
	}
	snprintf(buf, sizeof(buf), "%s\n", text);
	if (write(s, buf, strlen(buf)) == -1) {
		perror("demotool: write");
		return 1;
	}
	while (got < sizeof(buf) - 1 &&
	    (n = read(s, buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		if (memchr(buf, '\n', got) != NULL)
			break;
	}
	close(s);
	if (got == 0) {
		fprintf(stderr, "demotool: no answer\n");
		return 1;
	}
	buf[got] = '\0';
	fputs(buf, stdout);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return demo_serve(argv[2]);
	if (argc == 4 && strcmp(argv[1], "ask") == 0)
		return demo_ask(argv[2], argv[3]);
	if (argc == 2 && strcmp(argv[1], "freeport") == 0)
		return demo_freeport();
	fprintf(stderr, "usage: demotool serve PORTFILE | ask PORT TEXT | "
	    "freeport\n");
	return 1;
}
