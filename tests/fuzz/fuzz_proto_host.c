/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_proto_host.c: libFuzzer harness for the host's state machine.  The
 * input format and the invariants checked are proto_driver.c's.
 */
#include "config.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_proto_run(PROTO_HOST, data, size);
	return 0;
}
