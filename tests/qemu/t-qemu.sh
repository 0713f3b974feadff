#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end cases over real virtio-serial (TAP, run by make check).  Two
# QEMU guests (tests/qemu/vm.sh) and one vios-proxy-host serving both in
# front of tests/qemu/vmtool's service:
#   vm1 (guest-cases.sh): raw port baseline, echo, 16 MiB each way, four
#     clients over four ports, host daemon restarts (TERM, KILL; an
#     immediate restart after KILL is measured, not asserted), guest
#     daemon SIGKILL, QMP hot-plug and hot-unplug, guest agent port left
#     alone; vm2 (guest-two.sh): a second guest served at the same time.
# Throughput, latency and memory figures are printed as "# " lines.
# The guests report through console markers and wait at STEPs for the
# host to act.  Skips (1..0 # SKIP) without QEMU or a guest kernel, unless
# VIOS_QEMU_REQUIRE is set (CI), where that is an error.  make check never
# touches the network: the guest kernel comes from a cache that
# tests/qemu/fetch.sh (or tests/run-tests.sh) filled; only with
# VIOS_QEMU_FETCH=1 or VIOS_QEMU_REQUIRE set is it fetched here.  Also read:
# VIOS_BUILDDIR (default: the current directory, as under make check),
# VIOS_QEMU_CACHE, VIOS_QEMU, VIOS_QEMU_ACCEL, VIOS_QEMU_MEM (vm.sh) and
# VIOS_QEMU_KEEP=1 to keep the work directory with every log.
set -u
t0=$SECONDS
src=$(cd "$(dirname "$0")" && pwd)
build=${VIOS_BUILDDIR:-$PWD}
tool=$build/tests/qemu/vmtool
hostd=$build/host/vios-proxy-host
guestd=$build/guest/vios-proxy-guest
# shellcheck source=tests/qemu/vm.sh
. "$src/vm.sh"

