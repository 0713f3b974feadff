#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The man pages against the built programs (TAP, run by make check): each
# page renders without a man or groff warning, its SYNOPSIS is the --help
# usage line, every option row of --help is an OPTIONS entry with the same
# text and the same default, every positional argument and log level is
# described, and the required sections are there.  Skips (1..0 # SKIP)
# without man, unless VIOS_TOOLS_REQUIRE is set (CI), where that is an error.
set -u
build=${VIOS_BUILDDIR:-$PWD}
# program:man section
programs="host/vios-proxy-host:8 guest/vios-proxy-guest:8 host/vios-proxy-status:1"
# Sections and strings every daemon page has.
daemon_sections="NAME SYNOPSIS DESCRIPTION OPTIONS ARGUMENTS CHANNEL_LAYOUT
PERMISSIONS SIGNALS EXIT_STATUS FILES DIAGNOSTICS SEE_ALSO"
daemon_strings="SIGTERM SIGINT SIGHUP SIGUSR1 syslog -device_virtserialport,
<channel_type='unix'> <source_mode='bind'_path= <target_type='virtio'_name="

. "$(dirname "$0")/tap.sh"
need_tool man "apt-get install man-db groff-base"
for p in $programs; do
	d=${p%:*}
	[ -x "$build/$d" ] && [ -f "$build/doc/${d#*/}.${p#*:}" ] ||
	    skip_all "$d or its man page is not built"
done


# Plain text, one paragraph a line: wide enough that nothing wraps.
render() {
	LC_ALL=C MANWIDTH=1000 man -l "$1" 2>/dev/null
}

# The lines of section $2 (a heading in column 0) of text $1.
section() {
	printf '%s\n' "$1" | awk -v h="$2" '
		/^[A-Z]/ { on = ($0 == h); next }
		on { print }'
}

# The body of the indented paragraph tagged exactly $2: the tag has a
# line of its own, or, shorter than the indent, shares it with the body.
entry() {
	printf '%s\n' "$1" | awk -v tag="       $2" '
		on && match($0, /[^ ]/) && RSTART <= 8 { exit }
		on { print; next }
		$0 == tag { on = 1; next }
		length(tag) < 14 && substr($0, 1, length(tag) + 1) == tag " " {
			on = 1
			print substr($0, length(tag) + 1)
		}'
}

for p in $programs; do
	d=${p%:*}
	prog=${d#*/}
	name=$prog.${p#*:}
	page=$build/doc/$name
	help=$("$build/$d" --help)
	text=$(render "$page")

	warn=$(LC_ALL=C MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	if [ -z "$warn" ] && [ -n "$text" ]; then
		ok "$name renders without warnings"
	else
		not_ok "$name renders without warnings" "${warn:-no output}"
	fi

	if grep -n '@[A-Za-z_]*@' "$page" >/dev/null; then
		not_ok "$name has no unsubstituted @variables@" \
		    "$(grep -n '@[A-Za-z_]*@' "$page")"
	else
		ok "$name has no unsubstituted @variables@"
	fi

	usage=$(printf '%s\n' "$help" | sed -n '1s/^Usage: //p')
	synopsis=$(section "$text" SYNOPSIS | tr -s ' \n' '  ' |
	    sed 's/^ //; s/ $//')
	if [ -n "$usage" ] && [ "$synopsis" = "$usage" ]; then
		ok "$name synopsis is the --help usage line"
	else
		not_ok "$name synopsis is the --help usage line" \
		    "--help: $usage" "man:    $synopsis"
	fi

	# Option rows: "  LEFT  help text (default: X)", LEFT = "--name ARG".
	options=$(section "$text" OPTIONS)
	while IFS= read -r row; do
		left=$(printf '%s\n' "$row" | sed 's/^  //; s/  .*//')
		def=$(printf '%s\n' "$row" |
		    sed -n 's/.*(default:\{0,1\} \([^)]*\)).*/\1/p')
		body=$(entry "$options" "$left")
		if [ -z "$body" ]; then
			not_ok "$name documents $left" \
			    "no OPTIONS entry tagged exactly '$left'"
		elif [ -n "$def" ] && ! printf '%s\n' "$body" | grep -qF -- "$def"; then
			not_ok "$name documents $left" \
			    "its entry does not give the default '$def'" "$body"
		else
			ok "$name documents $left${def:+ (default $def)}"
		fi
	done < <(printf '%s\n' "$help" | grep -E '^  (-[a-zA-Z], )?--[a-z]')

	# Positionals: the words of the usage line but options.
	args=$(section "$text" ARGUMENTS)
	for a in $(printf '%s\n' "$usage" | tr -d '[]' | cut -d' ' -f2-); do
		case $a in options|-*) continue ;; esac
		if [ -n "$(entry "$args" "$a")" ]; then
			ok "$name documents the argument $a"
		else
			not_ok "$name documents the argument $a" \
			    "no ARGUMENTS entry tagged '$a'"
		fi
	done

	# The rest concerns the daemons.
	[ "${p#*:}" = 8 ] || continue

	missing=
	for l in $(printf '%s\n' "$help" | sed -n '/^Log levels/{n;p;}'); do
		printf '%s\n' "$options" | grep -qw -- "$l" || missing="$missing $l"
	done
	if [ -z "$missing" ]; then
		ok "$name lists every log level"
	else
		not_ok "$name lists every log level" "missing:$missing"
	fi

	# Words with "_" for spaces.
	missing=
	for h in $daemon_sections; do
		h=${h//_/ }
		printf '%s\n' "$text" | grep -qx -- "$h" || missing="$missing '$h'"
	done
	for s in $daemon_strings; do
		s=${s//_/ }
		printf '%s\n' "$text" | grep -qF -- "$s" || missing="$missing '$s'"
	done
	if [ -z "$missing" ]; then
		ok "$name has the required sections and examples"
	else
		not_ok "$name has the required sections and examples" \
		    "missing:$missing"
	fi
done

# What each page must say beyond --help.
host=$(render "$build/doc/vios-proxy-host.8")
guest=$(render "$build/doc/vios-proxy-guest.8")
if printf '%s\n' "$host" | grep -q '0750' &&
    printf '%s\n' "$host" | grep -q 'PrivateTmp'; then
	ok "vios-proxy-host.8 documents socket permissions and PrivateTmp"
else
	not_ok "vios-proxy-host.8 documents socket permissions and PrivateTmp"
fi
if printf '%s\n' "$guest" | grep -q 'org.qemu.guest_agent.0' &&
    printf '%s\n' "$guest" | grep -q '60-vios-proxy-guest.rules'; then
	ok "vios-proxy-guest.8 documents the agent's port and the udev rule"
else
	not_ok "vios-proxy-guest.8 documents the agent's port and the udev rule"
fi

tap_done
