/* SPDX-License-Identifier: Apache-2.0 */
/*
 * check_token.c: unit tests of lib/token.c.  To reach the EINTR and
 * fallback paths, this program defines its own getrandom(): the linker
 * binds token.o to it rather than to libc's.  In its default mode it
 * passes through to the real system call.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checkmain.h"
#include "log.h"
#include "token.h"
#include "vios.h"

#define NTOKENS		100000

#ifdef GRND_INSECURE
#define TOKEN_TEST_INSECURE	GRND_INSECURE
#else
#define TOKEN_TEST_INSECURE	0
#endif

enum fake_mode {
	FAKE_REAL,		/* the kernel's getrandom */
	FAKE_EINTR,		/* EINTR fake_eintr times, then real */
	FAKE_ENOSYS,		/* always fail with ENOSYS */
	FAKE_SHORT		/* return fewer bytes than asked */
};

static enum fake_mode	 fake_mode = FAKE_REAL;
static int		 fake_eintr;
static int		 fake_calls;
static int		 fake_blocking;	/* calls that could have blocked */

ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
	fake_calls++;
	if ((flags & (GRND_NONBLOCK | TOKEN_TEST_INSECURE)) == 0)
		fake_blocking++;
	switch (fake_mode) {
	case FAKE_EINTR:
		if (fake_eintr > 0) {
			fake_eintr--;
			errno = EINTR;
			return -1;
		}
		break;
	case FAKE_ENOSYS:
		errno = ENOSYS;
		return -1;
	case FAKE_SHORT:
		return len > 1 ? 1 : 0;
	case FAKE_REAL:
		break;
	}
	return syscall(SYS_getrandom, buf, len, flags);
}

/* token_new() must never block the loop: early boot has no entropy. */
START_TEST(test_never_blocks)
{
	fake_mode = FAKE_REAL;
	fake_blocking = 0;
	for (int i = 0; i < 100; i++)
		(void)token_new();
	ck_assert_int_eq(fake_blocking, 0);
}
END_TEST

static bool
valid(uint32_t v)
{
	return v != 0 && v != VIOS_TOKEN_UNKNOWN && v != VIOS_TOKEN_NONE;
}

/* Log output so far, from the tmpfile f. */
static const char *
read_log(FILE *f)
{
	static char	 buf[4096];
	size_t		 n;

	ck_assert_int_eq(fflush(f), 0);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	return buf;
}

static int
count_lines(const char *s)
{
	int	 n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

START_TEST(test_fix_reserved)
{
	static const uint32_t	 bad[] = { 0, VIOS_TOKEN_UNKNOWN,
	    VIOS_TOKEN_NONE };
	size_t			 i;
	uint32_t		 v;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = token_fix(bad[i]);
		ck_assert_msg(valid(v), "token_fix(%#x) = %#x", bad[i], v);
		ck_assert_uint_ne(v, bad[i]);
		/* Deterministic, and a fixed value stays fixed. */
		ck_assert_uint_eq(token_fix(bad[i]), v);
		ck_assert_uint_eq(token_fix(v), v);
	}
	/* The three images differ: no two invalid inputs collide. */
	ck_assert_uint_ne(token_fix(0), token_fix(VIOS_TOKEN_UNKNOWN));
	ck_assert_uint_ne(token_fix(0), token_fix(VIOS_TOKEN_NONE));
	ck_assert_uint_ne(token_fix(VIOS_TOKEN_UNKNOWN),
	    token_fix(VIOS_TOKEN_NONE));
}
END_TEST

START_TEST(test_fix_valid_unchanged)
{
	static const uint32_t	 good[] = { 1, 0xffffffffU, 0x2f7c7a5cU,
	    0x544e7e29U, VIOS_TOKEN_UNKNOWN + 1, VIOS_TOKEN_NONE - 1,
	    0x3f3f3f3eU, 0x52525253U };
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_uint_eq(token_fix(good[i]), good[i]);
}
END_TEST

START_TEST(test_new_never_reserved)
{
	unsigned	 ones[32] = { 0 };
	uint32_t	 v;
	int		 i, b;

	for (i = 0; i < NTOKENS; i++) {
		v = token_new();
		ck_assert_msg(valid(v), "token %d is %#x", i, v);
		for (b = 0; b < 32; b++)
			ones[b] += (v >> b) & 1;
	}
	/* Each bit is set about half the time (the margin is > 30 sigma). */
	for (b = 0; b < 32; b++) {
		ck_assert_msg(ones[b] > NTOKENS * 45 / 100 &&
		    ones[b] < NTOKENS * 55 / 100, "bit %d set %u times", b,
		    ones[b]);
	}
}
END_TEST

START_TEST(test_new_differ)
{
	uint32_t	 a, b;

	a = token_new();
	b = token_new();
	ck_assert_uint_ne(a, b);
}
END_TEST

START_TEST(test_eintr_retried)
{
	FILE	*f = tmpfile();

	ck_assert_ptr_nonnull(f);
	log_set_output(f);
	fake_mode = FAKE_EINTR;
	fake_eintr = 3;
	fake_calls = 0;
	errno = EBADF;
	ck_assert(valid(token_new()));
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(fake_calls, 4);
	/* A retried EINTR is not a failure: nothing logged. */
	ck_assert_str_eq(read_log(f), "");
}
END_TEST

START_TEST(test_fallback)
{
	FILE		*f = tmpfile();
	char		 want[128];
	uint32_t	 prev, v;
	int		 i, same = 0;

	ck_assert_ptr_nonnull(f);
	log_set_output(f);
	fake_mode = FAKE_ENOSYS;
	errno = EBADF;
	prev = token_new();
	ck_assert(valid(prev));
	ck_assert_int_eq(errno, EBADF);
	for (i = 0; i < 1000; i++) {
		v = token_new();
		ck_assert(valid(v));
		same += v == prev;
		prev = v;
	}
	/* The counter alone makes consecutive tokens differ. */
	ck_assert_int_eq(same, 0);
	/* Logged once, not per token. */
	ck_assert_int_eq(count_lines(read_log(f)), 1);
	snprintf(want, sizeof(want), "WARN: token: getrandom: %s",
	    strerror(ENOSYS));
	ck_assert_msg(strstr(read_log(f), want) != NULL, "'%s'",
	    read_log(f));
}
END_TEST

START_TEST(test_fallback_short)
{
	FILE	*f = tmpfile();

	ck_assert_ptr_nonnull(f);
	log_set_output(f);
	fake_mode = FAKE_SHORT;
	ck_assert(valid(token_new()));
	ck_assert(valid(token_new()));
	ck_assert_int_eq(count_lines(read_log(f)), 1);
	ck_assert_ptr_nonnull(strstr(read_log(f), "getrandom: short read"));
}
END_TEST

Suite *
test_suite(void)
{
	Suite	*s = suite_create("token");
	TCase	*tc;

	tc = checkmain_tcase(s, "fix");
	tcase_add_test(tc, test_fix_reserved);
	tcase_add_test(tc, test_fix_valid_unchanged);
	tc = checkmain_tcase(s, "new");
	tcase_add_test(tc, test_new_never_reserved);
	tcase_add_test(tc, test_new_differ);
	tc = checkmain_tcase(s, "getrandom");
	tcase_add_test(tc, test_eintr_retried);
	tcase_add_test(tc, test_fallback);
	tcase_add_test(tc, test_fallback_short);
	tcase_add_test(tc, test_never_blocks);
	return s;
}
