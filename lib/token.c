/* SPDX-License-Identifier: Apache-2.0 */
/*
 * token.c: 32-bit session tokens.  They come from getrandom() so that
 * daemons restarted in the same second do not reuse each other's tokens;
 * if the kernel refuses, a clock, pid and counter mix keeps tokens distinct
 * (not secret), and that is logged once.  getrandom() must never block
 * the event loop: early in a guest's boot the pool is not ready for a
 * second or more, and tokens are not secrets, so it is asked without
 * blocking (GRND_INSECURE where the kernel has it).  token_fix keeps the reserved
 * values and 0 off the wire.  The fallback's counter and once-flag are the
 * only state, and only the fallback touches them.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/types.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "token.h"
#include "vios.h"

/* XORed onto an invalid value; each image below is a valid token. */
#define TOKEN_FIX_MASK	0x5bd1e995U

_Static_assert((0U ^ TOKEN_FIX_MASK) != VIOS_TOKEN_UNKNOWN &&
    (0U ^ TOKEN_FIX_MASK) != VIOS_TOKEN_NONE &&
    (VIOS_TOKEN_UNKNOWN ^ TOKEN_FIX_MASK) != 0 &&
    (VIOS_TOKEN_UNKNOWN ^ TOKEN_FIX_MASK) != VIOS_TOKEN_NONE &&
    (VIOS_TOKEN_NONE ^ TOKEN_FIX_MASK) != 0 &&
    (VIOS_TOKEN_NONE ^ TOKEN_FIX_MASK) != VIOS_TOKEN_UNKNOWN,
    "TOKEN_FIX_MASK maps an invalid token onto another invalid one");

static bool
token_valid(uint32_t v)
{
	return v != 0 && v != VIOS_TOKEN_UNKNOWN && v != VIOS_TOKEN_NONE;
}

uint32_t
token_fix(uint32_t v)
{
	/* One XOR suffices: the static assertion above proves it. */
	if (!token_valid(v))
		v ^= TOKEN_FIX_MASK;
	return v;
}

/* splitmix64's finalizer: every input bit affects every output bit. */
static uint64_t
token_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* Distinct, not secret: clocks, pid and a counter, mixed.  err -1: quiet. */
static uint32_t
token_fallback(int err)
{
	static uint64_t	 counter;
	static bool	 warned;
	struct timespec	 mono, real;
	uint64_t	 x;

	if (!warned && err != -1) {
		warned = true;
		log_warnx("token: getrandom: %s; using a clock and pid mix",
		    err != 0 ? strerror(err) : "short read");
	}
	if (clock_gettime(CLOCK_MONOTONIC, &mono) == -1)
		memset(&mono, 0, sizeof(mono));
	if (clock_gettime(CLOCK_REALTIME, &real) == -1)
		memset(&real, 0, sizeof(real));
	counter++;
	x = token_mix64((uint64_t)real.tv_sec * 1000000000ULL +
	    (uint64_t)real.tv_nsec);
	x = token_mix64(x ^ ((uint64_t)mono.tv_sec * 1000000000ULL +
	    (uint64_t)mono.tv_nsec));
	x = token_mix64(x ^ ((uint64_t)getpid() << 32) ^ counter);
	return (uint32_t)(x ^ (x >> 32));
}

#ifdef GRND_INSECURE
#define TOKEN_GRND	GRND_INSECURE
#else
#define TOKEN_GRND	GRND_NONBLOCK
#endif

/* Non-blocking getrandom() with EINTR retried; failing that, the mix. */
uint32_t
token_new(void)
{
	uint32_t	 v;
	ssize_t		 n;
	unsigned	 flags = TOKEN_GRND;
	int		 saved_errno = errno, err;

	for (;;) {
		n = getrandom(&v, sizeof(v), flags);
		if (n == -1 && errno == EINTR)
			continue;
		/* A kernel older than GRND_INSECURE (5.6) says EINVAL. */
		if (n == -1 && errno == EINVAL && flags != GRND_NONBLOCK) {
			flags = GRND_NONBLOCK;
			continue;
		}
		break;
	}
	if (n == (ssize_t)sizeof(v))
		v = token_fix(v);
	else if (n == -1 && errno == EAGAIN)
		/* The pool is not ready yet (early boot): quietly distinct. */
		v = token_fix(token_fallback(-1));
	else {
		err = n == -1 ? errno : 0;
		v = token_fix(token_fallback(err));
	}
	errno = saved_errno;
	return v;
}
