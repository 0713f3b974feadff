# SPDX-License-Identifier: Apache-2.0
# Boot small test guests under QEMU; sourced (bash) by tests/qemu/t-qemu.sh
# and tests/demo.sh.  The guest is Debian's kernel plus an initramfs made
# here: busybox-static, the virtio and 9p modules, tests/qemu/guest-*.sh
# and the binaries asked for with the shared libraries ldd lists.  Each VM
# gets a serial console log (results come back as @@...@@ markers), a 9p
# share (the host answers a guest's @@STEP name@@ by creating go.name in
# it), two QMP sockets (commands; events, logged from the first instant)
# and virtio-serial ports whose host sockets the caller places.
# Everything started here is recorded and stopped by pid in vm_cleanup.
# Safe under `set -e`.  VIOS_QEMU_KEEP=1 keeps the work directory.
#
#   vm_available; vm_cached; vm_fetch   0, or 1 with the reason in $vm_why
#   vm_setup WORKDIR TOOL       TOOL: the build's tests/qemu/vmtool
#   vm_initramfs BINARY...      the guest's /bin additions
#   vm_pick_accel               tcg, or kvm where a probe boot works
#   vm_boot NAME ROLE ID:PORTNAME:SOCKET...
#   vm_wait NAME REGEX SECONDS  a console line, bounded
#   vm_go NAME STEP; vm_qmp NAME [-e EVENT] JSON...; vm_markers NAME
#   vm_wait_exit NAME SECONDS; vm_stop NAME; vm_cleanup

vm_src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm_cache=${VIOS_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vios-proxy-qemu}
vm_qemu=${VIOS_QEMU:-qemu-system-x86_64}
vm_why=
vm_work=
vm_tool=
vm_accel=tcg
vm_helpers=()			# pids of helper processes
declare -A vm_pid=()		# QEMU pid per VM name
VM_POLL=0.05			# pause between two looks at a condition
# Guest RAM, MiB: sanitizer builds of the guest daemon need the room.
VM_MEM=${VIOS_QEMU_MEM:-512}

vm_available() {
	command -v "$vm_qemu" >/dev/null 2>&1 && return 0
	vm_why="$vm_qemu not found (Debian: apt-get install --no-install-recommends qemu-system-x86)"
	return 1
}

# Load guest.env from a complete cache; never downloads (make check).
vm_cached() {
	if ! sh "$vm_src/fetch.sh" --cached >/dev/null 2>&1; then
		vm_why="no guest kernel in $vm_cache"
		return 1
	fi
	# shellcheck disable=SC1091
	. "$vm_cache/guest.env"
}

# Fill the cache once (tests/qemu/fetch.sh: apt-get download, the
# network) and load its guest.env.
vm_fetch() {
	local err
	if ! err=$(sh "$vm_src/fetch.sh" 2>&1 >/dev/null); then
		vm_why="no guest kernel in $vm_cache and fetching it failed: $(echo "$err" | tail -1)"
		return 1
	fi
	# shellcheck disable=SC1091
	. "$vm_cache/guest.env"
}

vm_setup() {
	vm_work=$1
	vm_tool=$2
	mkdir -p "$vm_work"
}

