/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vios-proxy-status: ask a vios-proxy-host's status socket for its state
 * and print it as a table (or the JSON as it came, with --json).  The
 * reader below parses just the JSON the daemon writes, bounded in size and
 * depth, into a tree that jfree() releases.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATUS_MAX_DOC		(16 * 1024 * 1024)	/* bytes read at most */
#define STATUS_MAX_DEPTH	16
#define STATUS_TIMEOUT_MS	5000

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype	  type;
	char		 *str;		/* J_STR */
	uint64_t	  num;		/* J_NUM (non-negative integers only) */
	int		  boolean;	/* J_BOOL */
	size_t		  n;		/* J_ARR, J_OBJ */
	char		**keys;		/* J_OBJ */
	struct jval	**items;	/* J_ARR, J_OBJ */
};

struct jparse {
	const char	*p;
	const char	*end;
	int		 depth;
};

static const char *prog = "vios-proxy-status";

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		die("out of memory");
	return p;
}

static void
jskip(struct jparse *jp)
{
	while (jp->p < jp->end && strchr(" \t\r\n", *jp->p) != NULL)
		jp->p++;
}

static struct jval *jvalue(struct jparse *);
static void	 jfree(struct jval *);

/*
 * A string.  A \uXXXX escape becomes the character in UTF-8, the table's
 * encoding (a lone surrogate U+FFFD), but a control character '?': the
 * table goes to a terminal.  Unescaped bytes are copied as they are.
 */
static char *
jstring(struct jparse *jp)
{
	char		*out, *o;
	unsigned	 u;

	if (jp->p >= jp->end || *jp->p != '"')
		return NULL;
	jp->p++;
	o = out = xcalloc((size_t)(jp->end - jp->p) + 1, 1);
	while (jp->p < jp->end && *jp->p != '"') {
		if (*jp->p != '\\') {
			*o++ = *jp->p++;
			continue;
		}
		if (++jp->p >= jp->end)
			goto fail;
		switch (*jp->p) {
		case 'u':
			if (jp->end - jp->p < 5 ||
			    sscanf(jp->p + 1, "%4x", &u) != 1)
				goto fail;
			if (u >= 0xd800 && u <= 0xdfff)
				u = 0xfffd;
			if (u < 0x20 || (u >= 0x7f && u < 0xa0))
				*o++ = '?';
			else if (u < 0x80)
				*o++ = (char)u;
			else if (u < 0x800) {
				*o++ = (char)(0xc0 | u >> 6);
				*o++ = (char)(0x80 | (u & 0x3f));
			} else {
				*o++ = (char)(0xe0 | u >> 12);
				*o++ = (char)(0x80 | ((u >> 6) & 0x3f));
				*o++ = (char)(0x80 | (u & 0x3f));
			}
			jp->p += 5;
			continue;
		case 'n':
			*o++ = '\n';
			break;
		case 't':
			*o++ = '\t';
			break;
		default:
			*o++ = *jp->p;
			break;
		}
		jp->p++;
	}
	if (jp->p >= jp->end)
		goto fail;
	jp->p++;
	return out;
fail:
	free(out);
	return NULL;
}

/* Array or object members up to close; keys when an object. */
static int
jmembers(struct jparse *jp, struct jval *v, char close)
{
	size_t	 cap = 0;

	jp->p++;
	jskip(jp);
	if (jp->p < jp->end && *jp->p == close) {
		jp->p++;
		return 0;
	}
	for (;;) {
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			v->items = realloc(v->items, cap * sizeof(*v->items));
			v->keys = realloc(v->keys, cap * sizeof(*v->keys));
			if (v->items == NULL || v->keys == NULL)
				die("out of memory");
		}
		jskip(jp);
		v->keys[v->n] = NULL;
		if (close == '}') {
			if ((v->keys[v->n] = jstring(jp)) == NULL)
				return -1;
			jskip(jp);
			if (jp->p >= jp->end || *jp->p++ != ':') {
				free(v->keys[v->n]);
				return -1;
			}
		}
		/* Counted before parsing, so jfree() releases a failed one. */
		if ((v->items[v->n++] = jvalue(jp)) == NULL)
			return -1;
		jskip(jp);
		if (jp->p >= jp->end)
			return -1;
		if (*jp->p == close) {
			jp->p++;
			return 0;
		}
		if (*jp->p++ != ',')
			return -1;
	}
}

static struct jval *
jvalue(struct jparse *jp)
{
	struct jval	*v = xcalloc(1, sizeof(*v));
	char		*e;

	jskip(jp);
	if (jp->p >= jp->end || ++jp->depth > STATUS_MAX_DEPTH)
		goto fail;
	switch (*jp->p) {
	case '{':
	case '[':
		v->type = *jp->p == '{' ? J_OBJ : J_ARR;
		if (jmembers(jp, v, *jp->p == '{' ? '}' : ']') == -1)
			goto fail;
		break;
	case '"':
		v->type = J_STR;
		if ((v->str = jstring(jp)) == NULL)
			goto fail;
		break;
	default:
		if (jp->end - jp->p >= 4 && strncmp(jp->p, "true", 4) == 0) {
			v->type = J_BOOL;
			v->boolean = 1;
			jp->p += 4;
		} else if (jp->end - jp->p >= 5 &&
		    strncmp(jp->p, "false", 5) == 0) {
			v->type = J_BOOL;
			jp->p += 5;
		} else if (jp->end - jp->p >= 4 &&
		    strncmp(jp->p, "null", 4) == 0) {
			v->type = J_NULL;
			jp->p += 4;
		} else {
			v->type = J_NUM;
			errno = 0;
			v->num = strtoull(jp->p, &e, 10);
			if (e == jp->p || errno != 0)
				goto fail;
			jp->p = e;
		}
	}
	jp->depth--;
	return v;
fail:
	jfree(v);
	return NULL;
}

