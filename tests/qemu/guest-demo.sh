# SPDX-License-Identifier: Apache-2.0
# The demo guest (tests/demo.sh): start vios-proxy-guest, ask the host
# service a question through the tunnel, report each stage as a DEMO
# marker (DEMO KIND text) for demo.sh to narrate.
. /vm/lib.sh
wait_until 30 exists /dev/virtio-ports/vios.1
mark "DEMO ports the guest's virtio-serial ports: $(ls /dev/virtio-ports | tr '\n' ' ')"
step daemons
gd_start || exit 1
wait_until 10 has $GLOG ' vios\.1: channel found'
mark "DEMO guestd vios-proxy-guest runs in the guest, listening on 127.0.0.1:$PORT, channels vios.0 and vios.1"
mark "DEMO ask /bin/demotool ask $PORT 'hello from inside the guest'"
answer=$(/bin/demotool ask $PORT "hello from inside the guest")
rc=$?
mark "DEMO answer $answer"
gd_stop
exit $rc
