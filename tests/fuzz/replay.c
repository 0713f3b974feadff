/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay.c: a main() for a fuzz harness without libFuzzer, so that every
 * build (gcc included) compiles the harnesses and `make check` replays
 * their seed corpus, FUZZ_CORPUS, as a regression suite.  With arguments it
 * runs those files instead (a crash input from `make fuzz`).  TAP output,
 * one case per file; a violated invariant aborts the run.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef FUZZ_CORPUS
#error "FUZZ_CORPUS must name the harness's seed directory"
#endif

#define REPLAY_MAX	(1024 * 1024)	/* bytes: no seed is bigger */
#define REPLAY_FILES	256		/* seeds per corpus */

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run one file through the harness: 0, or -1 when it cannot be read. */
static int
replay_file(const char *path, uint8_t *buf)
{
	FILE	*fp;
	size_t	 n;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	n = fread(buf, 1, REPLAY_MAX, fp);
	if (ferror(fp) || !feof(fp)) {
		fclose(fp);
		errno = EFBIG;
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int
main(int argc, char *argv[])
{
	char		*names[REPLAY_FILES], path[4096];
	struct dirent	*de;
	DIR		*d;
	uint8_t		*buf;
	int		 i, n = 0, fail = 0;

	if ((buf = malloc(REPLAY_MAX)) == NULL)
		return 99;
	if (argc > 1) {
		printf("1..%d\n", argc - 1);
		for (i = 1; i < argc; i++) {
			if (replay_file(argv[i], buf) == -1) {
				printf("not ok %d - %s: %s\n", i, argv[i],
				    strerror(errno));
				fail = 1;
			} else
				printf("ok %d - %s\n", i, argv[i]);
			fflush(stdout);
		}
		free(buf);
		return fail;
	}
	if ((d = opendir(FUZZ_CORPUS)) == NULL) {
		printf("1..1\nnot ok 1 - %s: %s\n", FUZZ_CORPUS,
		    strerror(errno));
		free(buf);
		return 1;
	}
	while ((de = readdir(d)) != NULL && n < REPLAY_FILES)
		if (de->d_name[0] != '.' &&
		    (names[n++] = strdup(de->d_name)) == NULL)
			return 99;
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), replay_cmp);
	printf("1..%d\n", n);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", FUZZ_CORPUS, names[i]);
		if (replay_file(path, buf) == -1) {
			printf("not ok %d - %s: %s\n", i + 1, path,
			    strerror(errno));
			fail = 1;
		} else
			printf("ok %d - %s\n", i + 1, names[i]);
		fflush(stdout);
		free(names[i]);
	}
	free(buf);
	return fail;
}
