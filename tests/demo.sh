#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The live demo: build vios-proxy, start a host service, a guest's
# channels, both daemons, and send a request from the guest side through
# the tunnel.  The channels come from tests/standin, which behaves like
# QEMU's virtio-serial sockets; everything is stopped and removed at exit.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/deps.sh"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
say() { printf '\n%s%s%s\n' "$bold" "$*" "$plain"; }
wait_for() {	# wait_for SECONDS COMMAND...: poll a readiness condition
	local end=$((SECONDS + $1)); shift
	until "$@" 2>/dev/null; do
		[ $SECONDS -lt $end ] || { echo "timed out waiting for: $*"; return 1; }
		sleep 0.05
	done
}

say "[1/6] Building (dependencies are installed with apt-get if missing)"
vios_install_deps
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build && cd build
[ -f Makefile ] || ../configure -q
make -s -j"$(nproc)" host/vios-proxy-host guest/vios-proxy-guest \
    tests/standin tests/demotool
b=$PWD

work=$(mktemp -d /tmp/vios-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

say "[2/6] A host service: answers each line with 'host service got: ...'"
"$b/tests/demotool" serve "$work/service.port" & pids+=($!)
wait_for 5 test -s "$work/service.port"
svc_port=$(cat "$work/service.port")
echo "    listening on 127.0.0.1:$svc_port"

say "[3/6] A guest 'demo-vm' with two virtio-serial channels"
echo "    QEMU is not used by this demo: tests/standin plays its part, host"
echo "    side sockets at $work/guests/demo-vm/vios.{0,1}, guest side ports at"
echo "    $work/guests.guest/demo-vm/ (what /dev/virtio-ports is in a guest)"
"$b/tests/standin" "$work/guests" demo-vm vios.0 vios.1 >/dev/null \
    </dev/null & pids+=($!)
wait_for 5 test -S "$work/guests.guest/demo-vm/vios.1"

say "[4/6] vios-proxy-host: watches $work/guests, relays to port $svc_port"
"$b/host/vios-proxy-host" "$work/guests" "$svc_port" INFO \
    2>"$work/host.log" & pids+=($!)

guest_port=$("$b/tests/demotool" freeport)
say "[5/6] vios-proxy-guest: clients connect to 127.0.0.1:$guest_port in the guest"
"$b/guest/vios-proxy-guest" --match 'vios.*' "$work/guests.guest/demo-vm" \
    "$guest_port" INFO 2>"$work/guest.log" & pids+=($!)
wait_for 5 grep -q "channel found" "$work/guest.log"

say "[6/6] A client in the guest asks: 'hello from inside the guest'"
answer=$("$b/tests/demotool" ask "$guest_port" "hello from inside the guest")
echo "    answer: $answer"

say "What the daemons logged"
sed 's/^/    host:  /' "$work/host.log" | grep -E "found|established|ended" || true
sed 's/^/    guest: /' "$work/guest.log" | grep -E "found|established|ended" || true

case "$answer" in
"host service got: hello from inside the guest")
	say "The request crossed the tunnel and the answer came back. Done." ;;
*)
	say "Unexpected answer; logs follow."
	cat "$work/host.log" "$work/guest.log"
	exit 1 ;;
esac
