#!/bin/sh
# UDP byte-exact through the monitored bridge, every packet traced, for
# payload sizes 0..8000: with tx checksum offload on (the checksum left
# for a device to complete, CHECKSUM_PARTIAL, all the way); on at the
# sender but off on the receiver's host port, so the kernel completes the
# checksum after the strip hop from the pseudo-header's sum the hops kept,
# and the receiver verifies it; and off (checksums computed by the
# sender, verified by the receiver).
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtu
command -v tshark >/dev/null || it_fail "tshark missing: run tools/install-deps"
it_host 3
# (the datagrams of container 3, whose checksums its stack computes, as
# their strip hop saw them)
it_agent_start --sample 1 --pcap "$IT_TMP/udp.pcapng" --pcap-container cmtuc3

for mode in offload-on completed-after-strip offload-off; do
	case $mode in
	completed-after-strip)
		ethtool -K "$(cmon_ns_port cmtuc2)" tx off >/dev/null
		it_in 2 ethtool -K eth0 rx off >/dev/null ;;
	offload-off)
		from=cmtuc3
		it_in 3 ethtool -K eth0 tx off >/dev/null ;;
	esac
	it_udp_exact "${from:-cmtuc1}" cmtuc2 "$(it_ip 2)" 0-8000 ||
		it_fail "$mode: $(cat "$IT_TMP/recv")"
	echo "$mode: $(tail -1 "$IT_TMP/recv")"
done
csum_err=$(it_in 2 nstat -az UdpInCsumErrors | awk '/UdpInCsumErrors/ {print $2}')
[ "$csum_err" = 0 ] || it_fail "receiver saw $csum_err UDP checksum errors"
it_settle
stamped=$(it_query - - - stamped)
stripped=$(it_query - - - stripped)
echo "stamped=$stamped stripped=$stripped skip_frag=$(it_query - - - skip_frag)" \
     "skip_mtu=$(it_query - - - skip_mtu)"
[ "$stamped" -gt 5000 ] || it_fail "only $stamped packets stamped"
[ "$stripped" = "$stamped" ] || it_fail "stamped $stamped but stripped $stripped"
[ "$(it_query - - - skip_frag)" -gt 0 ] || it_fail "fragments not counted"
[ "$(it_query - - - skip_mtu)" -gt 0 ] || it_fail "no-MTU-room packets not counted"
for c in bad_tag bad_version malformed skip_room ring_full; do
	[ "$(it_query - - - $c)" = 0 ] || it_fail "counter $c is not 0"
done
lost=$(it_query cmtuc1 cmtuc2 udp lost)
[ "$lost" = 0 ] || it_fail "$lost packets reported lost on a path that drops none"
traced=$(it_query cmtuc1 cmtuc2 udp traced)
[ "$traced" -gt 5000 ] || it_fail "pair cmtuc1>cmtuc2 traced only $traced"
it_agent_stop
# container 3's annotated datagrams (decision bit, not fragments) as their
# strip hop saw them, trailer on board: every UDP checksum, computed by
# its stack, verifies mid-path (tshark's status 1, good; 3, none).  (The
# agent's copy adds the strip hop's slot as if the checksum were
# computed: a checksum a device is still to complete is not checked so.)
csum=$(tshark -r "$IT_TMP/udp.pcapng" -o udp.check_checksum:TRUE \
	-Y "udp && ip.flags.rb == 1 && ip.flags.mf == 0 && ip.frag_offset == 0" \
	-T fields -e udp.checksum.status 2>/dev/null | sort | uniq -c)
echo "annotated datagrams' UDP checksum status (count, status):" $csum
[ -n "$csum" ] || it_fail "no annotated datagram in the capture"
echo "$csum" | awk '$2 != 1 && $2 != 3 { bad = 1 } END { exit bad }' ||
	it_fail "annotated datagrams with a bad UDP checksum: $csum"
echo "PASS: UDP byte-exact 0..8000 B, checksums offloaded, completed after the strip, and computed by the sender"
