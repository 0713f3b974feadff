#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The guest's uevent handler (run by `busybox uevent`, one event at a time,
# with the event in the environment): keeps /dev/virtio-ports/NAME -> vportNpM
# links as udev would.  A port's name may come in a "change" event after
# its "add", so both (re)make the link; "remove" drops it.
[ "$SUBSYSTEM" = virtio-ports ] || exit 0
dev=${DEVNAME##*/}
case $ACTION in
add|change)
	name=$(cat "/sys/class/virtio-ports/$dev/name" 2>/dev/null)
	# Replacing an identical link would look like an unplug to a watcher.
	[ -n "$name" ] && [ "$(readlink "/dev/virtio-ports/$name")" != "../$dev" ] &&
	    ln -sfn "../$dev" "/dev/virtio-ports/$name"
	;;
remove)
	for l in /dev/virtio-ports/*; do
		[ "$(readlink "$l")" = "../$dev" ] && rm -f "$l"
	done
	;;
esac
exit 0
