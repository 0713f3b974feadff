#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate the fuzzers' seed corpora in tests/fuzz/corpus/ (the files are
# committed; run this only to change them, then update FUZZ_CORPUS in
# Makefile.am).  Formats: fuzz_frame takes 2 bytes of chunk-schedule seed,
# then a channel byte stream; fuzz_proto_* take a configuration byte, then
# records (tests/fuzz/proto_driver.c, fz_next()).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/tests/fuzz/corpus
data=$top/tests/data

# --- frames: hex string -> bytes --------------------------------------------
bytes() { printf "$(echo "$1" | sed 's/\([0-9a-fA-F][0-9a-fA-F]\)/\\x\1/g')"; }
# hdr CTRL G H LEN (hex: 2, 8, 8, 4 digits)
hdr() { bytes "565331$1$2$3$4"; }
G=2f7c7a5c
H=544e7e29
RRRR=52525252
QQQQ=3f3f3f3f
caps() { printf 'VIOSX1 fin'; }

frame_seeds() {
	local d=$out/fuzz_frame
	rm -rf "$d" && mkdir -p "$d"
	{ bytes 0001; cat "$data/orig-echo-guest-to-host.bin"; } >"$d/orig-guest-to-host"
	{ bytes 1234; cat "$data/orig-echo-host-to-guest.bin"; } >"$d/orig-host-to-guest"
	# A whole session with fin, both directions interleaved.
	{ bytes 0101
	  hdr 41 $G $QQQQ 000a; caps
	  hdr 43 $G $H 000a; caps
	  hdr 42 $G $H 0000
	  hdr 44 $G $H 0005; printf hello
	  hdr 44 $H $G 0005; printf hello
	  hdr 46 $G $H 0000
	  hdr 46 $G $H 0000
	  hdr 48 $G $H 0000; } >"$d/session-fin"
	# Refusals: ours and the 2011 host's; payload on a RESET.
	{ bytes ffff
	  hdr 48 $G $RRRR 0000
	  hdr 48 $RRRR $RRRR 0000
	  hdr 48 $G $H 0003; printf xyz; } >"$d/refusals"
	# Junk, 'V' runs, a split sync, then frames.
	{ bytes 7f01
	  printf 'junk\0\377VVVVVVVVVV'
	  printf 'VxVSVV'
	  hdr 41 $G $QQQQ 0000
	  printf 'VVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVV'
	  hdr 42 $G $H 0000
	  printf 'V'; } >"$d/junk-v-runs"
	# Bad versions among good headers; zero-length DATA; unknown ctrl.
	{ bytes 0203
	  bytes 565332440000000100000002000a
	  bytes 5653004400000001
	  hdr 44 $G $H 0000
	  bytes 56535631
	  hdr 5a $G $H 0002; printf zz
	  bytes 5653ff; } >"$d/bad-versions"
	# One maximal DATA frame, then a header left hanging.
	{ bytes 8000
	  hdr 44 $G $H ffff; head -c 65535 /dev/zero | tr '\0' 'D'
	  hdr 44 $G $H 0100; printf 'partial'; } >"$d/max-data"
	# A caps payload longer than VIOS_CAPS_MAX, and a malformed one.
	{ bytes 4242
	  hdr 41 $G $QQQQ 012c; printf 'VIOSX1'; head -c 290 /dev/zero | tr '\0' ' '
	  hdr 43 $G $H 0009; printf 'VIOSX1fin'; } >"$d/caps-edge"
}

