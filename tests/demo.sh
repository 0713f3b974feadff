#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The live demo: build vios-proxy, start a host service, boot a small QEMU
# guest (tests/qemu/vm.sh) with two virtio-serial channels, start both
# daemons, and send a request from inside the guest through the tunnel.
# Without QEMU (it cannot be installed here) the guest's channels come
# from tests/standin, which behaves like QEMU's virtio-serial sockets, and
# the "guest" programs run on this machine.  Everything is stopped and
# removed at exit, visibly.  The build's output goes to build/demo-build.log.
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
mkdir -p "$top/build"
blog=$top/build/demo-build.log
# A subshell under || runs without set -e: hence the && chain.
if ! (cd "$top" && { [ -x configure ] || ./autogen.sh; } &&
    cd build && { [ -f Makefile ] || ../configure -q; } &&
    make -j"$(nproc)" host/vios-proxy-host guest/vios-proxy-guest \
    tests/standin tests/demotool tests/qemu/vmtool) >"$blog" 2>&1; then
	tail -n 15 "$blog"
	echo "    the build failed; its whole output is in $blog"
	exit 1
fi
b=$top/build
echo "    built in $b"

# QEMU and the guest's kernel, fetched on the first run only.
kernel_note=
vm_loaded=
if [ -z "$qemu_why" ]; then
	# shellcheck source=tests/qemu/vm.sh
	. "$top/tests/qemu/vm.sh"
	vm_loaded=1
	if ! vm_available; then
		qemu_why=$vm_why
	elif vm_cached; then
		kernel_note="fetched on an earlier run, cached in $vm_cache"
	else
		echo "    first run: fetching the guest's kernel (Debian's linux-image"
		echo "    package, about 70 MB) and busybox-static with apt-get download"
		echo "    from your apt sources into $vm_cache; done once, later runs reuse it"
		if vm_fetch; then
			kernel_note="fetched just now into $vm_cache"
		else
			qemu_why=$vm_why
		fi
	fi
fi

work=$(mktemp -d /tmp/vios-demo.XXXXXX)
pids=()
names=()
started() { pids+=($!); names+=("$1"); }	# started NAME: after a "&"
cleanup() {
	local i
	say "Cleaning up"
	for i in "${!pids[@]}"; do
		kill "${pids[$i]}" 2>/dev/null || continue
		wait "${pids[$i]}" 2>/dev/null || true
		echo "    stopped ${names[$i]}"
	done
	if [ -n "$vm_loaded" ]; then
		if vm_running demo-vm; then
			vm_cleanup
			echo "    stopped QEMU"
		else
			vm_cleanup
		fi
	fi
	rm -rf "$work"
	echo "    removed $work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

say "[2/6] A host service: answers each line with 'host service got: ...'"
"$b/tests/demotool" serve "$work/service.port" & started "the host service (demotool serve)"
wait_for 5 test -s "$work/service.port"
svc_port=$(cat "$work/service.port")
echo "    listening on 127.0.0.1:$svc_port (the only address guests can reach)"

ports_note() {
	echo "    vios.0 and vios.1 are the guest's two virtio-serial ports: byte"
	echo "    channels between guest and host, no network; each carries one"
	echo "    TCP session at a time"
}

# daemon_logs GUESTLOG WHERE CLOCK: the lines that tell the story.
daemon_logs() {
	say "What the daemons logged (host: this machine; guest: $2)"
	echo "    times in UTC, $3"
	sed 's/^/    host:  /' "$work/host.log" |
	    grep -E "found|established|ended" || true
	sed 's/^/    guest: /' "$1" | grep -E "found|established|ended" || true
}

verdict() {
	case "$1" in
	"host service got: hello from inside the guest")
		say "The request crossed the tunnel and the answer came back." ;;
	*)
		say "Unexpected answer; logs follow."
		cat "$work/host.log" "$2" 2>/dev/null || true
		exit 1 ;;
	esac
}

