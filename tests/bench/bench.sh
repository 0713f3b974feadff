#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# make bench: vios-proxy against the raw channel and a socat relay pair,
# side by side on one tests/standin (doc/performance.md).  Usage:
# bench.sh BUILDDIR [RUNS].  Prints a table, one "BENCH {json}" line, and
# draws BUILDDIR/bench.png with gnuplot when it is installed.  Everything
# it starts is killed and its temporary directory removed at exit.
set -euo pipefail
b=$(cd "${1:?usage: bench.sh BUILDDIR [RUNS]}" && pwd)
runs=${2:-${BENCH_RUNS:-3}}
bytes=${BENCH_BYTES:-268435456}	# per direction: 256 MiB
pings=${BENCH_PINGS:-5000}
sessions=${BENCH_SESSIONS:-1000}
nguest=${BENCH_GUESTS:-1000}
nchan=4
tool=$b/tests/bench/benchtool

work=$(mktemp -d /tmp/vios-bench.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
note() { printf '# %s\n' "$*"; }
wait_for() {	# wait_for SECONDS COMMAND...: bounded readiness polling
	local end=$((SECONDS + $1)); shift
	until "$@" 2>/dev/null; do
		[ $SECONDS -lt $end ] || { echo "bench: timed out: $*" >&2; return 1; }
		sleep 0.02
	done
}

res=$work/results		# lines: SETUP METRIC VALUE
: >"$res"
measure() {	# measure SETUP ADDR: one run of the traffic metrics
	local setup=$1 addr=$2 line
	for op in up down; do
		line=$("$tool" client "$addr" "$op" "$bytes")
		case $line in *" ok") ;; *) echo "bench: $setup $op: $line" >&2; exit 1 ;; esac
		echo "$setup $op $(sed -n 's/.*mbps=\([0-9.]*\).*/\1/p' <<<"$line")" >>"$res"
	done
	line=$("$tool" client "$addr" ping "$pings")
	echo "$setup p50 $(sed -n 's/.*p50us=\([0-9.]*\).*/\1/p' <<<"$line")" >>"$res"
	echo "$setup p99 $(sed -n 's/.*p99us=\([0-9.]*\).*/\1/p' <<<"$line")" >>"$res"
	line=$("$tool" client "$addr" sessions "$sessions")
	echo "$setup sess $(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' <<<"$line")" >>"$res"
}

# The stand-in: one channel per setup, the same code path for each.
"$b/tests/standin" --guest-side "$work/gside" "$work/guests" g1 raw0 socat0 \
    vios.0 >/dev/null </dev/null 2>"$work/standin.log" & pids+=($!)
wait_for 5 test -S "$work/gside/vios.0"
"$tool" serve "$work/svc.port" & pids+=($!)
wait_for 5 test -s "$work/svc.port"
svc=$(cat "$work/svc.port")

"$tool" rawpeer "$work/guests/g1/raw0" & pids+=($!)

have_socat=
if command -v socat >/dev/null; then
	have_socat=1
	sport=$("$b/tests/demotool" freeport)
	socat -b 262144 UNIX-CONNECT:"$work/guests/g1/socat0" \
	    TCP:127.0.0.1:"$svc" & pids+=($!)
	socat -b 262144 TCP-LISTEN:"$sport",bind=127.0.0.1,reuseaddr,fork \
	    UNIX-CONNECT:"$work/gside/socat0" & pids+=($!)
else
	note "socat is not installed: its row is skipped (apt-get install socat)"
fi

gport=$("$b/tests/demotool" freeport)
"$b/host/vios-proxy-host" --log-level WARN --match 'vios.*' \
    --guest-dir "$work/guests" --port "$svc" 2>"$work/host.log" & pids+=($!)
"$b/guest/vios-proxy-guest" --log-level WARN --match 'vios.*' \
    --host-dir "$work/gside" --port "$gport" 2>"$work/guest.log" & pids+=($!)

