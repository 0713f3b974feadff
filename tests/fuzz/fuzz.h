/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz.h: what the libFuzzer harnesses share.  FZ_CHECK() is their
 * assert(): a violated invariant prints where and aborts, which libFuzzer
 * reports as a crash with the input that caused it.  Unlike assert() it is
 * never compiled out, whatever NDEBUG says.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "proto.h"

#define FZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant violated: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/* The libFuzzer entry point; tests/fuzz/replay.c calls it too. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* proto_driver.c: run one role's state machine over an input. */
void	fuzz_proto_run(enum proto_role role, const uint8_t *data, size_t size);

#endif /* FUZZ_H */
