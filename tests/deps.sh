#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what building and testing vios-proxy needs on Debian, when it is
# missing.  Sourced by run-tests.sh, demo.sh and .ci/run.
vios_deps_debian="build-essential autoconf automake pkg-config libevent-dev check"

vios_install_deps() {
	missing=
	for p in $vios_deps_debian "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "missing packages:$missing (install them, then retry)" >&2
		return 1
	fi
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "installing:$missing"
	$sudo apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
}