static void
jfree(struct jval *v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		jfree(v->items[i]);
		if (v->keys != NULL)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static const struct jval *
jget(const struct jval *obj, const char *key)
{
	size_t	 i;

	if (obj == NULL || obj->type != J_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

static const char *
jstr(const struct jval *obj, const char *key, const char *dflt)
{
	const struct jval	*v = jget(obj, key);

	return v != NULL && v->type == J_STR ? v->str : dflt;
}

static uint64_t
jnum(const struct jval *obj, const char *key)
{
	const struct jval	*v = jget(obj, key);

	return v != NULL && v->type == J_NUM ? v->num : 0;
}

/* Read the whole document from the daemon at path. */
static char *
fetch(const char *path, size_t *len)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	size_t			 cap = 65536, got = 0;
	ssize_t			 n;
	char			*buf;
	int			 s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		die("%s: path too long", path);
	strcpy(sun.sun_path, path);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(s, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die("%s: %s", path, strerror(errno));
	buf = xcalloc(cap, 1);
	pfd.fd = s;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, STATUS_TIMEOUT_MS) <= 0)
			die("%s: no answer", path);
		if (got == cap) {
			if (cap >= STATUS_MAX_DOC)
				die("%s: answer too large", path);
			cap *= 2;
			if ((buf = realloc(buf, cap)) == NULL)
				die("out of memory");
		}
		if ((n = read(s, buf + got, cap - got)) == -1) {
			if (errno == EINTR)
				continue;
			die("%s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(s);
	*len = got;
	return buf;
}

static void
print_table(const struct jval *doc)
{
	const struct jval	*guests, *g, *chans, *c;
	const char		*name, *slash, *gtok;
	size_t			 i, j;

	printf("%s %s, pid %" PRIu64 ", up %" PRIu64 " s, guests under %s, "
	    "service %s%s\n", jstr(doc, "daemon", "?"),
	    jstr(doc, "version", "?"), jnum(doc, "pid"),
	    jnum(doc, "uptime_ms") / 1000, jstr(doc, "guest_dir", "?"),
	    jstr(doc, "service", "?"),
	    jget(doc, "stopping") != NULL && jget(doc, "stopping")->boolean ?
	    " (stopping)" : "");
	printf("%-16s %-16s %-11s %-11s %-17s %8s %6s %14s %14s\n", "GUEST",
	    "CHANNEL", "LINK", "STATE", "SESSION", "SESSIONS", "ERRORS",
	    "TO-SERVICE", "FROM-SERVICE");
	if ((guests = jget(doc, "guests")) == NULL || guests->type != J_ARR)
		return;
	for (i = 0; i < guests->n; i++) {
		g = guests->items[i];
		if ((chans = jget(g, "channels")) == NULL ||
		    chans->type != J_ARR || chans->n == 0) {
			printf("%-16s %-16s\n", jstr(g, "name", "?"), "-");
			continue;
		}
		for (j = 0; j < chans->n; j++) {
			c = chans->items[j];
			name = jstr(c, "name", "?");
			slash = strrchr(name, '/');
			gtok = jstr(c, "guest_token", NULL);
			printf("%-16s %-16s %-11s %-11s %8s%s%-8s %8" PRIu64
			    " %6" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n",
			    jstr(g, "name", "?"), slash ? slash + 1 : name,
			    jstr(c, "channel", "?"), jstr(c, "state", "?"),
			    gtok ? gtok : "-", gtok ? "/" : "",
			    gtok ? jstr(c, "host_token", "-") : "",
			    jnum(c, "sessions"), jnum(c, "errors"),
			    jnum(c, "bytes_to_tcp"), jnum(c, "bytes_from_tcp"));
		}
	}
}

static void
usage(FILE *f)
{
	fprintf(f, "Usage: %s [--json] SOCKET\n"
	    "Print the state of the vios-proxy-host whose --status-socket is "
	    "SOCKET.\n\n"
	    "  --json         print the daemon's JSON document as it came\n"
	    "  -h, --help     print this help and exit\n"
	    "  -V, --version  print the version and exit\n", prog);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct jparse	 jp;
	struct jval	*doc;
	char		*buf;
	size_t		 len;
	int		 ch, json = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("%s %s\n", prog, PACKAGE_VERSION);
			return 0;
		default:
			die("unknown option '%s' (try --help)", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		die("give the status socket path (try --help)");
	buf = fetch(argv[optind], &len);
	if (json) {
		fwrite(buf, 1, len, stdout);
		free(buf);
		return 0;
	}
	jp.p = buf;
	jp.end = buf + len;
	jp.depth = 0;
	if ((doc = jvalue(&jp)) == NULL || doc->type != J_OBJ)
		die("%s: not a vios-proxy status document", argv[optind]);
	print_table(doc);
	jfree(doc);
	free(buf);
	return 0;
}
