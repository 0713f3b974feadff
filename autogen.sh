#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerate the build system from a git checkout; release tarballs do not need this.
set -e
cd "$(dirname "$0")"
autoreconf --force --install
# automake ships the TAP driver but only installs it on request.
cp -f "$(automake --print-libdir)/tap-driver.sh" build-aux/tap-driver.sh
