#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make check-valgrind, last step: judge the memcheck logs in DIR, one per
# daemon process (valgrind --log-file=DIR/%p.log).  A log fails with a
# non-zero error count (invalid accesses, uninitialised values, bad frees,
# definite leaks: --errors-for-leak-kinds=definite).  A daemon SIGKILLed on
# purpose by a test leaves no summary: it fails only if it reported an
# error before it died (a stack trace: memcheck prints one only for errors,
# and leak records come with the summary).
set -eu
dir=${1:?usage: valgrind-logs.sh DIR}
n=0 killed=0 bad=0
for log in "$dir"/*.log; do
	[ -e "$log" ] || continue
	n=$((n + 1))
	if grep -q 'ERROR SUMMARY:' "$log"; then
		grep -q 'ERROR SUMMARY: 0 errors' "$log" && continue
	else
		killed=$((killed + 1))
		grep -Eq '^==[0-9]+== +(at|by) 0x' "$log" || continue
	fi
	bad=$((bad + 1))
	echo "---- $log"
	cat "$log"
done
echo "check-valgrind: $n daemon processes, $killed killed before exit," \
    "$bad with errors"
if [ "$n" -eq 0 ]; then
	echo "check-valgrind: no logs in $dir: did the daemons run?" >&2
	exit 1
fi
[ "$bad" -eq 0 ]
