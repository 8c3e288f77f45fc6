#!/bin/sh
# Clocks across nodes: two simulated nodes on a flannel-style VXLAN
# overlay stamp with their own CLOCK_MONOTONIC, node 2's set 5 ms ahead
# and then 5 ms behind (--clock-offset-ns), each with an exporter that reads the
# other's delays (--peer).  Before node 2 knows the other direction its
# cross-node latencies are reported unknown, never as garbage; once both
# directions flow, each node estimates the offset (within 20 us of the
# truth) and corrects: the underlay hop is positive and the hops add up
# to end to end, the receiving container's hop (--ct-hops) included.
# With the sending node's counters read from its peer, 10 %
# loss injected on the underlay is reported on that segment.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmck
it_exporter_init
echo 0123456789abcdef >"$IT_TMP/key"
TOKEN=cmck-token

it_overlay_nodes

# run OFFSET_NS: node 2's clock set OFFSET_NS ahead of node 1's
run() {
	OFFSET_NS=$1
	# node 1 stamps but serves nothing: node 2 cannot learn the other
	# direction, so the offset is unknown
	# shellcheck disable=SC2046
	it_node_exporter 2 $(it_node_peer 2 1) --clock-offset-ns "$OFFSET_NS"
	it_node_exporter 1
	it_in 1 ping -q -c 20 -i 0.05 10.244.2.2 >/dev/null || it_fail "ping"
	sleep 1.5
	it_wait "$IT_TMP/node2.err" \
		"peer http://10.250.0.1:9417/api/v1/metrics?token=\*\*\*: " 10 ||
		it_fail "no message about the absent peer"
	! grep -q "$TOKEN" "$IT_TMP/node2.err" || it_fail "the token is logged"
	python3 - "$IT_TMP/node2.json" <<'EOP' || it_fail "unknown cross-node latency"
import json, sys
unknown = raw = 0
for line in open(sys.argv[1]):
    for p in json.loads(line)["pairs"]:
        if p["src_ip"] != "10.244.1.2" or p["proto"] != "icmp":
            continue
        for h in p["latency_us"]["hops"]:
            if h["from_node"] != h["to_node"]:
                unknown += h.get("unknown", 0)
                raw += h["count"]
        e = p["latency_us"]["e2e"]
        unknown += e.get("unknown", 0)
        raw += e["count"]
assert unknown >= 20 and raw == 0, (unknown, raw)
print("before the peer answers: %d cross-node samples unknown, none reported" % unknown)
EOP

	# node 1 with its peer: traffic both ways, the offset is estimated and
	# applied
	kill -INT "$PID_1"
	wait "$PID_1" || it_fail "exporter of node 1 exited with $?"
	# shellcheck disable=SC2046
	it_node_exporter 1 $(it_node_peer 1 2)
	it_in 1 ping -q -c 60 -i 0.05 10.244.2.2 >/dev/null || it_fail "ping"
	it_in 2 ping -q -c 20 -i 0.05 10.244.1.2 >/dev/null || it_fail "ping"
	sleep 1.5
	python3 - "$IT_TMP/node1.json" "$IT_TMP/node2.json" "$OFFSET_NS" <<'EOP' || it_fail "clock offset"
import json, sys
truth = int(sys.argv[3]) / 1000.0      # node 2 minus node 1, us
last = [json.loads(l) for l in open(sys.argv[2])][-1]
c = [c for c in last["clocks"] if {c["a"], c["b"]} == {1, 2}]
assert c and c[0]["estimated"] and c[0]["applied"] and not c[0]["trusted"], last["clocks"]
c = c[0]
est = c["offset_us"] if (c["a"], c["b"]) == (1, 2) else -c["offset_us"]
err = abs(est - truth)
print("node 2: offset %.3f us (truth %.0f), error %.3f us, bound %.3f us"
      % (est, truth, err, c["bound_us"]))
assert err <= 20, "estimate off by %.3f us" % err
assert err <= c["bound_us"] + 1, "error %.3f beyond the bound %.3f" % (err, c["bound_us"])
# node 1 sees the same offset from its side
last1 = [json.loads(l) for l in open(sys.argv[1])][-1]
c1 = [c for c in last1["clocks"] if {c["a"], c["b"]} == {1, 2}]
assert c1 and c1[0]["estimated"], last1["clocks"]
e1 = c1[0]["offset_us"] if (c1[0]["a"], c1[0]["b"]) == (1, 2) else -c1[0]["offset_us"]
assert abs(e1 - truth) <= 20, "node 1: %.3f" % e1
# the latest interval with records of 1 > 2: corrected, positive, additive
for doc in reversed([json.loads(l) for l in open(sys.argv[2])]):
    ps = [p for p in doc["pairs"] if p["src_ip"] == "10.244.1.2"
          and p["proto"] == "icmp" and p["latency_us"]["e2e"]["count"]]
    if ps:
        break
p = ps[0]
hops = p["latency_us"]["hops"]
cross = [h for h in hops if h["from_node"] != h["to_node"]]
assert cross and all(h["count"] and not h.get("unknown") for h in cross), hops
for h in hops:
    assert h["count"] and 0 < h["p50"] < 1000, h
# the receiving container's own hop, on whichever side the clock is
assert hops[-1]["to"] == "ct_rx", hops
e2e = p["latency_us"]["e2e"]
total = sum(h["mean"] for h in hops)
assert abs(total - e2e["mean"]) <= 0.02 * e2e["mean"] + 0.05, (total, e2e)
print("node 2: %s; e2e mean %.1f us = sum of hops %.1f us" % (
    ", ".join("%s>%s %.1f" % (h["from"], h["to"], h["p50"]) for h in hops),
    e2e["mean"], total))
EOP
	it_node_exporters_stop
}
run 5000000
run -5000000

# 10 % loss on the underlay, node 1 to node 2 (its VXLAN packets)
ip netns exec cmckn1 nft -f - <<NFT || it_fail "cannot add the underlay drop"
table inet cmck {
	chain out {
		type filter hook output priority 0; policy accept;
		oifname "cmcku1" udp dport 8472 numgen random mod 10 == 0 drop
	}
}
NFT
# shellcheck disable=SC2046
it_node_exporter 2 $(it_node_peer 2 1)
# shellcheck disable=SC2046
it_node_exporter 1 $(it_node_peer 1 2)
sleep 1
# (the flow first, so node 2 has node 1's counters of it from the start)
it_udp_paced 1 "10.244.2.2" 5003 20000 2.5
sleep 3			# node 1's last counters reach node 2
ip netns exec cmckn1 nft delete table inet cmck
python3 - "$IT_TMP/node2.json" <<'EOP' || it_fail "underlay loss"
import json, sys
lost = packets = 0
hops = set()
for line in open(sys.argv[1]):
    for p in json.loads(line)["pairs"]:
        if p["src_ip"] == "10.244.1.2" and p["proto"] == "udp":
            lost += p["loss"]["lost"]
            packets += p["packets"]
            if p["loss"]["lost"]:
                hops.add(p["loss"]["hop"])
ratio = lost / max(packets, 1)
print("underlay loss seen by node 2: %d of %d packets (%.3f) at %s"
      % (lost, packets, ratio, sorted(hops)))
# (20100 sent: none counted twice where the two nodes' counters join)
assert 19000 <= packets <= 20100, packets
assert 0.07 <= ratio <= 0.13, ratio
assert hops == {"ovl_out>ovl_in"}, hops
EOP
echo "PASS: cross-node offset estimated and applied; unknown before"
