#!/bin/sh
# A bridge that learns no address floods every frame to every port: a
# traced packet's copies share its buffer, and the annotation waiting
# beside it (the skb carrier) makes one record per packet, not one per
# copy, and none is missed.  Every packet traced: the receiver gets every
# datagram, the pair shows each traced once, no sequence number missed,
# no loss, no annotation left unclaimed.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtf
it_host 3
ip link set dev "$BR" type bridge ageing_time 0 ||
	it_fail "cannot set the bridge's ageing time"
for i in 1 2 3; do
	bridge link set dev "$(cmon_ns_port "${CMON_PFX}c$i")" learning off ||
		it_fail "cannot turn learning off on container $i's port"
done
it_agent_start --sample 1
it_udp_recv 2 5003
rpid=$!
it_udp_paced 1 "$(it_ip 2)" 5003 5000
wait "$rpid"
got=$(sed -n 's/^received //p' "$IT_TMP/r2")
it_settle 2
[ -n "$(bridge fdb show br "$BR" dynamic)" ] &&
	it_fail "the bridge learnt addresses: frames were not flooded"
traced=$(it_query cmtfc1 cmtfc2 udp traced)
lost=$(it_query cmtfc1 cmtfc2 udp lost)
seq_lost=$(python3 -c "
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    n += sum(p['loss']['seq_lost'] for p in o['pairs']
             if p['src'] == 'cmtfc1' and p['dst'] == 'cmtfc2')
print(n)" "$IT_TMP/agent.json")
unclaimed=$(it_query - - - skb_unclaimed)
echo "received=$got traced=$traced seq_lost=$seq_lost lost=$lost skb_unclaimed=$unclaimed"
[ "$got" = 5000 ] || it_fail "container 2 received $got of 5000 datagrams"
[ "$traced" = 5000 ] || it_fail "$traced records for 5000 flooded packets"
[ "$seq_lost" = 0 ] || it_fail "$seq_lost sequence numbers missed"
[ "$lost" = 0 ] || it_fail "$lost packets reported lost"
[ "$unclaimed" = 0 ] || it_fail "$unclaimed annotations left unclaimed"
it_agent_stop
echo "PASS: flooded packets traced once each, none missed"
