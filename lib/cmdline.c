/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmdline.c: the command line both daemons share.  getopt_long handles the
 * options (common ones plus the daemon's table), then up to three
 * positionals in the 2011 order dir, service_port, log_level.  Nothing is
 * kept: strings in struct cmdline_common point into argv or the spec.
 * Errors are exactly one line on stderr, never a getopt message; --help and
 * --version go to stdout.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "log.h"
#include "util.h"

#define CMDLINE_ERR_MAX		512	/* bytes of an error message */
#define CMDLINE_NPOS		3	/* dir, service_port, log_level */
#define CMDLINE_NCOMMON		7	/* common long options */

/* getopt_long values of the long-only options, above any char. */
enum {
	CMDLINE_OPT_DIR = 256,
	CMDLINE_OPT_PORT,
	CMDLINE_OPT_LEVEL,
	CMDLINE_OPT_MATCH,
	CMDLINE_OPT_SYSLOG,
	CMDLINE_OPT_HELP,		/* not 'h': "--help=x" is reported */
	CMDLINE_OPT_VERSION,		/* as such, not as "-h" */
	CMDLINE_OPT_SPEC = 512		/* + index into spec->opts */
};

/* Print "prog: message (try --help)" as one line on stderr. */
static void __attribute__((format(printf, 2, 3)))
cmdline_err(const struct cmdline_spec *spec, const char *fmt, ...)
{
	char		 msg[CMDLINE_ERR_MAX];
	unsigned char	*p;
	va_list		 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* argv may hold a newline: the message stays one line. */
	for (p = (unsigned char *)msg; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "%s: %s (try --help)\n", spec->prog, msg);
}

int
cmdline_port(const char *s, uint16_t *port, const char **errstr)
{
	long long	 v;

	if (util_parse_ll(s, 1, UINT16_MAX, &v, errstr) == -1)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* The setters below report their own error; they return 0 or -1. */
static int
cmdline_set_dir(const struct cmdline_spec *spec, const char *val,
    struct cmdline_common *common)
{
	if (*val == '\0') {
		cmdline_err(spec, "invalid %s '': empty", spec->dir_arg);
		return -1;
	}
	common->dir = val;
	return 0;
}

static int
cmdline_set_port(const struct cmdline_spec *spec, const char *val,
    struct cmdline_common *common)
{
	const char	*errstr;

	if (cmdline_port(val, &common->port, &errstr) == -1) {
		cmdline_err(spec, "invalid port '%s': %s", val, errstr);
		return -1;
	}
	return 0;
}

static int
cmdline_set_level(const struct cmdline_spec *spec, const char *val,
    struct cmdline_common *common)
{
	int	 level;

	if ((level = log_level_parse(val)) == -1) {
		cmdline_err(spec, "invalid log level '%s': expected FATAL, "
		    "ALERT, ERROR, WARN, NOTICE, INFO or DEBUG", val);
		return -1;
	}
	common->level = (enum log_level)level;
	return 0;
}

/* Entries are names inside one directory: a '/' could never match. */
static int
cmdline_set_match(const struct cmdline_spec *spec, const char *val,
    struct cmdline_common *common)
{
	if (*val == '\0') {
		cmdline_err(spec, "invalid match glob '': empty");
		return -1;
	}
	if (strchr(val, '/') != NULL) {
		cmdline_err(spec, "invalid match glob '%s': contains '/'", val);
		return -1;
	}
	common->match = val;
	return 0;
}

/* Call a daemon option's set(); report its failure. */
static int
cmdline_set_spec(const struct cmdline_spec *spec, const struct cmdline_opt *o,
    const char *val, void *ctx)
{
	const char	*errstr = NULL;

	if (o->set(ctx, val, &errstr) == 0)
		return 0;
	if (errstr == NULL)
		errstr = "invalid";
	if (val != NULL)
		cmdline_err(spec, "invalid --%s '%s': %s", o->name, val,
		    errstr);
	else
		cmdline_err(spec, "--%s: %s", o->name, errstr);
	return -1;
}

/* Report getopt's '?': unknown option, or an argument to a flag. */
static void
cmdline_bad_option(const struct cmdline_spec *spec, const struct option *lo,
    char **argv)
{
	const char	*arg;

	if (optopt >= CMDLINE_OPT_DIR) {
		for (; lo->name != NULL; lo++)
			if (lo->val == optopt)
				break;
		cmdline_err(spec, "option '--%s' does not take an argument",
		    lo->name != NULL ? lo->name : "?");
	} else if (optopt != 0)
		cmdline_err(spec, "unknown option '-%c'", optopt);
	else {
		/* An unknown or ambiguous long option: getopt moved past it. */
		arg = argv[optind - 1];
		cmdline_err(spec, "unknown option '%.*s'",
		    (int)strcspn(arg, "="), arg);
	}
}

/* Report getopt's ':': a long option is missing its argument. */
static void
cmdline_no_argument(const struct cmdline_spec *spec, const struct option *lo)
{
	for (; lo->name != NULL; lo++)
		if (lo->val == optopt)
			break;
	cmdline_err(spec, "option '--%s' requires an argument",
	    lo->name != NULL ? lo->name : "?");
}

/* After --help or --version: a failed write to stdout is an error. */
static enum cmdline_result
cmdline_printed(const struct cmdline_spec *spec)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fprintf(stderr, "%s: write error: %s\n", spec->prog,
		    strerror(errno));
		return CMDLINE_ERROR;
	}
	return CMDLINE_EXIT;
}

