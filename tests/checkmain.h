/* SPDX-License-Identifier: Apache-2.0 */
/*
 * checkmain.h: every check suite provides test_suite(); checkmain.c runs it
 * in fork mode and writes TAP on stdout for automake's tap-driver.
 */
#ifndef CHECKMAIN_H
#define CHECKMAIN_H

#include <check.h>

/* Seconds a test case may take before check kills it. */
#define CHECK_CASE_TIMEOUT	30

Suite	*test_suite(void);

/* A test case with the suite-wide timeout, added to s. */
TCase	*checkmain_tcase(Suite *s, const char *name);

#endif /* CHECKMAIN_H */
