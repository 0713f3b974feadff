/* SPDX-License-Identifier: Apache-2.0 */
/* placeholder: being written */
#include "config.h"
#include "checkmain.h"

Suite *
test_suite(void)
{
	return suite_create("cmdline");
}
