#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fetch what the QEMU test guest boots, once, into a cache outside the
# source tree: Debian's kernel (linux-image-amd64's current dependency)
# and busybox-static (the installed one, if any), with `apt-get download`
# (no install, no root unless apt's package lists are missing).  Keeps only the kernel image (the
# uncompressed vmlinux too when xz can unpack it: it boots twice as fast
# under TCG), the virtio and 9p modules with their dependencies in load
# order, and the busybox binary; writes guest.env last, so a cache with
# guest.env is complete.  Prints the cache directory.
# --cached: only look (exit 1 unless the cache is complete); never
# downloads, creates or locks anything, as make check must not.
set -eu
cache=${VIOS_QEMU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vios-proxy-qemu}
# The modules the guest needs; their dependencies are added before them.
want="virtio_pci virtio_console 9pnet_virtio 9p"

die() { echo "fetch.sh: $*" >&2; exit 1; }

cache_complete() {
	[ -f "$cache/guest.env" ] || return 1
	. "$cache/guest.env"
	[ -f "$VM_KERNEL" ] && [ -x "$VM_BUSYBOX" ] && [ -f "$VM_MODDIR/order" ]
}
if [ "${1:-}" = --cached ]; then
	cache_complete || die "no complete guest kernel cache in $cache"
	echo "$cache"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if cache_complete; then
	echo "$cache"
	exit 0
fi
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
    die "needs apt-get and dpkg-deb (Debian)"

tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1
}
kpkg=$(kernel_pkg)
if [ -z "$kpkg" ] && [ "$(id -u)" = 0 ]; then
	apt-get update -qq >&2 || die "apt-get update failed"
	kpkg=$(kernel_pkg)
fi
[ -n "$kpkg" ] || die "apt knows no linux-image-amd64 (run apt-get update as root)"

# busybox-static: the installed one if there is one, else its package.
bbpkg=busybox-static
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null |
    grep -q 'install ok installed' && [ -x /bin/busybox ] && bbpkg=
sandbox=
[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
# shellcheck disable=SC2086
(cd "$tmp" && apt-get download -qq $sandbox "$kpkg" $bbpkg) >&2 ||
    die "apt-get download $kpkg${bbpkg:+ $bbpkg} failed"

mkdir "$tmp/k" "$tmp/b"
dpkg-deb --fsys-tarfile "$tmp"/linux-image-*.deb |
    tar -x -C "$tmp/k" --wildcards './boot/vmlinuz-*' \
	'./lib/modules/*/kernel/drivers/virtio/*' \
	'./lib/modules/*/kernel/drivers/char/virtio_console.ko*' \
	'./lib/modules/*/kernel/net/9p/*' './lib/modules/*/kernel/fs/9p/*' \
	'./lib/modules/*/kernel/fs/netfs/*' './lib/modules/*/kernel/fs/fscache/*'
if [ -n "$bbpkg" ]; then
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/b"
else
	mkdir -p "$tmp/b/bin"
	cp /bin/busybox "$tmp/b/bin/busybox"
fi

vmlinuz=$(ls "$tmp"/k/boot/vmlinuz-* | head -1)
kver=${vmlinuz##*/vmlinuz-}
out=$cache/$kver
rm -rf "$out"
mkdir -p "$out/modules"
cp "$vmlinuz" "$out/vmlinuz"
kernel=$out/vmlinuz

# The uncompressed kernel: the bzImage's payload (setup header fields
# payload_offset at 0x248 and payload_length at 0x24c, counted from the
# protected-mode code after (setup_sects + 1) * 512 bytes) is an xz stream
# followed by a 4-byte size.  Booted through its PVH entry it starts in
# half the time under TCG.
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
setup=$(u8 "$vmlinuz" $((0x1f1)))
[ "$setup" = 0 ] && setup=4
start=$(( (setup + 1) * 512 + $(u32 "$vmlinuz" $((0x248))) ))
len=$(u32 "$vmlinuz" $((0x24c)))
if command -v xz >/dev/null &&
    tail -c +$((start + 1)) "$vmlinuz" | head -c $((len - 4)) |
    xz -dc >"$out/vmlinux" 2>/dev/null &&
    [ "$(head -c 4 "$out/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
	kernel=$out/vmlinux
else
	rm -f "$out/vmlinux"
	echo "fetch.sh: cannot extract vmlinux, the guest boots the slower bzImage" >&2
fi

# Modules in dependency order, uncompressed (busybox insmod wants .ko).
moddir=$(ls -d "$tmp"/k/lib/modules/*/kernel)
modfile() { find "$moddir" -name "$1.ko*" | head -1; }
for f in $(find "$moddir" -name '*.ko.xz'); do xz -d "$f"; done
for f in $(find "$moddir" -name '*.ko.zst'); do zstd -qd --rm "$f"; done
order=
add() {
	case " $order " in *" $1 "*) return 0 ;; esac
	f=$(modfile "$1")
	[ -n "$f" ] || die "module $1 not in $kpkg"
	for d in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr , ' '); do
		add "$d"
	done
	order="$order $1"
	cp "$(modfile "$1")" "$out/modules/$1.ko"
}
for m in $want; do add "$m"; done
echo $order >"$out/modules/order"

cp "$tmp/b/bin/busybox" "$cache/busybox"
"$cache/busybox" true || die "busybox-static does not run here"

cat >"$tmp/guest.env" <<EOF
VM_KVER=$kver
VM_KERNEL=$kernel
VM_MODDIR=$out/modules
VM_BUSYBOX=$cache/busybox
EOF
mv "$tmp/guest.env" "$cache/guest.env"
echo "$cache"
