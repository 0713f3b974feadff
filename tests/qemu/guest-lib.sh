# SPDX-License-Identifier: Apache-2.0
# Helpers for the guest role scripts (sourced).  Results and requests go to
# the serial console as @@...@@ markers that tests/qemu/vm.sh reads:
#   @@OK id text@@ / @@NOTOK id text@@   one test case's outcome
#   @@DIAG id text@@   a measurement, printed in the test log
#   @@STEP name@@   the guest waits until the host creates /share/go.name
# Waits are bounded; nothing sleeps for a fixed time to synchronise.
VT="/bin/vmtool -t 60"		# the test client, 60 s per operation (a later -t wins)
PORT=5672			# vios-proxy-guest's port inside the guest
GLOG=/share/guest.log		# the guest daemon's log, read by the host too
fails=0

mark() { echo "@@$*@@" >/dev/console; }	# even from redirected code
ok() { mark "OK $*"; }
diag() { mark "DIAG $*"; }	# diag ID TEXT: a figure for the test log
notok() { mark "NOTOK $*"; fails=$((fails + 1)); }
# check ID TEXT COMMAND...: ok or notok after the command's status
check() {
	id=$1 text=$2
	shift 2
	if "$@"; then ok "$id $text"; else notok "$id $text"; fi
}

# wait_until SECONDS COMMAND...: poll a condition every 20 ms.
wait_until() {
	n=$(($1 * 50))
	shift
	until "$@"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		usleep 20000
	done
}
exists() { [ -e "$1" ]; }
absent() { [ ! -e "$1" ]; }
has() { grep -qE "$2" "$1" 2>/dev/null; }	# has FILE REGEX
step() {
	mark "STEP $1"
	wait_until "${2:-120}" exists "/share/go.$1"
}

# Sanitizer builds: a smaller quarantine than ASan's 256 MiB default.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}

# gd_start [LEVEL]: the guest daemon, claiming only vios.* ports (never
# the guest agent's), logging at LEVEL (INFO).
gd_start() {
	/bin/vios-proxy-guest --match 'vios.*' /dev/virtio-ports $PORT \
	    "${1:-INFO}" 2>>$GLOG &
	gpid=$!
	wait_until 10 has $GLOG "\[$gpid\]: INFO: started"
}
# gd_peak: the guest daemon's peak resident memory.
gd_peak() { sed -n 's/^VmHWM:[[:space:]]*//p' /proc/$gpid/status; }
# gd_stop: SIGTERM and the exit status (0 expected).
gd_stop() {
	kill -TERM "$gpid" 2>/dev/null
	wait "$gpid"
}

# One line of a vmtool output, for the markers.
line() { grep -E "$2" "$1" | tr '\n' ' '; }
# all_held FILE...: every vmtool output has its "held" line
all_held() {
	for f in "$@"; do has "$f" '^held' || return 1; done
}
