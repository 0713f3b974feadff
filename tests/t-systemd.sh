#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The installed systemd units and udev rule (TAP, run by make check).
# "make install DESTDIR=" stages the tree; systemd-analyze verify must be
# silent on the staged units.  verify insists that ExecStart's program
# exists, so each unit is verified from a copy whose only change is that
# program path, prefixed with the staging directory; MANPATH points at the
# staged pages, so Documentation=man:... must resolve to them.  An instance
# name stands in for the template.  The udev rule is checked for syntax
# (udevadm verify where systemd >= 254 has it) and for naming the installed
# unit with the unit's own --match pattern.  Skips (1..0 # SKIP) without
# systemd-analyze, unless VIOS_TOOLS_REQUIRE is set (CI), where that is an
# error, or when configure was told to install no units.
set -u
build=${VIOS_BUILDDIR:-$PWD}

. "$(dirname "$0")/tap.sh"
need_tool systemd-analyze "apt-get install systemd"
for v in MAKE VIOS_SBINDIR VIOS_MANDIR VIOS_UNITDIR VIOS_UDEVRULESDIR; do
	[ -n "${!v:-}" ] || skip_all "$v is not set: run through make check"
done
[ "$VIOS_UNITDIR" != no ] ||
    skip_all "configure chose no systemd unit directory"

tap_stage t-systemd


root=$stage/root
if tap_make install "$root"; then
	ok "make install DESTDIR=..."
else
	not_ok "make install DESTDIR=..." "$(tail -20 "$stage/make.log")"
	echo "1..$ntap"
	exit 1
fi

# unit file to verify, the name to verify it as
mkdir "$stage/verify"
for u in vios-proxy-host@.service:vios-proxy-host@example.service \
    vios-proxy-guest.service:vios-proxy-guest.service; do
	file=${u%%:*}
	name=${u#*:}
	src=$root$VIOS_UNITDIR/$file
	if [ ! -f "$src" ]; then
		not_ok "$name: installed" "no $src"
		continue
	fi
	sed "s|^\(Exec[A-Za-z]*=[-@:+!]*\)$VIOS_SBINDIR/|\1$root$VIOS_SBINDIR/|" \
	    "$src" >"$stage/verify/$file"
	out=$(cd "$stage/verify" &&
	    MANPATH=$root$VIOS_MANDIR SYSTEMD_LOG_COLOR=0 \
	    systemd-analyze verify "./$name" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify $name"
	else
		not_ok "systemd-analyze verify $name" "exit $rc" "$out"
	fi
	# The exposure score, for the log only.
	out=$(cd "$stage/verify" && cp "$file" "$name" 2>/dev/null;
	    systemd-analyze security --offline=true "./$name" 2>/dev/null |
	    grep 'Overall exposure')
	[ -n "$out" ] && echo "# $out"
done

if [ "$VIOS_UDEVRULESDIR" = no ]; then
	echo "ok $((ntap += 1)) # SKIP configure chose no udev rules directory"
	echo "1..$ntap"
	[ "$nfail" -eq 0 ]
	exit
fi

rule=$root$VIOS_UDEVRULESDIR/60-vios-proxy-guest.rules
# Every rule line: comma-separated KEY{attr}OP"value" pairs.
bad=$(grep -v '^[[:space:]]*\(#\|$\)' "$rule" | awk '{
	n = split($0, f, /, /)
	for (i = 1; i <= n; i++)
		if (f[i] !~ /^[A-Z_]+(\{[^}]+\})?(==|!=|=|\+=|-=|:=)"[^"]*"$/)
			print "bad field: " f[i]
}')
if command -v udevadm >/dev/null 2>&1 &&
    udevadm verify --help >/dev/null 2>&1; then
	bad="$bad$(udevadm verify "$rule" 2>&1 | grep -v 'Success')"
fi
if [ -z "$bad" ]; then
	ok "udev rule syntax"
else
	not_ok "udev rule syntax" "$bad"
fi

want=$(sed -n 's/.*ENV{SYSTEMD_WANTS}+="\([^"]*\)".*/\1/p' "$rule")
pattern=$(sed -n 's/.*ATTR{name}=="\([^"]*\)".*/\1/p' "$rule")
match=$(sed -n 's/.*"VIOS_OPTS=--match \([^ "]*\)".*/\1/p' \
    "$root$VIOS_UNITDIR/vios-proxy-guest.service")
if [ "$want" = vios-proxy-guest.service ] &&
    [ -f "$root$VIOS_UNITDIR/$want" ] &&
    grep -q 'TAG+="systemd"' "$rule" &&
    grep -q 'SUBSYSTEM=="virtio-ports"' "$rule" &&
    [ -n "$pattern" ] && [ "$pattern" = "$match" ]; then
	ok "udev rule tags virtio ports $pattern for the installed $want"
else
	not_ok "udev rule tags virtio ports for the installed guest unit" \
	    "wants '$want', ports '$pattern', unit's --match '$match'"
fi

tap_done
