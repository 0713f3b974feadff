# SPDX-License-Identifier: Apache-2.0
# Guest "vm1" of tests/qemu/t-qemu.sh: every single-guest case in one boot.
# Ports: vios.0-3 (host sockets ROOT/vm1/0-3), org.qemu.guest_agent.0 (must
# never be opened), later vios.4 (hot-plugged, then unplugged by the host).
# The host acts at each STEP (starts or restarts its daemon, hot-plugs)
# and then creates /share/go.STEP.
. /vm/lib.sh
cd /tmp || exit 1

ports() {
	for p in vios.0 vios.1 vios.2 vios.3 org.qemu.guest_agent.0; do
		[ -c /dev/virtio-ports/$p ] || return 1
	done
}
check boot "vm1 booted, /dev/virtio-ports has vios.0-3 and org.qemu.guest_agent.0" \
    wait_until 30 ports

# The baseline: the same kind of transfers straight over vios.0, no
# proxies; 64 MiB, as 16 MiB take only tens of milliseconds here.
step raw
# A plain TCP relay in the guest to the same port (256 KiB blocking
# copies, no framing): what any relay costs here, the tunnel's yardstick.
# Before rawclient, whose "quit" ends the host's peer.
/bin/vmtool -t 60 relay /dev/virtio-ports/vios.0 /tmp/relay.port 2>/dev/null &
rpid=$!
if wait_until 10 exists /tmp/relay.port; then
	$VT client "$(cat /tmp/relay.port)" up:16M down:16M >relay.out 2>&1
	diag relay "plain TCP relay to the port, no proxies: $(line relay.out .)"
fi
wait $rpid
$VT rawclient /dev/virtio-ports/vios.0 up:64M down:64M >raw.out 2>&1
check raw-up "raw port, guest to host: $(line raw.out '^up')" has raw.out '^up .* ok$'
check raw-down "raw port, host to guest: $(line raw.out '^down')" has raw.out '^down .* ok$'

# Context for the figures: TCP over the guest's loopback alone.
/bin/vmtool serve /tmp/lo.port 2>/dev/null &
lpid=$!
if wait_until 10 exists /tmp/lo.port; then
	$VT client "$(cat /tmp/lo.port)" up:16M down:16M >lo.out 2>&1
	diag loopback "guest loopback TCP, no virtio: $(line lo.out .)"
fi
kill $lpid
wait $lpid

# The host daemon runs from here on; vios.0 is a proxy channel again.
step daemons
check guestd "vios-proxy-guest started" gd_start

# Latency of a fresh daemon's first sessions (1-byte echoes).  Right after
# boot the first one also waits for the guest kernel's random pool if the
# daemon's getrandom() blocks (about 1 s under TCG, no RDRAND).
$VT client $PORT echo:1 >lat.out 2>&1
$VT client $PORT echo:1 >>lat.out 2>&1
diag latency "first two sessions of the new guest daemon, 1-byte echo each:" \
    "$(sed -n 's/.* secs=\([0-9.]*\) .*/\1 s/p' lat.out | tr '\n' ' ')"
$VT client $PORT echo:64K >echo.out 2>&1
check echo "echo of 64 KiB through the tunnel: $(line echo.out .)" has echo.out '^echo .* ok$'
$VT client $PORT up:16M >up.out 2>&1
check upload "16 MiB upload, checksum checked by the host service: $(line up.out .)" has up.out '^up .* ok$'
$VT client $PORT down:16M >down.out 2>&1
check download "16 MiB download, checksum checked in the guest: $(line down.out .)" has down.out '^down .* ok$'

# Four clients that the service lets go only once all four are connected:
# this passes only if the four sessions run at once, one per port.
four() {
	n0=$(wc -l <$GLOG)
	pids=
	for i in 1 2 3 4; do
		$VT client $PORT barrier:4 up:2M down:2M >four.$i 2>&1 &
		pids="$pids $!"
	done
	rc=0
	for p in $pids; do wait $p || rc=1; done
	cat four.1 four.2 four.3 four.4
	used=$(tail -n +$((n0 + 1)) $GLOG |
	    sed -n 's/.* \(vios\.[0-9]*\): session .* established.*/\1/p' |
	    sort -u | wc -l)
	echo "ports used: $used"
	[ $rc = 0 ] && [ "$used" = 4 ]
}
four >four.out 2>&1
r=$?
check four "4 clients at once over 4 ports, 2 MiB each way each: $(line four.out 'ports used')" \
    [ $r = 0 ]
[ $fails = 0 ] || cat four.out

# Two guests at once: this session and vm2's are open together when the
# host lets both go on.
$VT -t 120 client $PORT hold >two.out 2>&1 &
hpid=$!
held=no
two_ok() { [ $held = yes ] && [ "$(grep -c ' ok$' two.out)" = 2 ]; }
wait_until 30 has two.out '^held' && held=yes
step two
kill $hpid
wait $hpid
$VT client $PORT up:4M down:4M >two.out 2>&1
check two-vm1 "vm1's session held while vm2's was, then 4 MiB each way: $(line two.out .)" \
    two_ok

