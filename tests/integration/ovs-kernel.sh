#!/bin/sh
# One path through the kernel and Open vSwitch (the cMonitor case): a
# kernel container on a Linux bridge (cmon's BPF stamp) whose uplink is an
# OVS port (role trunk), to a DPDK container on vhost-user (OVS strips).
# cmon-dpdk runs the kernel agent and reads the OVS ring in one process and
# reports the whole path hop by hop, both directions:
#   container -> veth_in (kernel) -> ovs_rx -> ovs_tx (strip, OVS ring)
#   DPDK app -> ovs_rx (stamp) -> ovs_tx -> veth_out (strip, kernel ring)
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtk
it_ovs_init

KEY=fedcba9876543210
echo "$KEY" >"$IT_TMP/key"
C1=${CMON_PFX}c1 D1=${CMON_PFX}d1
IPD=$NET.9 MACD=02:00:00:00:00:09
it_host 1
it_in 1 ethtool -K eth0 tx off tso off gso off >/dev/null
cmon_ovs_start "$IT_TMP/ovs" cmon-enable=true cmon-sample=1 \
	cmon-key=$KEY cmon-node-id=5 || it_fail "cannot start ovs-vswitchd"
cmon_ovs_uplink "$BR" trunk || it_fail "cannot add the uplink"
cmon_ovs_vhost "$D1" container || it_fail "cannot add vhost port"
cmon_ovs_dpdk_container "$D1" "$IPD" "$MACD" ||
	it_fail "DPDK container did not start: $(tail -5 "$IT_TMP/ovs/$D1.testpmd.log")"
it_in 1 ip neigh replace "$IPD" lladdr "$MACD" dev eth0

it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
"$DPDK_APP" --bridge "$BR" --file-prefix "$CMON_OVS_PREFIX" --sample 1 \
	--key-file "$IT_TMP/key" --peer-subnet "$IPD/32" --node-id 5 \
	--json --interval 0.5 >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "attached" 20 ||
	it_fail "cmon-dpdk did not start: $(cat "$IT_TMP/agent.err")"
it_wait "$IT_TMP/agent.err" "container $C1 joined" 5 ||
	it_fail "cmon-dpdk's kernel agent did not find $C1"
grep -q "upb" "$IT_TMP/agent.err" &&
	it_fail "the uplink veth was taken for a container"

it_in 1 ping -c 30 -i 0.05 -W 2 "$IPD" >"$IT_TMP/ping" ||
	it_fail "DPDK container did not answer: $(tail -3 "$IT_TMP/ping")"
echo "ping: $(grep -o '[0-9]* received' "$IT_TMP/ping")"

# Drops behind the switch: the Linux bridge drops 1 in 10 of what comes
# back from the DPDK container through the trunk.  The switch counts every
# packet at its hops and the kernel hop after it carries the path on: the
# loss is located at ovs_tx>veth_out, exactly as many as nft dropped.
nft -f - <<NFT || it_fail "cannot add the bridge drop"
table bridge $CMON_PFX {
	counter dropped {}
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "${CMON_PFX}upb" ip saddr $IPD udp sport 7000 numgen inc mod 10 == 0 counter name dropped drop
	}
}
NFT
it_udp_paced 1 "$IPD" 7000 2000
it_settle 2.5
dropped=$(nft list counter bridge "$CMON_PFX" dropped |
	sed -n 's/.*packets \([0-9]*\).*/\1/p')
it_agent_stop
for f in packets lost loss_hops reasons; do
	eval "out_$f=\$(it_query "$C1" "$IPD" udp $f)"
	eval "back_$f=\$(it_query "$IPD" "$C1" udp $f)"
done
echo "udp: out $out_packets packets, $out_lost lost; back $back_packets packets, $back_lost lost at [$back_loss_hops] [$back_reasons]; nft dropped $dropped"
[ "$out_packets" = 2000 ] && [ "$out_lost" = 0 ] ||
	it_fail "to the DPDK container: $out_packets packets, $out_lost lost (2000 sent, none dropped)"
[ "$back_packets" = 2000 ] ||
	it_fail "back: $back_packets packets counted, the DPDK container sent 2000"
[ "$back_lost" = "$dropped" ] && [ "$dropped" -ge 190 ] ||
	it_fail "back: $back_lost lost, the bridge dropped $dropped"
[ "$back_loss_hops" = "ovs_tx>veth_out" ] ||
	it_fail "back: loss at [$back_loss_hops], not ovs_tx>veth_out"
back_nf=$(it_query "$IPD" "$C1" udp drops:NETFILTER_DROP)
[ "$back_nf" = "$dropped" ] ||
	it_fail "back: $back_nf drops seen with NETFILTER_DROP, the bridge dropped $dropped"

out=$(it_query "$C1" "$IPD" icmp seg_means)
back=$(it_query "$IPD" "$C1" icmp seg_means)
echo "$C1 -> DPDK (mean us): $out"
echo "DPDK -> $C1 (mean us): $back"
for s in "veth_in>ovs_rx" "ovs_rx>ovs_tx"; do
	case "$out" in *"'$s'"*) ;; *) it_fail "outbound path lacks $s: $out" ;; esac
done
for s in "ovs_rx>ovs_tx" "ovs_tx>veth_out"; do
	case "$back" in *"'$s'"*) ;; *) it_fail "return path lacks $s: $back" ;; esac
done
n_out=$(it_query "$C1" "$IPD" icmp traced)
n_back=$(it_query "$IPD" "$C1" icmp traced)
echo "records: $n_out out, $n_back back"
# testpmd swaps addresses, so each ping is two packets each way
[ "$n_out" -ge 30 ] && [ "$n_back" -ge 30 ] ||
	it_fail "records: $n_out out, $n_back back, want >= 30 each"
for c in ovs_bad_tag ovs_malformed bad_tag malformed ovs_ring_full ring_full; do
	[ "$(it_query - - - $c)" = 0 ] || it_fail "counter $c is not 0"
done
[ "$(it_query - - - ovs_written)" -gt 0 ] || it_fail "trunk port wrote no hop"
e2e=$(it_query "$C1" "$IPD" icmp e2e_mean)
python3 -c "import sys; sys.exit(0 if 0 < $e2e < 1e6 else 1)" ||
	it_fail "end-to-end mean $e2e us"
echo "PASS: kernel and OVS-DPDK hops in one path, one process"
