/* SPDX-License-Identifier: Apache-2.0 */
/*
 * checkmain.c: the main() of every check suite.  Output is TAP on stdout
 * (one line per test case) so automake's tap-driver shows each case.
 */
#include "config.h"

#include <stdlib.h>

#include "checkmain.h"

TCase *
checkmain_tcase(Suite *s, const char *name)
{
	TCase	*tc = tcase_create(name);

	tcase_set_timeout(tc, CHECK_CASE_TIMEOUT);
	suite_add_tcase(s, tc);
	return tc;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(test_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