/* Apply the 2011 positionals; each may not repeat an option's setting. */
static int
cmdline_positionals(const struct cmdline_spec *spec, int npos, char **pos,
    const bool have[CMDLINE_NPOS], struct cmdline_common *common)
{
	if (npos > CMDLINE_NPOS) {
		cmdline_err(spec, "too many arguments: '%s'",
		    pos[CMDLINE_NPOS]);
		return -1;
	}
	if (npos >= 1) {
		if (have[0]) {
			cmdline_err(spec, "%s given twice", spec->dir_arg);
			return -1;
		}
		if (cmdline_set_dir(spec, pos[0], common) == -1)
			return -1;
	}
	if (npos >= 2) {
		if (have[1]) {
			cmdline_err(spec, "port given twice");
			return -1;
		}
		if (cmdline_set_port(spec, pos[1], common) == -1)
			return -1;
	}
	if (npos >= 3) {
		if (have[2]) {
			cmdline_err(spec, "log level given twice");
			return -1;
		}
		if (cmdline_set_level(spec, pos[2], common) == -1)
			return -1;
	}
	return 0;
}

/* Defaults, then options, then positionals; stops at the first error. */
enum cmdline_result
cmdline_parse(const struct cmdline_spec *spec, int argc, char **argv,
    struct cmdline_common *common, void *ctx)
{
	struct option		*lo;
	enum cmdline_result	 rc = CMDLINE_ERROR;
	bool			 have[CMDLINE_NPOS] = { false };
	size_t			 nspec = 0, n = 0, i;
	int			 c;

	common->dir = spec->dir_default;
	common->port = CMDLINE_DEFAULT_PORT;
	common->level = LOG_LVL_INFO;
	common->use_syslog = false;
	common->match = NULL;

	while (spec->opts != NULL && spec->opts[nspec].name != NULL)
		nspec++;
	if ((lo = calloc(CMDLINE_NCOMMON + nspec + 1, sizeof(*lo))) == NULL) {
		fprintf(stderr, "%s: %s\n", spec->prog, strerror(errno));
		return CMDLINE_ERROR;
	}
	lo[n++] = (struct option){ spec->dir_opt, required_argument, NULL,
	    CMDLINE_OPT_DIR };
	lo[n++] = (struct option){ "port", required_argument, NULL,
	    CMDLINE_OPT_PORT };
	lo[n++] = (struct option){ "log-level", required_argument, NULL,
	    CMDLINE_OPT_LEVEL };
	lo[n++] = (struct option){ "match", required_argument, NULL,
	    CMDLINE_OPT_MATCH };
	lo[n++] = (struct option){ "syslog", no_argument, NULL,
	    CMDLINE_OPT_SYSLOG };
	lo[n++] = (struct option){ "help", no_argument, NULL,
	    CMDLINE_OPT_HELP };
	lo[n++] = (struct option){ "version", no_argument, NULL,
	    CMDLINE_OPT_VERSION };
	for (i = 0; i < nspec; i++)
		lo[n++] = (struct option){ spec->opts[i].name,
		    spec->opts[i].arg != NULL ? required_argument : no_argument,
		    NULL, CMDLINE_OPT_SPEC + (int)i };