# host_restart STEP: a held session ends when the host daemon goes (the
# host stops it at STEP, with SIGTERM or SIGKILL); the restarted daemon
# serves new clients.
host_restart() {
	$VT client $PORT hold >"$1.hold" 2>&1 &
	hpid=$!
	wait_until 30 has "$1.hold" '^held' || return 1
	step "$1"
	wait $hpid || return 1
	cat "$1.hold"
	$VT client $PORT echo:64K up:1M down:1M
}
host_restart host-term >host-term.out 2>&1
check host-term "host daemon stopped (SIGTERM) with a session open, restarted: session ended, then $(grep -c ' ok$' host-term.out)/3 transfers ok" \
    [ "$(grep -c ' ok$' host-term.out)" = 3 ]
host_restart host-kill >host-kill.out 2>&1
check host-kill "host daemon SIGKILLed with a session open, restarted: session ended, then $(grep -c ' ok$' host-kill.out)/3 transfers ok" \
    [ "$(grep -c ' ok$' host-kill.out)" = 3 ]

# The same with the host daemon restarted at once: measured, not asserted.
# A port's disconnect and reconnect within milliseconds can pass unseen by
# a guest that was not reading that port then; nothing is sent on an idle
# session, so it may stay open with no host behind it.
$VT -t 15 client $PORT hold >quick.hold 2>&1 &
hpid=$!
wait_until 30 has quick.hold '^held'
step host-quick
wait $hpid
if has quick.hold '^hold ended'; then
	diag host-quick "host daemon SIGKILLed and restarted at once: the idle held session ended"
else
	diag host-quick "host daemon SIGKILLed and restarted at once: the idle held session was still open 15 s later (the guest missed the host's disconnect)"
fi

# The guest daemon dies (SIGKILL) while the host streams into a port: the
# host's unread frames stay queued for whoever opens the port next.  The
# new daemon must not deliver them: four new sessions, one per port, check
# their echo and download byte for byte.  That those frames existed and
# were dropped shows in the new daemon's DEBUG log: before its first
# session every frame it reads is the old session's, noted "stale frame
# while idle"; it is waited for before any client connects.
stale_frames() {
	tail -n +$((n0 + 1)) $GLOG |
	    grep -c "\[$gpid\]: DEBUG: vios\.[0-9]*: .*: stale frame while idle"
}
stale_seen() { [ "$(stale_frames)" -gt 0 ]; }
guest_kill() {
	$VT client $PORT stream >stream.out 2>&1 &
	spid=$!
	wait_until 30 has stream.out '^streaming' || return 1
	kill -KILL $gpid
	wait $gpid
	wait $spid
	cat stream.out
	n0=$(wc -l <$GLOG)
	gd_start DEBUG || return 1
	wait_until 10 stale_seen
	echo "stale frames discarded: $(stale_frames)"
	pids=
	for i in 1 2 3 4; do
		$VT client $PORT barrier:4 echo:256K down:1M >gk.$i 2>&1 &
		pids="$pids $!"
	done
	rc=0
	for p in $pids; do wait $p || rc=1; done
	cat gk.1 gk.2 gk.3 gk.4
	return $rc
}
guest_kill >guest-kill.out 2>&1
nstale=$(sed -n 's/^stale frames discarded: //p' guest-kill.out)
gk_ok() {
	[ "${nstale:-0}" -gt 0 ] && [ "$(grep -c ' ok$' guest-kill.out)" = 8 ]
}
check guest-kill "guest daemon SIGKILLed mid-download, restarted: discarded the old session's stale frames (${nstale:-none} before any new session), then $(grep -c ' ok$' guest-kill.out)/8 checks of new sessions on every port ok" \
    gk_ok

# Hot-plug: five held sessions need the fifth port, vios.4.
hotplug() {
	wait_until 30 exists /dev/virtio-ports/vios.4 || return 1
	wait_until 30 has $GLOG ' vios\.4: channel found' || return 1
	hp=
	for i in 1 2 3 4 5; do
		$VT -t 120 client $PORT hold >hp.$i 2>&1 &
		hp="$hp $!"
	done
	wait_until 60 all_held hp.1 hp.2 hp.3 hp.4 hp.5 || return 1
	has $GLOG ' vios\.4: session .* established'
}
step hotplug
hotplug >hotplug.out 2>&1
r=$?
check hotplug "port vios.4 hot-plugged through QMP carries the fifth of five sessions at once" \
    [ $r = 0 ]

# Unplug vios.4 while its session is open: that session ends, the daemon
# drops the port (no fd left on the deleted device), the others go on.
ended() { [ "$(cat hp.* | grep -c '^hold ended')" -ge 1 ]; }
nofd() { ! ls -l /proc/$gpid/fd 2>/dev/null | grep -q deleted; }
unplug() {
	wait_until 30 ended || return 1
	wait_until 30 has $GLOG ' vios\.4: channel (removed|lost)' || return 1
	wait_until 30 absent /dev/virtio-ports/vios.4 || return 1
	wait_until 30 nofd || return 1
	kill $hp 2>/dev/null
	for p in $hp; do wait $p; done
	$VT client $PORT echo:64K
}
step unplug
unplug >unplug.out 2>&1
r=$?
check hotunplug "vios.4 unplugged with its session open: session ended, port dropped, tunnel still works" \
    [ $r = 0 ]
[ $fails = 0 ] || cat hotplug.out unplug.out hp.*

step final
diag memory "vios-proxy-guest peak RSS (VmHWM) since its restart: $(gd_peak)"
gd_stop
r=$?
check guestd-exit "vios-proxy-guest exited 0 on SIGTERM" [ $r = 0 ]
exit $fails
