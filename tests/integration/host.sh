#!/bin/sh
# Containers and host processes (the bridge's address, docker0's gateway):
# what the host sends is stamped at the bridge's egress (host_out), what is
# delivered to it stripped at the bridge's ingress (host_in).  UDP
# byte-exact and TCP sha256-exact both ways with TSO on, ping both ways,
# the hops of both paths positive and adding up, a container's forged
# annotation delivered to the host unchanged, a host address reached
# through a bridge port (not the bridge's ingress) never annotated, and
# the bridge left as found.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmth
it_host 1
HOST_IP=$NET.1
CT_IP=$(it_ip 1)
it_agent_start --sample 1
[ "$(it_tcx_progs | grep -c cmon_host_in)" = 1 ] ||
	it_fail "no host_in hop on the bridge"

it_udp_exact cmthc1 - "$HOST_IP" 0-3000 ||
	it_fail "container to host: $(cat "$IT_TMP/recv")"
echo "container>host UDP: $(tail -1 "$IT_TMP/recv")"
it_udp_exact - cmthc1 "$CT_IP" 0-3000 ||
	it_fail "host to container: $(cat "$IT_TMP/recv")"
echo "host>container UDP: $(tail -1 "$IT_TMP/recv")"

head -c 20M /dev/urandom >"$IT_TMP/data"
want=$(sha256sum <"$IT_TMP/data" | cut -d' ' -f1)
# tcp_send RECEIVER_NS SENDER_NS DST: 20 MB over TCP, sha256 compared
tcp_send() {
	it_netns "$1" sh -c "socat -u TCP-LISTEN:5002,bind=$3,reuseaddr - |
		sha256sum" >"$IT_TMP/got" &
	rpid=$!
	it_listening "$1" 5002
	it_netns "$2" socat -u "FILE:$IT_TMP/data" "TCP:$3:5002" ||
		it_fail "TCP sender to $3 failed"
	wait "$rpid"
	got=$(cut -d' ' -f1 "$IT_TMP/got")
	[ "$got" = "$want" ] ||
		it_fail "TCP to $3: sent sha256 $want, received $got"
}
tcp_send - cmthc1 "$HOST_IP"
tcp_send cmthc1 - "$CT_IP"
echo "TCP 20 MB sha256-exact both ways"

it_in 1 ping -q -c 20 -i 0.02 "$HOST_IP" >/dev/null || it_fail "ping host failed"
ping -q -c 20 -i 0.02 "$CT_IP" >/dev/null || it_fail "ping container failed"
it_forged cmthc1 - "$CT_IP" "$HOST_IP" >/dev/null
it_settle

python3 - "$IT_TMP/agent.json" <<PY || it_fail "host stack paths"
import sys
sys.path.insert(0, "$HERE")
from query import load, summary
objs = load(sys.argv[1])
# the path each way: its first and last hop, and the least it must trace
want = {("cmthc1", "host"): ("veth_in", "host_in"),
        ("host", "cmthc1"): ("host_out", "veth_out")}
least = {"udp": 3000, "tcp": 100, "icmp": 40}
for (src, dst), (first, last) in want.items():
    for proto, n in least.items():
        s = summary(objs, src, dst, proto)
        segs = s["seg_means"]
        print("%s>%s %s: traced %d lost %d e2e %.1f us hops %s" %
              (src, dst, proto, s["traced"], s["lost"], s["e2e_mean"],
               {k: round(v, 1) for k, v in segs.items()}))
        assert s["traced"] >= n, "only %d traced" % s["traced"]
        assert s["lost"] == 0, "loss reported on a lossless path"
        assert "%s>%s" % (first, last) in segs, "no %s>%s hop" % (first, last)
        assert all(v > 0 for v in segs.values()), "a hop is not positive"
        total = sum(segs.values())
        assert abs(total - s["e2e_mean"]) <= 0.01 * s["e2e_mean"] + 0.01, \
            "hops sum to %.3f, e2e %.3f" % (total, s["e2e_mean"])
PY
stamped=$(it_query - - - stamped)
stripped=$(it_query - - - stripped)
echo "stamped=$stamped stripped=$stripped sanitised=$(it_query - - - sanitised)"
[ "$stamped" = "$stripped" ] || it_fail "stamped $stamped but stripped $stripped"
[ "$(it_query - - - sanitised)" -gt 0 ] ||
	it_fail "the forged decision bit was not counted as sanitised"
for c in bad_tag bad_version malformed skip_room ring_full; do
	[ "$(it_query - - - "$c")" = 0 ] || it_fail "counter $c is not 0"
done

# A host address on another device inside the bridge's subnet, reached
# through a bridge port as OVS's internal port would be: no hop of the
# bridge sees it, so it is not stamped, and it arrives byte-exact
ip link add cmthv0 type veth peer name cmthv1 &&
	ip link set cmthv0 master "$BR" up && ip link set cmthv1 up &&
	sysctl -qw net.ipv4.conf.cmthv1.rp_filter=0 &&
	ip addr add "$NET.200/24" dev cmthv1 ||
	it_fail "cannot add a host address behind a bridge port"
it_in 1 ip neigh replace "$NET.200" \
	lladdr "$(cat /sys/class/net/cmthv1/address)" dev eth0
sleep 1.5	# the agent's next scan sees the address
it_udp_exact cmthc1 - "$NET.200" 0-1400 ||
	it_fail "to a host address behind a bridge port: $(cat "$IT_TMP/recv")"
echo "host address behind a bridge port: $(tail -1 "$IT_TMP/recv")"
ip link del cmthv0
it_agent_stop
it_tcx_progs | grep -q cmon_ && it_fail "a cmon program is left attached"
tc qdisc show dev "$BR" | grep -q clsact && it_fail "clsact left on the bridge"

# --no-host-hops: the bridge is left alone, host traffic is not stamped
it_agent_start --sample 1 --no-host-hops
it_tcx_progs | grep -q cmon_host &&
	it_fail "--no-host-hops attached to the bridge"
it_in 1 ping -q -c 10 -i 0.02 "$HOST_IP" >/dev/null || it_fail "ping failed"
it_settle
[ "$(it_query - - - stamped)" = 0 ] || it_fail "--no-host-hops stamped"
[ "$(it_query - - - skip_dst)" -ge 10 ] ||
	it_fail "--no-host-hops: packets to the host not counted as skip_dst"
it_agent_stop
echo "PASS: container <-> host process traced both ways, byte-exact"
