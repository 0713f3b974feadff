#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the Debian packages vios-proxy-host and vios-proxy-guest from a
# release tarball and install them (CI; not part of make check).
#
#   tests/pkg-deb.sh [--check] [--install] [TARBALL]
#
# Without TARBALL, this tree is configured in a scratch directory and
# "make dist" makes one.  The tarball (it carries debian/) is unpacked and
# built with dpkg-buildpackage -us -uc -b, without make check unless
# --check (CI runs the test suite separately).  Both packages' contents are
# checked (and linted, when lintian is installed), they are unpacked into a
# scratch root with dpkg -x and every program runs --version from there.  --install also installs them on this
# machine (root, or sudo) with their maintainer scripts, runs
# /usr/sbin/vios-proxy-host --version from the installed path and purges
# them again.  Everything happens in a temporary directory, removed at the
# end unless VIOS_PKG_KEEP=1.  Missing build dependencies are installed with
# apt-get (tests/deps.sh).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
check=no
install=no
tarball=
for a in "$@"; do
	case $a in
	--check) check=yes ;;
	--install) install=yes ;;
	-h|--help) sed -n '3,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	-*) echo "pkg-deb.sh: unknown option $a" >&2; exit 2 ;;
	*) tarball=$(cd "$(dirname "$a")" && pwd)/$(basename "$a") ;;
	esac
done

say() { printf '=== %s\n' "$*"; }
fail() { printf 'pkg-deb.sh: FAILED: %s\n' "$*" >&2; exit 1; }

