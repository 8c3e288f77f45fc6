#!/bin/sh
# 10 % random drop injected on one bridge port (nft bridge filter) is
# reported as ~10 % loss between the two veth hops, with the kernel's
# NETFILTER_DROP reason; the traced packets miss as many from their
# sequence (a dropped packet's annotation, left beside its buffer by the
# skb carrier, is not taken by the next packet given that buffer).
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtd
it_host 2
port=$(cmon_ns_port "${CMON_PFX}c1")
[ -n "$port" ] || it_fail "no port for container 1"
nft -f - <<NFT || it_fail "cannot install the nft drop rule"
table bridge $CMON_PFX {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "$port" udp dport 5003 numgen random mod 10 == 0 drop
	}
}
NFT
it_agent_start
# 20000 datagrams at a steady pace; the receiver need not exist
it_udp_paced 1 "$(it_ip 2)" 5003 20000
it_settle 2
ratio=$(it_query cmtdc1 cmtdc2 udp loss_ratio)
hops=$(it_query cmtdc1 cmtdc2 udp loss_hops)
reasons=$(it_query cmtdc1 cmtdc2 udp reasons)
pkts=$(it_query cmtdc1 cmtdc2 udp packets)
traced=$(it_query cmtdc1 cmtdc2 udp traced)
seq_ratio=$(it_query cmtdc1 cmtdc2 udp seq_ratio)
echo "packets=$pkts loss_ratio=$ratio at [$hops] reasons [$reasons]"
echo "traced=$traced seq_ratio=$seq_ratio"
[ "$pkts" -ge 19000 ] || it_fail "only $pkts of 20000 packets counted"
python3 -c "import sys; sys.exit(not 0.07 <= $ratio <= 0.13)" ||
	it_fail "loss ratio $ratio is not about 0.10"
[ "$traced" -ge 300 ] || it_fail "only $traced packets traced"
python3 -c "import sys; sys.exit(not 0.05 <= $seq_ratio <= 0.16)" ||
	it_fail "sequence loss $seq_ratio of traced packets is not about 0.10"
[ "$hops" = "veth_in>veth_out" ] || it_fail "loss located at [$hops]"
echo "$reasons" | grep -qw NETFILTER_DROP || it_fail "no NETFILTER_DROP reason"
it_agent_stop
echo "PASS: 10 % drop on one port reported at veth_in>veth_out with NETFILTER_DROP"
