# SPDX-License-Identifier: Apache-2.0
# Guest "vm2" of tests/qemu/t-qemu.sh: the second guest that one host
# daemon serves at the same time as vm1.
. /vm/lib.sh
cd /tmp || exit 1

ports() { [ -c /dev/virtio-ports/vios.0 ] && [ -c /dev/virtio-ports/vios.1 ]; }
check vm2-boot "vm2 booted, /dev/virtio-ports has vios.0-1" wait_until 30 ports
step daemons
check vm2-guestd "vm2's vios-proxy-guest started" gd_start
$VT -t 120 client $PORT hold >two.out 2>&1 &
hpid=$!
held=no
two_ok() { [ $held = yes ] && [ "$(grep -c ' ok$' two.out)" = 2 ]; }
wait_until 60 has two.out '^held' && held=yes
step two
kill $hpid
wait $hpid
$VT client $PORT up:4M down:4M >two.out 2>&1
check two-vm2 "vm2's session held while vm1's was, then 4 MiB each way: $(line two.out .)" \
    two_ok
gd_stop
r=$?
check vm2-guestd-exit "vm2's vios-proxy-guest exited 0 on SIGTERM" [ $r = 0 ]
exit $fails