skip_all() {
	if [ -n "${VIOS_QEMU_REQUIRE:-}" ]; then
		echo "Bail out! $* (VIOS_QEMU_REQUIRE is set)"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

vm_available || skip_all "$vm_why"
for f in "$tool" "$hostd" "$guestd"; do
	[ -x "$f" ] || skip_all "$f not built"
done
if [ "${VIOS_QEMU_FETCH:-}" = 1 ] || [ -n "${VIOS_QEMU_REQUIRE:-}" ]; then
	vm_fetch || skip_all "$vm_why"
else
	vm_cached || skip_all "$vm_why; make check does not download it:" \
	    "run sh $src/fetch.sh once, or set VIOS_QEMU_FETCH=1"
fi

# Short socket paths: UNIX socket names are limited to 108 bytes.
tmp=${TMPDIR:-/tmp}
[ ${#tmp} -le 40 ] || tmp=/tmp
work=$(mktemp -d "$tmp/vios-qemu.XXXXXX") || exit 1
root=$work/guests
hpid=
cleanup() {
	hd_kill
	vm_cleanup
	[ -n "${VIOS_QEMU_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
vm_setup "$work/vm" "$tool"

# ---- TAP ------------------------------------------------------------------
ntap=0
nfail=0
declare -A reported=() detail=() seen=()
# Every case the guests report, so one that never ran still fails.
expected="vm1:boot vm1:raw-up vm1:raw-down vm1:guestd vm1:echo vm1:upload
vm1:download vm1:four vm1:two-vm1 vm1:host-term vm1:host-kill vm1:guest-kill
vm1:hotplug vm1:hotunplug vm1:guestd-exit vm2:vm2-boot vm2:vm2-guestd
vm2:two-vm2 vm2:vm2-guestd-exit"

tap() {	# tap ok|notok TEXT
	ntap=$((ntap + 1))
	if [ "$1" = ok ]; then
		echo "ok $ntap - $2"
	else
		echo "not ok $ntap - $2"
		nfail=$((nfail + 1))
	fi
}
tap_check() {	# tap_check TEXT COMMAND...
	local text=$1
	shift
	if "$@"; then tap ok "$text"; else tap notok "$text"; fi
}

# Turn the guests' new OK/NOTOK markers into TAP lines.
collect() {
	local vm kind id text n
	for vm in vm1 vm2; do
		n=0
		while read -r kind id text; do
			n=$((n + 1))
			[ $n -gt "${seen[$vm]:-0}" ] || continue
			seen[$vm]=$n
			case $kind in
			OK) tap ok "$vm: $text" ;;
			NOTOK) tap notok "$vm: $text" ;;
			DIAG) echo "# $vm: $text"; detail[$id]=$text; continue ;;
			*) continue ;;
			esac
			reported[$vm:$id]=$kind
			detail[$id]=$text
		done < <(vm_markers "$vm")
	done
}

dump() {	# dump FILE TITLE: a log into the TAP stream as comments
	[ -s "$1" ] || return 0
	echo "# ---- $2"
	tail -n 150 "$1" | tr -d '\r' | sed 's/^/#   /'
}

dump_all() {
	dump "$work/vm/vm1/console.log" "vm1 console"
	dump "$work/vm/vm2/console.log" "vm2 console"
	dump "$work/vm/vm1/share/guest.log" "vm1 vios-proxy-guest log"
	dump "$work/vm/vm2/share/guest.log" "vm2 vios-proxy-guest log"
	dump "$work/host.log" "vios-proxy-host log"
	dump "$work/service.log" "service log"
	dump "$work/vm/vm1/events.log" "vm1 QMP events"
}

finish() {
	local e
	collect
	for e in $expected; do
		[ -n "${reported[$e]:-}" ] || tap notok "${e%%:*}: case ${e#*:} not reached"
	done
	[ $nfail -eq 0 ] || dump_all
	echo "1..$ntap"
	echo "# QEMU cases took $((SECONDS - t0)) s (accelerator $vm_accel)"
	exit $((nfail > 0))
}

fatal() {
	tap notok "$*"
	finish
}

# ---- host side --------------------------------------------------------
wait_for() {	# wait_for SECONDS COMMAND...: bounded polling
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep $VM_POLL
	done
}
has() { grep -qE "$2" "$1" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
# Nth and later lines of a file matching a regex (log since a mark).
since() { tail -n +"$(($2 + 1))" "$1" | grep -E "$3"; }

# The host daemon claims numbered sockets only, never the guest agent's.
hd_start() {
	"$hostd" --match '[0-9]*' "$root" "$svc_port" INFO 2>>"$work/host.log" &
	hpid=$!
	wait_for 10 has "$work/host.log" "\[$hpid\]: INFO: started"
}
# hd_stop SIGNAL: stop the host daemon; its exit status.
hd_stop() {
	local rc
	kill -"$1" "$hpid"
	{ wait "$hpid"; } 2>/dev/null	# no "Killed" from bash
	rc=$?
	hpid=
	return $rc
}
hd_kill() { [ -z "$hpid" ] || { kill -KILL "$hpid"; wait "$hpid"; } 2>/dev/null; }

# step VM NAME: wait (bounded) for the guest to ask for step NAME.
step() {
	collect
	vm_wait "$1" "@@STEP $2@@" "${3:-120}" ||
	    fatal "$1 reached step $2: $vm_why"
}

mkdir -p "$root/vm1" "$root/vm2"
"$tool" serve "$work/service.port" 2>"$work/service.log" &
vm_helpers+=($!)
wait_for 10 test -s "$work/service.port" || fatal "the test service started"
svc_port=$(cat "$work/service.port")

vm_initramfs "$guestd" "$tool" || fatal "initramfs built: $vm_why"
vm_pick_accel
echo "# guest kernel $VM_KVER (${VM_KERNEL##*/}), accelerator $vm_accel"

ga=org.qemu.guest_agent.0
vm_boot vm1 cases 0:vios.0:"$root/vm1/0" 1:vios.1:"$root/vm1/1" \
    2:vios.2:"$root/vm1/2" 3:vios.3:"$root/vm1/3" ga:$ga:"$root/vm1/$ga"
vm_boot vm2 two 0:vios.0:"$root/vm2/0" 1:vios.1:"$root/vm2/1" \
    ga:$ga:"$root/vm2/$ga"

# The raw baseline: a host peer straight on vm1's port 0, no daemons.
# vm2 is idle by then, as it is during the tunnel's transfers.
step vm1 raw 60
echo "# vm1 booted in $((SECONDS - t0)) s"
step vm2 daemons 60
"$tool" -t 120 rawpeer "$root/vm1/0" 2>"$work/rawpeer.log" &
rawpid=$!
vm_helpers+=($rawpid)
vm_go vm1 raw
step vm1 daemons
wait_for 10 gone $rawpid || fatal "raw peer finished"

hd_start || fatal "vios-proxy-host started"
vm_go vm1 daemons
vm_go vm2 daemons

# Two guests at once: both hold a session when they reach step "two".
step vm1 two
step vm2 two
vm_go vm1 two
vm_go vm2 two
vm_wait vm2 '@@VMRUN-RC=' 120 && vm_wait_exit vm2 30 ||
    fatal "vm2 powered off: $vm_why"
# vm1 reports its half of the step on its own console, maybe later.
vm_wait vm1 '@@(OK|NOTOK) two-vm1 ' 120 || fatal "vm1 step two: $vm_why"
collect
both() {
	has "$work/host.log" ' vm1/[0-9]+: session .* established' &&
	    has "$work/host.log" ' vm2/[0-9]+: session .* established' &&
	    [ "${reported[vm1:two-vm1]:-}" = OK ] &&
	    [ "${reported[vm2:two-vm2]:-}" = OK ]
}
tap_check "one host daemon served vm1 and vm2 at the same time" both
# QEMU unlinked vm2's sockets; the directory goes as a VM manager's would.
rm -rf "$root/vm2"
tap_check "vios-proxy-host dropped vm2 when it went away" \
    wait_for 10 has "$work/host.log" ' vm2: (guest removed|guest directory gone)'

# Host daemon restarts with a session open: first SIGTERM, then SIGKILL.
step vm1 host-term
hd_stop TERM
tap_check "vios-proxy-host exited 0 on SIGTERM with a session open" [ $? = 0 ]
hd_start || fatal "vios-proxy-host restarted"
vm_go vm1 host-term
# After SIGKILL the restart waits until the guest daemon has seen the host
# go (the held session ends): a restart within milliseconds can hide the
# disconnect from the guest, the case host-quick measures without asserting.
step vm1 host-kill
glog=$work/vm/vm1/share/guest.log
gmark=$(wc -l <"$glog")
hd_stop KILL
wait_for 30 eval 'since "$glog" "$gmark" " session .* ended" >/dev/null' ||
    echo "# the guest daemon did not see the killed host daemon go"
hd_start || fatal "vios-proxy-host restarted"
vm_go vm1 host-kill
step vm1 host-quick
hd_stop KILL
hd_start || fatal "vios-proxy-host restarted"
vm_go vm1 host-quick

# Hot-plug port vios.4 (socket ROOT/vm1/4) through QMP.
step vm1 hotplug
mark=$(wc -l <"$work/host.log")
vm_qmp vm1 '{"execute": "chardev-add", "arguments": {"id": "ch4",
    "backend": {"type": "socket", "data": {"addr": {"type": "unix",
    "data": {"path": "'"$root/vm1/4"'"}}, "server": true, "wait": false}}}}' \
    '{"execute": "device_add", "arguments": {"driver": "virtserialport",
    "bus": "vser0.0", "chardev": "ch4", "name": "vios.4", "id": "port4"}}' \
    >/dev/null || fatal "QMP hot-plugged vios.4"
