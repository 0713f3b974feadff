#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build vios-proxy out of tree in ./build and run the whole test suite
# (make check).  Installs missing build dependencies on Debian first and,
# where QEMU is installed, fetches the QEMU cases' guest kernel (make
# check itself never downloads; they skip, saying why, without it).
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/deps.sh"
vios_install_deps
cd "$top"
[ -x configure ] || ./autogen.sh
mkdir -p build
cd build
[ -f Makefile ] || ../configure --enable-werror
if command -v "${VIOS_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1; then
	sh "$top/tests/qemu/fetch.sh" --cached >/dev/null 2>&1 ||
	    echo "QEMU is installed: fetching its test guest's kernel, once (apt-get download)"
	sh "$top/tests/qemu/fetch.sh" >/dev/null ||
	    echo "fetching the guest kernel failed: the QEMU test cases will skip"
fi
status=0
make -j"$(nproc)" check || status=$?
# One closing line for the whole run, from automake's per-test results.
find tests -name '*.trs' -exec cat {} + 2>/dev/null | awk '
	/^:test-result: PASS/  { p++ } /^:test-result: FAIL/ { f++ }
	/^:test-result: ERROR/ { f++ } /^:test-result: SKIP/ { s++ }
	END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
[ $status -eq 0 ] || cat test-suite.log
exit $status