	/* optind 0: GNU getopt's full reset, so parsing can be repeated. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hV", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
		case CMDLINE_OPT_HELP:
			cmdline_usage(spec, stdout);
			rc = cmdline_printed(spec);
			goto out;
		case 'V':
		case CMDLINE_OPT_VERSION:
			printf("%s %s\n", spec->prog, PACKAGE_VERSION);
			rc = cmdline_printed(spec);
			goto out;
		case CMDLINE_OPT_DIR:
			if (cmdline_set_dir(spec, optarg, common) == -1)
				goto out;
			have[0] = true;
			break;
		case CMDLINE_OPT_PORT:
			if (cmdline_set_port(spec, optarg, common) == -1)
				goto out;
			have[1] = true;
			break;
		case CMDLINE_OPT_LEVEL:
			if (cmdline_set_level(spec, optarg, common) == -1)
				goto out;
			have[2] = true;
			break;
		case CMDLINE_OPT_MATCH:
			if (cmdline_set_match(spec, optarg, common) == -1)
				goto out;
			break;
		case CMDLINE_OPT_SYSLOG:
			common->use_syslog = true;
			break;
		case ':':
			cmdline_no_argument(spec, lo);
			goto out;
		case '?':
			cmdline_bad_option(spec, lo, argv);
			goto out;
		default:
			if (c < CMDLINE_OPT_SPEC ||
			    (size_t)(c - CMDLINE_OPT_SPEC) >= nspec) {
				cmdline_err(spec, "internal error: option %d",
				    c);
				goto out;
			}
			i = (size_t)(c - CMDLINE_OPT_SPEC);
			if (cmdline_set_spec(spec, &spec->opts[i], optarg,
			    ctx) == -1)
				goto out;
			break;
		}
	}
	if (cmdline_positionals(spec, argc - optind, argv + optind, have,
	    common) == -1)
		goto out;
	rc = CMDLINE_OK;
out:
	free(lo);
	return rc;
}

/* One --help row: "  --name ARG   help" with the help column aligned. */
static void
cmdline_usage_row(FILE *f, int width, const char *opt, const char *arg,
    const char *help, const char *def)
{
	char	 left[128];

	snprintf(left, sizeof(left), "%s%s%s", opt, arg != NULL ? " " : "",
	    arg != NULL ? arg : "");
	fprintf(f, "  %-*s  %s", width, left, help);
	if (def != NULL)
		fprintf(f, " (default: %s)", def);
	fputc('\n', f);
}

/* Columns sized to the longest option, daemon options included. */
void
cmdline_usage(const struct cmdline_spec *spec, FILE *f)
{
	const struct cmdline_opt	*o;
	char				 dir_opt[64], name[64], port[8];
	int				 width, w, i;

	snprintf(dir_opt, sizeof(dir_opt), "--%s", spec->dir_opt);
	snprintf(port, sizeof(port), "%d", CMDLINE_DEFAULT_PORT);
	/* The widest left column: "--log-level LEVEL", or a daemon option. */
	width = (int)strlen("--log-level LEVEL");
	if ((w = (int)strlen(dir_opt) + (int)strlen(" DIR")) > width)
		width = w;
	for (o = spec->opts; o != NULL && o->name != NULL; o++) {
		w = 2 + (int)strlen(o->name);
		if (o->arg != NULL)
			w += 1 + (int)strlen(o->arg);
		if (w > width)
			width = w;
	}

	fprintf(f, "Usage: %s [options] [%s [service_port [log_level]]]\n",
	    spec->prog, spec->dir_arg);
	if (spec->summary != NULL)
		fprintf(f, "%s\n", spec->summary);
	fprintf(f, "\nOptions:\n");
	cmdline_usage_row(f, width, dir_opt, "DIR", spec->dir_help != NULL ?
	    spec->dir_help : "directory of channel endpoints",
	    spec->dir_default);
	cmdline_usage_row(f, width, "--port", "PORT",
	    "TCP port of the proxied service, 1..65535", port);
	cmdline_usage_row(f, width, "--log-level", "LEVEL",
	    "log messages at LEVEL and more severe",
	    log_level_name(LOG_LVL_INFO));
	cmdline_usage_row(f, width, "--match", "GLOB",
	    spec->match_help != NULL ? spec->match_help :
	    "use only entries whose name matches GLOB", "all but other "
	    "agents' ports");
	cmdline_usage_row(f, width, "--syslog", NULL,
	    "log to syslog instead of stderr", NULL);
	for (o = spec->opts; o != NULL && o->name != NULL; o++) {
		snprintf(name, sizeof(name), "--%s", o->name);
		cmdline_usage_row(f, width, name, o->arg, o->help, NULL);
	}
	cmdline_usage_row(f, width, "-h, --help", NULL,
	    "print this help and exit", NULL);
	cmdline_usage_row(f, width, "-V, --version", NULL,
	    "print the version and exit", NULL);
	fprintf(f, "\nThe positional arguments of the 2011 daemons are the "
	    "same as --%s, --port\nand --log-level.\n", spec->dir_opt);
	fprintf(f, "\nLog levels, most severe first (case-insensitive):\n ");
	for (i = 0; i < LOG_LVL_COUNT; i++)
		fprintf(f, " %s", log_level_name((enum log_level)i));
	fputc('\n', f);
}
