#!/bin/busybox sh
# SPDX-License-Identifier: Apache-2.0
# /init of the QEMU test guest (tests/qemu/vm.sh builds the initramfs):
# mounts, loads the virtio and 9p modules, makes /dev/virtio-ports/NAME
# links through a uevent listener (Debian's kernel has no uevent helper),
# mounts the host's 9p share on /share, runs /vm/ROLE.sh for the role
# named on the kernel command line (vios.role=ROLE), prints its exit code
# as @@VMRUN-RC=n@@ on the serial console and powers off (QEMU runs with
# -no-reboot, so the VM ends there).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/virtio-ports /share /tmp
# The listener first, so it sees the ports' add and change events.
uevent /vm/uevent.sh &
for m in $(cat /modules/order); do
	insmod "/modules/$m.ko" || echo "@@INIT insmod $m failed@@"
done
# Ports whose events came before the listener was up.
for p in /sys/class/virtio-ports/*; do
	[ -e "$p" ] && ACTION=add SUBSYSTEM=virtio-ports DEVNAME=${p##*/} \
	    /vm/uevent.sh
done
ip link set lo up
role=$(sed -n 's/.*vios\.role=\([^ ]*\).*/\1/p' /proc/cmdline)
rc=0
if ! mount -t 9p -o trans=virtio,version=9p2000.L,cache=none hostshare /share
then
	echo "@@INIT cannot mount the 9p share@@"
	rc=1
elif [ -f "/vm/$role.sh" ]; then
	sh "/vm/$role.sh" || rc=$?
else
	echo "@@INIT no role '$role'@@"
	rc=1
fi
echo "@@VMRUN-RC=$rc@@"
umount /share 2>/dev/null
reboot -f