. "$top/tests/deps.sh"
# debian/control's Build-Depends beyond the project's own, and dpkg-dev.
extra="debhelper dpkg-dev"
[ $check = yes ] && extra="$extra man-db groff-base systemd"
vios_install_deps $extra

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
work=$(mktemp -d "${TMPDIR:-/tmp}/vios-pkg-deb.XXXXXX")
cleanup() {
	if [ "${VIOS_PKG_KEEP:-}" = 1 ]; then
		echo "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
start=$(date +%s)

if [ -z "$tarball" ]; then
	say "make dist from $top (scratch build in $work/dist)"
	[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh)
	mkdir "$work/dist"
	(cd "$work/dist" && "$top/configure" -q && make -s dist) \
	    >"$work/dist.log" 2>&1 || { tail -30 "$work/dist.log"; fail "make dist"; }
	tarball=$(ls "$work"/dist/vios-proxy-*.tar.gz)
fi
say "unpack $tarball"
mkdir "$work/src"
tar -C "$work/src" -xzf "$tarball"
src=$(ls -d "$work"/src/vios-proxy-*)
[ -f "$src/debian/control" ] || fail "$tarball has no debian/"

opts=(-us -uc -b)
if [ $check = yes ]; then
	say "dpkg-buildpackage ${opts[*]} (with make check)"
else
	say "dpkg-buildpackage ${opts[*]} -Pnocheck (DEB_BUILD_OPTIONS=nocheck)"
	export DEB_BUILD_OPTIONS="nocheck ${DEB_BUILD_OPTIONS:-}"
	opts+=(-Pnocheck)
fi
# The QEMU cases skip in a package build: CI's demand is not for here.
(cd "$src" && env -u VIOS_QEMU_REQUIRE -u VIOS_TOOLS_REQUIRE \
    dpkg-buildpackage "${opts[@]}") \
    >"$work/build.log" 2>&1 || { tail -60 "$work/build.log"; fail "dpkg-buildpackage"; }
grep -E '^(PASS|FAIL|# (TOTAL|PASS|SKIP|FAIL|ERROR)):?' "$work/build.log" |
    grep -E '^# ' || true
version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
debs=
for p in vios-proxy-host vios-proxy-guest; do
	deb=$work/src/${p}_${version}_$arch.deb
	[ -f "$deb" ] || fail "no $deb"
	debs="$debs $deb"
	say "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
	dpkg-deb -c "$deb" | awk '{ print "    " $1 " " $6 $7 $8 }'
done

# What each package must hold (dh_compress gzips the pages).
want_host="./usr/sbin/vios-proxy-host ./usr/bin/vios-proxy-status
./usr/share/man/man8/vios-proxy-host.8.gz ./usr/share/man/man1/vios-proxy-status.1.gz
./lib/systemd/system/vios-proxy-host@.service ./etc/vios-proxy/host.conf.example
./usr/share/doc/vios-proxy-host/copyright ./usr/share/doc/vios-proxy-host/README.gz
./usr/share/doc/vios-proxy-host/protocol.md ./var/lib/vios-proxy/"
want_guest="./usr/sbin/vios-proxy-guest ./usr/share/man/man8/vios-proxy-guest.8.gz
./lib/systemd/system/vios-proxy-guest.service ./lib/udev/rules.d/60-vios-proxy-guest.rules
./etc/vios-proxy/guest.conf ./usr/share/doc/vios-proxy-guest/copyright
./usr/share/doc/vios-proxy-guest/protocol.md"
for p in host guest; do
	deb=$work/src/vios-proxy-${p}_${version}_$arch.deb
	list=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
	want=want_$p
	for f in ${!want}; do
		printf '%s\n' "$list" | grep -qxF -- "$f" ||
		    fail "vios-proxy-$p lacks $f"
	done
done
say "both packages hold their programs, pages, units, udev rule and configuration"
# Each daemon's page sends readers to its package's protocol.md (above).
for p in host guest; do
	page=$(dpkg-deb --fsys-tarfile "$work/src/vios-proxy-${p}_${version}_$arch.deb" |
	    tar -xO "./usr/share/man/man8/vios-proxy-$p.8.gz" | gzip -dc)
	printf '%s\n' "$page" | grep -F "/usr/share/doc/vios\\-proxy\\-$p" >/dev/null ||
	    fail "vios-proxy-$p.8 does not name /usr/share/doc/vios-proxy-$p"
done
say "the daemons' pages name their package's documentation directory"
# udev starts the guest unit only when a port appears: on a running guest
# that was before the install, so the postinst must start it.
dpkg-deb -I "$work/src/vios-proxy-guest_${version}_$arch.deb" postinst |
    grep -F "_dh_action=start" >/dev/null ||
    fail "the guest's postinst does not start vios-proxy-guest.service"
# The packaged units name the packaged programs.
dpkg-deb --fsys-tarfile "$work/src/vios-proxy-host_${version}_$arch.deb" |
    tar -xO ./lib/systemd/system/vios-proxy-host@.service |
    grep -q '^ExecStart=/usr/sbin/vios-proxy-host ' ||
    fail "the packaged host unit does not run /usr/sbin/vios-proxy-host"

if command -v lintian >/dev/null 2>&1; then
	say "lintian (errors fail)"
	changes=$(ls "$work"/src/vios-proxy_*.changes)
	lintian --tag-display-limit 0 "$changes" 2>&1 | sed 's/^/    /' |
	    tee "$work/lintian.log"
	! grep -q '^    E:' "$work/lintian.log" || fail "lintian errors"
fi

say "dpkg -x into the scratch root $work/root"
for deb in $debs; do
	dpkg -x "$deb" "$work/root"
done
for prog in usr/sbin/vios-proxy-host usr/sbin/vios-proxy-guest \
    usr/bin/vios-proxy-status; do
	out=$("$work/root/$prog" --version) || fail "$work/root/$prog --version"
	echo "    /$prog --version: $out"
	[ "$out" = "${prog##*/} $version" ] || fail "unexpected version: $out"
done

if [ $install = yes ]; then
	for p in vios-proxy-host vios-proxy-guest; do
		if dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed'; then
			fail "$p is installed already: not touching it"
		fi
	done
	say "dpkg -i on this machine"
	# shellcheck disable=SC2086
	$sudo dpkg -i $debs
	for prog in /usr/sbin/vios-proxy-host /usr/sbin/vios-proxy-guest \
	    /usr/bin/vios-proxy-status; do
		out=$("$prog" --version) || fail "$prog --version"
		echo "    $prog --version: $out"
		[ "$out" = "${prog##*/} $version" ] || fail "unexpected version: $out"
	done
	if command -v man >/dev/null 2>&1; then
		echo "    man -w vios-proxy-host: $(man -w vios-proxy-host)"
	fi
	say "dpkg --purge vios-proxy-host vios-proxy-guest"
	$sudo dpkg --purge vios-proxy-host vios-proxy-guest
	[ ! -e /usr/sbin/vios-proxy-host ] || fail "purge left /usr/sbin/vios-proxy-host"
fi
say "Debian packages OK in $(( $(date +%s) - start )) s"
