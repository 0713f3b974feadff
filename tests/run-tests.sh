#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build vios-proxy out of tree in ./build and run the whole test suite
# (make check).  Installs missing build dependencies on Debian first.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/deps.sh"
vios_install_deps
cd "$top"
[ -x configure ] || ./autogen.sh
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror
status=0
make -j"$(nproc)" check || status=$?
# One closing line for the whole run, from automake's per-test results.
find tests -name '*.trs' -exec cat {} + 2>/dev/null | awk '
	/^:test-result: PASS/  { p++ } /^:test-result: FAIL/ { f++ }
	/^:test-result: ERROR/ { f++ } /^:test-result: SKIP/ { s++ }
	END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
[ $status -eq 0 ] || cat test-suite.log
exit $status