setups="raw${have_socat:+ socat} vios-proxy"
for r in $(seq "$runs"); do
	note "run $r of $runs"
	measure raw "unix:$work/gside/raw0"
	[ -z "$have_socat" ] || measure socat "tcp:$sport"
	measure vios-proxy "tcp:$gport"
	mkdir "$work/scale$r"
	line=$("$tool" scale "$work/scale$r" "$nguest" "$nchan" \
	    "$b/host/vios-proxy-host" "$svc")
	for k in rss_kb all_ms new_ms idle_cpu_ms; do
		echo "vios-proxy $k $(sed -n "s/.* $k=\([0-9.]*\).*/\1/p" <<<"$line")" >>"$res"
	done
	rm -rf "$work/scale$r"
done

median() {	# median SETUP METRIC
	awk -v s="$1" -v m="$2" '$1 == s && $2 == m { print $3 }' "$res" |
	    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
cell() {	# cell SETUP METRIC: "value (ratio to raw)"
	local v r
	v=$(median "$1" "$2")
	r=$(median raw "$2")
	[ -n "$v" ] || { printf '%-22s' -; return; }
	if [ -n "$r" ]; then
		printf '%-22s' "$(awk -v v="$v" -v r="$r" 'BEGIN { printf "%.1f (%.2fx)", v, v / r }')"
	else
		printf '%-22s' "$v"
	fi
}

echo
echo "vios-proxy benchmark: tests/standin, $(nproc) cores, medians of $runs runs"
echo "throughput MB/s (10^6 B/s, $((bytes >> 20)) MiB each way, bytes verified); ratio to the raw channel in ()"
printf '%-12s %-22s %-22s %-22s %-22s %-22s\n' setup "upload MB/s" "download MB/s" \
    "rtt p50 us" "rtt p99 us" "sessions/s"
for s in $setups; do
	printf '%-12s %s %s %s %s %s\n' "$s" "$(cell "$s" up)" "$(cell "$s" down)" \
	    "$(cell "$s" p50)" "$(cell "$s" p99)" "$(cell "$s" sess)"
done
echo
echo "host daemon, $nguest guests x $nchan idle channels:"
printf '  RSS %.1f MB, all %d channels connected in %s ms, a new guest'"'"'s %d in %s ms, idle CPU %s ms over 3 s\n' \
    "$(awk -v k="$(median vios-proxy rss_kb)" 'BEGIN { print k / 1024 }')" \
    $((nguest * nchan)) "$(median vios-proxy all_ms)" "$nchan" \
    "$(median vios-proxy new_ms)" "$(median vios-proxy idle_cpu_ms)"

json="{\"runs\":$runs,\"bytes\":$bytes,\"cores\":$(nproc)"
for s in $setups; do
	json+=",\"$s\":{"
	sep=
	for m in up down p50 p99 sess; do
		json+="$sep\"$m\":$(median "$s" "$m")"
		sep=,
	done
	json+="}"
done
json+=",\"scale\":{\"guests\":$nguest,\"chans\":$nchan"
for m in rss_kb all_ms new_ms idle_cpu_ms; do
	json+=",\"$m\":$(median vios-proxy "$m")"
done
json+="}}"
echo "BENCH $json"

if ! command -v gnuplot >/dev/null; then
	note "gnuplot is not installed: no chart (apt-get install gnuplot-nox)"
	exit 0
fi
for s in $setups; do
	echo "$s $(median "$s" up) $(median "$s" down) $(median "$s" p50) $(median "$s" p99)"
done >"$work/chart.dat"
gnuplot <<EOF
set terminal png size 1000,450
set output "$b/bench.png"
set multiplot layout 1,2 title "vios-proxy on tests/standin ($(nproc) cores, medians of $runs runs)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set yrange [0:*]
set title "throughput (MB/s)"
plot "$work/chart.dat" using 2:xtic(1) title "upload", '' using 3 title "download"
set title "1-byte round trip (us)"
plot "$work/chart.dat" using 4:xtic(1) title "p50", '' using 5 title "p99"
unset multiplot
EOF
note "chart: $b/bench.png"
