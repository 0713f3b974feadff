#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The live demo: build vios-proxy, start a host service, boot a small QEMU
# guest (tests/qemu/vm.sh) with two virtio-serial channels, start both
# daemons, and send a request from inside the guest through the tunnel.
# Without QEMU (it cannot be installed here) the guest's channels come
# from tests/standin, which behaves like QEMU's virtio-serial sockets, and
# the "guest" programs run on this machine.  Everything is stopped and
# removed at exit.
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

say "[1/6] Building (dependencies, QEMU included, are installed with apt-get if missing)"
vios_install_deps
qemu_why=
vios_install_deps qemu-system-x86 busybox-static ||
    qemu_why="QEMU could not be installed"
cd "$top"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir -p build && cd build
[ -f Makefile ] || ../configure -q
make -s -j"$(nproc)" host/vios-proxy-host guest/vios-proxy-guest \
    tests/standin tests/demotool tests/qemu/vmtool
b=$PWD

work=$(mktemp -d /tmp/vios-demo.XXXXXX)
pids=()
vm_loaded=
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -z "$vm_loaded" ] || vm_cleanup
	rm -rf "$work"
}
trap cleanup EXIT

say "[2/6] A host service: answers each line with 'host service got: ...'"
"$b/tests/demotool" serve "$work/service.port" & pids+=($!)
wait_for 5 test -s "$work/service.port"
svc_port=$(cat "$work/service.port")
echo "    listening on 127.0.0.1:$svc_port (the only address guests can reach)"

daemon_logs() {
	say "What the daemons logged (host: this machine; guest: $2)"
	sed 's/^/    host:  /' "$work/host.log" |
	    grep -E "found|established|ended" || true
	sed 's/^/    guest: /' "$1" | grep -E "found|established|ended" || true
}

verdict() {
	case "$1" in
	"host service got: hello from inside the guest")
		say "The request crossed the tunnel and the answer came back. Done." ;;
	*)
		say "Unexpected answer; logs follow."
		cat "$work/host.log" "$2" 2>/dev/null || true
		exit 1 ;;
	esac
}

# ---- with QEMU: a real guest -------------------------------------------
qemu_demo() {
	local t0 guest=demo-vm m answer= seen=0 end
	say "[3/6] A QEMU guest '$guest' with two virtio-serial channels"
	echo "    guest kernel: Debian's $VM_KVER from $vm_cache (fetched once)"
	echo "    the guest's /dev/virtio-ports/vios.0 and vios.1 appear on this"
	echo "    machine as the sockets $work/guests/$guest/0 and /1"
	mkdir -p "$work/guests/$guest"
	vm_setup "$work/vm" "$b/tests/qemu/vmtool"
	vm_initramfs "$b/guest/vios-proxy-guest" "$b/tests/demotool" ||
	    { echo "    cannot build the guest: $vm_why"; return 1; }
	vm_pick_accel
	t0=$SECONDS
	vm_boot "$guest" demo 0:vios.0:"$work/guests/$guest/0" \
	    1:vios.1:"$work/guests/$guest/1"
	vm_wait "$guest" '@@STEP daemons@@' 120 ||
	    { echo "    the guest did not boot: $vm_why"; return 1; }
	echo "    booted in $((SECONDS - t0)) s under QEMU (accelerator: $vm_accel);" \
	    "$(vm_markers "$guest" | sed -n 's/^DEMO ports //p')"
	seen=1

	say "[4/6] vios-proxy-host: watches $work/guests, relays to port $svc_port"
	"$b/host/vios-proxy-host" "$work/guests" "$svc_port" INFO \
	    2>"$work/host.log" & pids+=($!)
	wait_for 10 grep -q "$guest/1: channel found" "$work/host.log"

	vm_go "$guest" daemons
	# Narrate the guest's DEMO markers as they come.
	end=$((SECONDS + 60))
	while :; do
		while read -r m kind text; do
			seen=$((seen + 1))
			case $kind in
			guestd) say "[5/6] In the guest: vios-proxy-guest"
				echo "    $text" ;;
			ask) say "[6/6] A client in the guest asks: 'hello from inside the guest'"
				echo "    guest\$ $text" ;;
			answer) answer=$text
				echo "    answer: $text"
				echo "    its way: demotool (guest) -> vios-proxy-guest" \
				    "-> /dev/virtio-ports/vios.N -> QEMU ->" \
				    "$work/guests/$guest/N -> vios-proxy-host ->" \
				    "127.0.0.1:$svc_port (demotool serve), and back" ;;
			esac
		done < <(vm_markers "$guest" | grep '^DEMO' | tail -n +$((seen + 1)))
		vm_running "$guest" || break
		[ $SECONDS -lt $end ] || { echo "    the guest took too long"; break; }
		sleep 0.05
	done
	vm_wait_exit "$guest" 10 || true
	echo "    the guest powered off"

	daemon_logs "$work/vm/$guest/share/guest.log" "inside the QEMU guest"
	verdict "$answer" "$work/vm/$guest/share/guest.log"
}

# ---- without QEMU: the stand-in plays the guest's channels --------------
standin_demo() {
	local guest_port answer
	say "[3/6] A guest 'demo-vm' with two virtio-serial channels"
	echo "    QEMU is not used this time: tests/standin plays its part, host"
	echo "    side sockets at $work/guests/demo-vm/vios.{0,1}, guest side ports"
	echo "    at $work/guests.guest/demo-vm/ (what /dev/virtio-ports is in a"
	echo "    guest); the 'guest' programs run on this machine"
	"$b/tests/standin" "$work/guests" demo-vm vios.0 vios.1 >/dev/null \
	    </dev/null & pids+=($!)
	wait_for 5 test -S "$work/guests.guest/demo-vm/vios.1"

	say "[4/6] vios-proxy-host: watches $work/guests, relays to port $svc_port"
	"$b/host/vios-proxy-host" "$work/guests" "$svc_port" INFO \
	    2>"$work/host.log" & pids+=($!)

	guest_port=$("$b/tests/demotool" freeport)
	say "[5/6] vios-proxy-guest: clients connect to 127.0.0.1:$guest_port in the guest"
	"$b/guest/vios-proxy-guest" --match 'vios.*' \
	    "$work/guests.guest/demo-vm" "$guest_port" INFO \
	    2>"$work/guest.log" & pids+=($!)
	wait_for 5 grep -q "channel found" "$work/guest.log"

	say "[6/6] A client in the guest asks: 'hello from inside the guest'"
	answer=$("$b/tests/demotool" ask "$guest_port" \
	    "hello from inside the guest")
	echo "    answer: $answer"

	daemon_logs "$work/guest.log" "the stand-in's guest side, on this machine"
	verdict "$answer" "$work/guest.log"
}

if [ -z "$qemu_why" ]; then
	# shellcheck source=tests/qemu/vm.sh
	. "$top/tests/qemu/vm.sh"
	vm_loaded=1
	if ! vm_available; then
		qemu_why=$vm_why
	elif ! vm_fetch; then
		qemu_why=$vm_why
	fi
fi
if [ -n "$qemu_why" ]; then
	say "Falling back to the stand-in: $qemu_why"
	standin_demo
else
	qemu_demo
fi