vm_go vm1 hotplug
step vm1 unplug
vm_qmp vm1 -e DEVICE_DELETED \
    '{"execute": "device_del", "arguments": {"id": "port4"}}' >/dev/null ||
    fatal "QMP unplugged vios.4"
vm_qmp vm1 '{"execute": "chardev-remove", "arguments": {"id": "ch4"}}' \
    >/dev/null || fatal "QMP removed chardev ch4"
vm_go vm1 unplug
plugged() {
	since "$work/host.log" "$mark" ' vm1/4: channel found' >/dev/null &&
	    wait_for 10 has "$work/host.log" ' vm1/4: channel removed'
}
tap_check "vios-proxy-host took vm1/4 when it was plugged and dropped it when unplugged" \
    plugged

# The guest agent's port: neither daemon may ever open its side of it.
step vm1 final
gaside=$(vm_qmp vm1 '{"execute": "query-chardev"}' |
    grep -o '{[^{}]*"label": "chga"[^{}]*}')
echo "# guest agent chardev: $gaside"
agent_alone() {
	# A guest open would have raised VSERPORT_CHANGE for portga.
	has "$work/vm/vm1/events.log" '"VSERPORT_CHANGE".*"id": "port0"' &&
	    ! has "$work/vm/vm1/events.log" '"VSERPORT_CHANGE".*"portga"' &&
	    echo "$gaside" | grep -q '"frontend-open": false' &&
	    echo "$gaside" | grep -q '"filename": "disconnected:' &&
	    ! has "$work/host.log" "$ga" &&
	    ! has "$work/vm/vm1/share/guest.log" "$ga"
}
tap_check "port $ga was never opened by either daemon (--match)" agent_alone
vm_go vm1 final
vm_wait vm1 '@@VMRUN-RC=' 60 && vm_wait_exit vm1 30 ||
    fatal "vm1 powered off: $vm_why"
echo "# vios-proxy-host peak RSS (VmHWM) since its last restart:" \
    "$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$hpid/status")"
hd_stop TERM
tap_check "vios-proxy-host exited 0 on SIGTERM at the end" [ $? = 0 ]
collect

# Throughput over vm1's port vios.0 and the tunnel, measured in the guest,
# beside a plain TCP relay in the guest to the same port (vmtool relay:
# 256 KiB blocking copies, no framing): the part of the gap to the raw
# port that any relay through the guest's loopback TCP pays.
mbps() { echo "${detail[$1]:-}" | sed -n "s/.*$2 bytes=[0-9]* secs=[0-9.]* mbps=\([0-9.]*\).*/\1/p"; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }
for dir in "guest to host:raw-up:upload:up" "host to guest:raw-down:download:down"; do
	IFS=: read -r what raw tun op <<<"$dir"
	r=$(mbps "$raw" "$op")
	t=$(mbps "$tun" "$op")
	p=$(mbps relay "$op")
	[ -n "$r" ] && [ -n "$t" ] || continue
	echo "# throughput $what ($vm_accel guest, MB/s = 10^6 B/s):" \
	    "tunnel $t MB/s (16 MiB), raw port $r MB/s (64 MiB)," \
	    "tunnel at $(pct "$t" "$r")% of raw"
	[ -n "$p" ] || continue
	echo "# ... a plain TCP relay in the guest $p MB/s (16 MiB), $(pct "$p" "$r")% of raw;" \
	    "tunnel at $(pct "$t" "$p")% of the plain relay"
done
finish