# --- state machines -------------------------------------------------------------
# Records: frame = 00 CTRL GSEL HSEL CAPS LEN; events 80 (open) 81 (connected)
# take 4 token bytes; 82 refused, 83 tcp-eof, 84 tcp-error, 85 timeout,
# 86 chan-down.  CTRL 0-5: SYN ACK SYNACK DATA FIN RESET, c0+: raw.  SEL 0:
# session G, 1: session H, 2: RRRR, 3: ????, 4: last fresh token, 6 + 4
# bytes: raw.  CAPS 0: none, 1: no names, 2: fin.  LEN 0: 0, 1: 1, 2: 65535.
host_seeds() {
	local d=$out/fuzz_proto_host
	rm -rf "$d" && mkdir -p "$d"
	# SYN with fin, connected, ACK, DATA, FIN both ways.
	bytes 01'00000611111111030201''8122222222''000100010000''000300010001''000400010000''83' >"$d/session-fin"
	# No caps: EOF ends with RESET; a duplicate ACK; RESET for others.
	bytes 00'00000611111111030000''8122222222''000100010000''000100010000''000502020000''000300010001''83' >"$d/session-nofin"
	# Refused; connect timeout; service error while connecting.
	bytes 01'00000611111111030201''82''00000633333333030000''85''00000644444444030000''84' >"$d/refusals"
	# Idle: stale DATA twice (one RESET), other pair, reserved, RESET.
	bytes 01'000306aaaaaaaa06bbbbbbbb0001''000306aaaaaaaa06bbbbbbbb0001''000306cccccccc06bbbbbbbb0001''000302020001''000506aaaaaaaa06bbbbbbbb0000' >"$d/idle-stale"
	# SYN superseded, repeated SYN ignored, SYN with a reserved G.
	bytes 01'00000611111111030201''8122222222''00000655555555030201''000000030201''000002030201''000100010000' >"$d/supersede"
	# Protocol errors: foreign tokens, unknown ctrl, FIN without fin.
	bytes 00'00000611111111030000''8122222222''000100010000''00030612121212010001''00000611111111030000''8122222222''000100010000''00c500010000''00000611111111030000''8122222222''000100010000''000400010000' >"$d/errors"
	# ACK timeout, channel down, late events.
	bytes 01'00000611111111030201''8122222222''85''00000611111111030201''8122222222''000100010000''86''81333333338283848586' >"$d/timers-down"
}

guest_seeds() {
	local d=$out/fuzz_proto_guest
	rm -rf "$d" && mkdir -p "$d"
	# Open, SYNACK with fin, DATA, FIN both ways.
	bytes 01'8011111111''00020006222222220201''000300010001''000400010000''83' >"$d/session-fin"
	# An old host: SYNACK without caps; EOF ends with RESET.
	bytes 00'8011111111''00020006222222220000''000300010002''83' >"$d/session-nofin"
	# Refused: RESET(G, RRRR); the 2011 RESET(RRRR, RRRR).
	bytes 01'8011111111''000500020000''8033333333''000502020000' >"$d/refusals"
	# A stale RESET makes one SYN resend; the second is ignored.
	bytes 01'8011111111''000506aaaaaaaa06bbbbbbbb0000''000506aaaaaaaa06bbbbbbbb0000''000206aaaaaaaa06bbbbbbbb0000''00020006222222220200' >"$d/resend"
	# Handshake timeout, resync preamble on the next open.
	bytes 01'8011111111''85''8044444444''86''8055555555' >"$d/timeout-resync"
	# Client gone during the handshake; errors when established.
	bytes 01'8011111111''83''00020006222222220201''8066666666''00020006777777770201''00030612121212010001''8088888888''00020006777777770201''000100010000''84' >"$d/errors"
}

# fuzz_port: a configuration byte (1: fin, 2: connect timeout 0, 4: ACK
# timeout 0, 8: refuse connects), then operations (fuzz_port.c, fz_op()):
# op&7 0/1: (op>>3)+1 raw bytes follow; 2/3: a frame CTRL GSEL HSEL LEN
# (GSEL/HSEL 0: last SYN's G, 2: last SYNACK's H, 4: RRRR, 5: ????, 6 + 4
# bytes: raw; LEN <c0: bytes, c0-fe: KiB, ff: 65535; a SYN with odd LEN carries
# "VIOSX1 fin"); 4: the service writes; 5: it shuts down (8: closes);
# 6: the guest leaves (8: resume); 7: loop turns, ff: port_shutdown().
SYN=0200060501aabbccdd
ACK=0201000200
DATA=0203000210
FIN=0204000200
RESET=0205000200
port_seeds() {
	local d=$out/fuzz_port
	rm -rf "$d" && mkdir -p "$d"
	bytes 01$SYN'1f'$ACK$DATA'14'$FIN'05''1f' >"$d/session-fin"
	bytes 00$SYN'1f'$ACK$DATA'94''05''1f'$RESET >"$d/session-nofin"
	bytes 09$SYN'1f'$SYN >"$d/refused"
	bytes 06$SYN'1f''1f'$SYN'1f'$ACK'1f' >"$d/timeouts"
	# 32 raw bytes (junk, 'V' runs, a bad version), then a stale DATA.
	bytes 01'f8''6a756e6b56565656565656565653565353315656565656565656565656565656''0203060612345678065555555500' >"$d/garbage"
	bytes 01$SYN'1f'$ACK'02030002ff''1f''02030002ff''1f''02030002fe''1f' >"$d/max-data"
	bytes 01$SYN'1f'$ACK'06''0e''1f'$SYN >"$d/guest-leaves"
	bytes 01$SYN'1f'$ACK$DATA'14''ff''1f'$SYN'1f' >"$d/shutdown"
}

frame_seeds
host_seeds
guest_seeds
port_seeds
ls -l "$out"/*