# ---- with QEMU: a real guest -------------------------------------------
qemu_demo() {
	local t0 guest=demo-vm m answer= seen=0 end port
	say "[3/6] A QEMU guest '$guest' with two virtio-serial channels"
	echo "    guest kernel: Debian's $VM_KVER, $kernel_note"
	ports_note
	echo "    In the guest they are /dev/virtio-ports/vios.0 and vios.1; QEMU"
	echo "    gives this machine their other ends as the sockets"
	echo "    $work/guests/$guest/0 and /1"
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
	    2>"$work/host.log" & started vios-proxy-host
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
				# The port the session took, from the guest's log.
				port=$(sed -n 's/.* vios\.\([0-9]*\): session .* established.*/\1/p' \
				    "$work/vm/$guest/share/guest.log" | head -1)
				port=${port:-N}
				echo "    answer: $text"
				echo "    its way: demotool (guest) -> vios-proxy-guest" \
				    "-> /dev/virtio-ports/vios.$port -> QEMU ->" \
				    "$work/guests/$guest/$port -> vios-proxy-host ->" \
				    "127.0.0.1:$svc_port (demotool serve), and back" ;;
			esac
		done < <(vm_markers "$guest" | grep '^DEMO' | tail -n +$((seen + 1)))
		vm_running "$guest" || break
		[ $SECONDS -lt $end ] || { echo "    the guest took too long"; break; }
		sleep 0.05
	done
	if vm_wait_exit "$guest" 10; then
		echo "    the guest stopped its vios-proxy-guest and powered off;" \
		    "QEMU exited"
	fi

	daemon_logs "$work/vm/$guest/share/guest.log" "inside the QEMU guest" \
	    "host lines by this machine's clock, guest lines by the guest's own"
	verdict "$answer" "$work/vm/$guest/share/guest.log"
}

# ---- without QEMU: the stand-in plays the guest's channels --------------
standin_demo() {
	local guest_port answer
	say "[3/6] A guest 'demo-vm' with two virtio-serial channels"
	ports_note
	echo "    QEMU is not used this time: tests/standin plays its part, host"
	echo "    side sockets at $work/guests/demo-vm/vios.{0,1}, guest side ports"
	echo "    at $work/guests.guest/demo-vm/ (what /dev/virtio-ports is in a"
	echo "    guest); the 'guest' programs run on this machine"
	"$b/tests/standin" "$work/guests" demo-vm vios.0 vios.1 >/dev/null \
	    </dev/null & started "the stand-in for QEMU (tests/standin)"
	wait_for 5 test -S "$work/guests.guest/demo-vm/vios.1"

	say "[4/6] vios-proxy-host: watches $work/guests, relays to port $svc_port"
	"$b/host/vios-proxy-host" "$work/guests" "$svc_port" INFO \
	    2>"$work/host.log" & started vios-proxy-host

	guest_port=$("$b/tests/demotool" freeport)
	say "[5/6] vios-proxy-guest: clients connect to 127.0.0.1:$guest_port in the guest"
	"$b/guest/vios-proxy-guest" --match 'vios.*' \
	    "$work/guests.guest/demo-vm" "$guest_port" INFO \
	    2>"$work/guest.log" & started vios-proxy-guest
	wait_for 5 grep -q "channel found" "$work/guest.log"

	say "[6/6] A client in the guest asks: 'hello from inside the guest'"
	answer=$("$b/tests/demotool" ask "$guest_port" \
	    "hello from inside the guest")
	echo "    answer: $answer"

	daemon_logs "$work/guest.log" "the stand-in's guest side, on this machine" \
	    "both by this machine's clock"
	verdict "$answer" "$work/guest.log"
}

if [ -n "$qemu_why" ]; then
	say "Falling back to the stand-in: $qemu_why"
	standin_demo
else
	qemu_demo
fi