# Copy a program and the shared libraries it loads into the tree $1.
vm_copy_binary() {
	local root=$1 bin=$2 lib
	cp "$bin" "$root/bin/" || return 1
	for lib in $(ldd "$bin" 2>/dev/null |
	    awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
		mkdir -p "$root${lib%/*}"
		cp -L "$lib" "$root$lib" || return 1
	done
}

vm_initramfs() {
	local root=$vm_work/initramfs f r
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,share,modules,vm}
	cp "$VM_BUSYBOX" "$root/bin/busybox" &&
	    cp "$VM_MODDIR"/*.ko "$VM_MODDIR/order" "$root/modules/" &&
	    cp "$vm_src/guest-init.sh" "$root/init" &&
	    cp "$vm_src/guest-uevent.sh" "$root/vm/uevent.sh" &&
	    cp "$vm_src/guest-lib.sh" "$root/vm/lib.sh" || return 1
	for f in "$vm_src"/guest-*.sh; do
		r=${f##*/guest-}
		case $r in init.sh|uevent.sh|lib.sh) continue ;; esac
		cp "$f" "$root/vm/$r" || return 1
	done
	chmod 755 "$root/init" "$root"/vm/*.sh
	for f in "$@"; do
		vm_copy_binary "$root" "$f" || { vm_why="cannot copy $f"; return 1; }
	done
	(cd "$root" && find . | "$VM_BUSYBOX" cpio -o -H newc -R 0:0 \
	    2>/dev/null) >"$vm_work/initrd.cpio"
}

vm_running() {
	local st
	st=$(cut -d' ' -f3 "/proc/${vm_pid[$1]:-0}/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# vm_boot NAME ROLE ID:PORTNAME:SOCKET...: start QEMU in the background.
vm_boot() {
	local name=$1 role=$2 d=$vm_work/$1 spec id rest pname sock
	local -a args
	shift 2
	mkdir -p "$d/share"
	: >"$d/console.log"
	args=(-nodefaults -no-user-config -display none -m "$VM_MEM" -no-reboot
	    -kernel "$VM_KERNEL" -initrd "$vm_work/initrd.cpio"
	    -append "console=ttyS0 panic=-1 rdinit=/init quiet vios.role=$role"
	    -serial "file:$d/console.log" -pidfile "$d/qemu.pid"
	    -qmp "unix:$d/qmp.sock,server=on,wait=off"
	    -virtfs "local,path=$d/share,mount_tag=hostshare,security_model=none,id=share"
	    -device virtio-serial-pci,id=vser0)
	case $vm_accel in
	kvm) args+=(-accel kvm -cpu host) ;;
	*) args+=(-accel tcg) ;;
	esac
	for spec; do
		id=${spec%%:*}
		rest=${spec#*:}
		pname=${rest%%:*}
		sock=${rest#*:}
		args+=(-chardev "socket,id=ch$id,path=$sock,server=on,wait=off"
		    -device "virtserialport,bus=vser0.0,chardev=ch$id,name=$pname,id=port$id")
	done
	# The event monitor is waited for (wait=on): no event goes unlogged.
	"$vm_qemu" "${args[@]}" -qmp "unix:$d/qmp-ev.sock,server=on,wait=on" \
	    </dev/null >"$d/qemu.log" 2>&1 &
	vm_pid[$name]=$!
	"$vm_tool" qmpevents "$d/qmp-ev.sock" "$d/events.log" \
	    </dev/null 2>>"$d/qemu.log" &
	vm_helpers+=($!)
}

# vm_wait NAME REGEX SECONDS: a console line matching REGEX (ERE).
vm_wait() {
	local f=$vm_work/$1/console.log end=$((SECONDS + $3))
	while :; do
		grep -aqE "$2" "$f" 2>/dev/null && return 0
		if ! vm_running "$1"; then
			grep -aqE "$2" "$f" 2>/dev/null && return 0
			vm_why="$1 stopped before printing /$2/"
			return 1
		fi
		if [ $SECONDS -ge $end ]; then
			vm_why="$1 printed no /$2/ within $3 s"
			return 1
		fi
		sleep $VM_POLL
	done
}

# The @@...@@ markers printed so far, one per line, without the @@.
vm_markers() {
	tr -d '\r' <"$vm_work/$1/console.log" 2>/dev/null |
	    sed -n 's/^.*@@\(.*\)@@.*$/\1/p'
}

vm_go() { : >"$vm_work/$1/share/go.$2"; }

vm_qmp() {
	local name=$1
	shift
	"$vm_tool" -t 20 qmp "$vm_work/$name/qmp.sock" "$@"
}

# Wait for QEMU to end by itself (the guest powered off), then reap it.
vm_wait_exit() {
	local end=$((SECONDS + $2))
	while vm_running "$1"; do
		if [ $SECONDS -ge $end ]; then
			vm_why="$1 still running after $2 s"
			return 1
		fi
		sleep $VM_POLL
	done
	{ wait "${vm_pid[$1]}"; } 2>/dev/null || true	# no job notice
	return 0
}

# Stop QEMU by its pid (-pidfile, else the one started): TERM, then KILL.
vm_stop() {
	local pid end=$((SECONDS + 10))
	pid=$(cat "$vm_work/$1/qemu.pid" 2>/dev/null) || pid=${vm_pid[$1]:-}
	[ -n "$pid" ] || return 0
	if vm_running "$1"; then
		kill -TERM "$pid" 2>/dev/null || true
	fi
	while vm_running "$1" && [ $SECONDS -lt $end ]; do
		sleep $VM_POLL
	done
	if vm_running "$1"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	{ wait "${vm_pid[$1]}"; } 2>/dev/null || true	# no job notice
	return 0
}

# KVM where it works (a probe boot, verdict cached per kernel and QEMU),
# else TCG.  On PVM hosts (nested KVM without VMX/SVM) KVM cannot run a
# stock kernel, so there is nothing to probe.  VIOS_QEMU_ACCEL overrides.
# The verdict is written under the cache's lock (fetch.sh's) and renamed
# into place, so a concurrent run reads either verdict whole.
vm_pick_accel() {
	local key verdict had had_accel f=$vm_cache/accel
	vm_accel=tcg
	if [ -n "${VIOS_QEMU_ACCEL:-}" ]; then
		vm_accel=$VIOS_QEMU_ACCEL
		return 0
	fi
	[ -e /sys/module/kvm_pvm ] && return 0
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 0
	key="$(uname -r) $("$vm_qemu" --version | head -1)"
	if { IFS= read -r had && read -r had_accel; } 2>/dev/null <"$f" &&
	    [ "$had" = "$key" ]; then
		vm_accel=$had_accel
		return 0
	fi
	vm_accel=kvm
	vm_boot probe probe
	verdict=tcg
	if vm_wait probe '@@VMRUN-RC=0@@' 30; then
		verdict=kvm
	fi
	vm_stop probe
	vm_accel=$verdict
	(
		flock -w 30 9 || exit 1
		printf '%s\n%s\n' "$key" "$verdict" >"$f.new" &&
		    mv -f "$f.new" "$f"
	) 9>>"$vm_cache/.lock" 2>/dev/null || true
	return 0
}

vm_cleanup() {
	local name p
	for name in "${!vm_pid[@]}"; do
		vm_stop "$name"
	done
	for p in "${vm_helpers[@]}"; do
		kill "$p" 2>/dev/null || true
		{ wait "$p"; } 2>/dev/null || true
	done
	vm_helpers=()
	if [ -n "$vm_work" ] && [ -z "${VIOS_QEMU_KEEP:-}" ]; then
		rm -rf "$vm_work"
	fi
}
