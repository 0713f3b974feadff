/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmdline.h: the command line both daemons share.  The 2011 positional
 * form "[dir [service_port [log_level]]]" stays valid; long options come on
 * top: --<dir option>, --port, --log-level, --match, --syslog, --help,
 * --version, plus each daemon's own options from a table.  Errors are one
 * line on stderr and exit status 1; --help and --version print to stdout.
 */
#ifndef CMDLINE_H
#define CMDLINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define CMDLINE_DEFAULT_PORT	5672	/* AMQP: the 2011 default service */

/*
 * A daemon-specific option.  set() parses val (NULL for a flag) into ctx
 * and returns 0, or -1 with *errstr set to a short reason.
 */
struct cmdline_opt {
	const char	*name;		/* long name, without "--" */
	const char	*arg;		/* argument name for --help; NULL: a flag */
	const char	*help;		/* one line, default included */
	int		(*set)(void *ctx, const char *val, const char **errstr);
};

struct cmdline_spec {
	const char			*prog;		/* "vios-proxy-host" */
	const char			*summary;	/* one line for --help */
	const char			*dir_opt;	/* "guest-dir" */
	const char			*dir_arg;	/* "guest_dir" */
	const char			*dir_default;	/* "/tmp/qpid" */
	/* One line each; --help appends the default itself. */
	const char			*dir_help;
	const char			*match_help;
	const struct cmdline_opt	*opts;		/* name == NULL ends; may be NULL */
};

struct cmdline_common {
	const char	*dir;
	uint16_t	 port;
	enum log_level	 level;
	bool		 use_syslog;
	const char	*match;		/* NULL: every entry */
};

enum cmdline_result {
	CMDLINE_OK,		/* run */
	CMDLINE_EXIT,		/* --help or --version printed: exit 0 */
	CMDLINE_ERROR		/* one line printed on stderr: exit 1 */
};

/* Parse argv; common receives defaults first, then what was given. */
enum cmdline_result cmdline_parse(const struct cmdline_spec *spec, int argc,
		    char **argv, struct cmdline_common *common, void *ctx);

/* Print the --help text of spec to f. */
void		 cmdline_usage(const struct cmdline_spec *spec, FILE *f);

/* Parse a TCP port 1..65535; -1 with *errstr on error. */
int		 cmdline_port(const char *s, uint16_t *port, const char **errstr);

#endif /* CMDLINE_H */
