# SPDX-License-Identifier: Apache-2.0
# TAP helpers for the shell tests (sourced).  Each test prints "ok N" or
# "not ok N" lines through ok/not_ok/check and ends with tap_done.
ntap=0
nfail=0

ok() {
	ntap=$((ntap + 1))
	echo "ok $ntap - $*"
}

# not_ok WHAT [DETAIL...]: details go below as TAP comments.
not_ok() {
	ntap=$((ntap + 1))
	nfail=$((nfail + 1))
	echo "not ok $ntap - $1"
	shift
	for line in "$@"; do
		printf '%s\n' "$line" | sed 's/^/#   /'
	done
}

# check WHAT COMMAND...: ok when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# need_tool CMD HINT: skip without CMD, or fail where CI requires tools.
need_tool() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ -n "${VIOS_TOOLS_REQUIRE:-}" ]; then
		echo "Bail out! $1 is not installed (VIOS_TOOLS_REQUIRE is set)"
		exit 1
	fi
	skip_all "$1 is not installed ($2)"
}

# tap_stage NAME: $stage, a temporary directory under the build's tests/,
# removed at exit.
tap_stage() {
	stage=$(mktemp -d "$build/tests/$1.XXXXXX") || exit 1
	trap 'rm -rf "$stage"' EXIT
	trap 'exit 1' INT TERM HUP
}

# tap_make TARGET DESTDIR: make in the build tree without the parent
# make's flags (jobserver, -k, overrides); output in $stage/make.log.
tap_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE -C "$build" "$1" \
	    DESTDIR="$2" >"$stage/make.log" 2>&1
}

tap_done() {
	echo "1..$ntap"
	[ "$nfail" -eq 0 ]
}
