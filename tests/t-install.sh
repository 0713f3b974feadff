#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# "make install DESTDIR=" from inside make check (TAP): the staged tree
# holds exactly the programs, man pages, configuration files, documents,
# systemd units and udev rule, under the configured directories; the
# staged programs run; the units and pages name the configured paths; and
# "make uninstall DESTDIR=" removes every file again.  The directories and
# MAKE come from AM_TESTS_ENVIRONMENT; the nested make runs in the build
# tree, where make check has built everything already, and writes only
# below a temporary directory in tests/.
set -u
build=${VIOS_BUILDDIR:-$PWD}
. "$(dirname "$0")/tap.sh"

for v in MAKE VIOS_PREFIX VIOS_SBINDIR VIOS_BINDIR VIOS_MANDIR VIOS_DOCDIR \
    VIOS_SYSCONFDIR VIOS_UNITDIR VIOS_UDEVRULESDIR PACKAGE_VERSION; do
	if [ -z "${!v:-}" ]; then
		echo "1..0 # SKIP $v is not set: run through make check"
		exit 0
	fi
done

tap_stage t-install


submake() {
	tap_make "$1" "$stage/root"
}

if submake install; then
	ok "make install DESTDIR=..."
else
	not_ok "make install DESTDIR=..." "$(tail -20 "$stage/make.log")"
	echo "1..$ntap"
	exit 1
fi
root=$stage/root

expected() {
	echo "$VIOS_SBINDIR/vios-proxy-host"
	echo "$VIOS_SBINDIR/vios-proxy-guest"
	echo "$VIOS_BINDIR/vios-proxy-status"
	echo "$VIOS_MANDIR/man8/vios-proxy-host.8"
	echo "$VIOS_MANDIR/man8/vios-proxy-guest.8"
	echo "$VIOS_MANDIR/man1/vios-proxy-status.1"
	echo "$VIOS_DOCDIR/README"
	echo "$VIOS_DOCDIR/protocol.md"
	echo "$VIOS_SYSCONFDIR/vios-proxy/guest.conf"
	echo "$VIOS_SYSCONFDIR/vios-proxy/host.conf.example"
	if [ "$VIOS_UNITDIR" != no ]; then
		echo "$VIOS_UNITDIR/vios-proxy-host@.service"
		echo "$VIOS_UNITDIR/vios-proxy-guest.service"
	fi
	if [ "$VIOS_UDEVRULESDIR" != no ]; then
		echo "$VIOS_UDEVRULESDIR/60-vios-proxy-guest.rules"
	fi
}
installed=$(cd "$root" && find . ! -type d | sed 's|^\.||' | LC_ALL=C sort)
want=$(expected | LC_ALL=C sort)
if [ "$installed" = "$want" ]; then
	ok "the installed files are exactly the expected ones"
else
	not_ok "the installed files are exactly the expected ones" \
	    "$(diff <(printf '%s\n' "$want") <(printf '%s\n' "$installed") |
	    grep '^[<>]' | sed 's/^</missing:/; s/^>/unexpected:/')"
fi
while IFS= read -r f; do
	echo "# installed: $f"
done <<<"$installed"

for p in "$VIOS_SBINDIR/vios-proxy-host" "$VIOS_SBINDIR/vios-proxy-guest" \
    "$VIOS_BINDIR/vios-proxy-status"; do
	name=${p##*/}
	out=$("$root$p" --version 2>&1)
	if [ -x "$root$p" ] && [ "$out" = "$name $PACKAGE_VERSION" ]; then
		ok "installed $name runs: $out"
	else
		not_ok "installed $name runs" "$root$p --version: $out"
	fi
done

modes=
while IFS= read -r f; do
	[ -f "$root$f" ] || continue
	case $f in
	*/sbin/*|*/bin/*) want_mode=755 ;;
	*) want_mode=644 ;;
	esac
	m=$(stat -c %a "$root$f")
	[ "$m" = "$want_mode" ] || modes="$modes $f:$m"
done <<<"$installed"
if [ -z "$modes" ]; then
	ok "programs are mode 755, everything else 644"
else
	not_ok "programs are mode 755, everything else 644" "wrong:$modes"
fi

text_files=$(printf '%s\n' "$installed" | grep -Ev '/s?bin/')
left=
for f in $text_files; do
	grep -q '@[A-Za-z_]*@' "$root$f" && left="$left $f"
done
if [ -z "$left" ]; then
	ok "no unsubstituted @variables@ in installed files"
else
	not_ok "no unsubstituted @variables@ in installed files" "in:$left"
fi

# Each daemon's page names the configuration directory configure was given.
bad=
for f in man8/vios-proxy-host.8 man8/vios-proxy-guest.8; do
	grep -qF ".I $VIOS_SYSCONFDIR/vios\\-proxy/" "$root$VIOS_MANDIR/$f" ||
	    bad="$bad $f"
done
if [ -z "$bad" ]; then
	ok "installed man pages name $VIOS_SYSCONFDIR/vios-proxy"
else
	not_ok "installed man pages name $VIOS_SYSCONFDIR/vios-proxy" "not in:$bad"
fi

# Each page that sends readers to protocol.md names where it went.
bad=
for f in man8/vios-proxy-host.8 man8/vios-proxy-guest.8 man1/vios-proxy-status.1; do
	grep -qxF ".I $VIOS_DOCDIR" "$root$VIOS_MANDIR/$f" || bad="$bad $f"
done
if [ -z "$bad" ] && [ -f "$root$VIOS_DOCDIR/protocol.md" ]; then
	ok "installed man pages name $VIOS_DOCDIR, which holds protocol.md"
else
	not_ok "installed man pages name $VIOS_DOCDIR, which holds protocol.md" \
	    "not in:$bad"
fi

if [ "$VIOS_UNITDIR" = no ]; then
	echo "ok $((ntap += 1)) # SKIP configure chose no systemd unit directory"
else
	hu=$root$VIOS_UNITDIR/vios-proxy-host@.service
	gu=$root$VIOS_UNITDIR/vios-proxy-guest.service
	check "host unit runs $VIOS_SBINDIR/vios-proxy-host with host-%i.conf" \
	    eval "grep -q '^ExecStart=$VIOS_SBINDIR/vios-proxy-host ' '$hu' &&
	    grep -qx 'EnvironmentFile=$VIOS_SYSCONFDIR/vios-proxy/host-%i.conf' '$hu'"
	check "guest unit runs $VIOS_SBINDIR/vios-proxy-guest with guest.conf" \
	    eval "grep -q '^ExecStart=$VIOS_SBINDIR/vios-proxy-guest ' '$gu' &&
	    grep -qx 'EnvironmentFile=-$VIOS_SYSCONFDIR/vios-proxy/guest.conf' '$gu'"
fi

if submake uninstall; then
	rest=$(cd "$root" && find . ! -type d)
	if [ -z "$rest" ]; then
		ok "make uninstall DESTDIR=... removes every file"
	else
		not_ok "make uninstall DESTDIR=... removes every file" "left: $rest"
	fi
else
	not_ok "make uninstall DESTDIR=..." "$(tail -20 "$stage/make.log")"
fi

tap_done
