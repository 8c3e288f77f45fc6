#!/bin/sh
# Containers routed without a bridge, as Calico wires them (the routed
# template): cmon-kern in a node namespace, given only a rule file whose
# template names the host ends of the containers' veths by a glob.
#   - both containers found and attached by the glob alone, and not a
#     veth the glob does not match
#   - UDP byte-exact (0..1472 B) through the node's routing
#   - every packet counted and traced (the rule: every packet), with the
#     node's forwarding at veth_in>veth_out
#   - a firewall drop in the node's forward chain: the exact loss, at
#     veth_in>veth_out, with the kernel's reason
#   - the page draws them as a group of their own, "routed by the host"
#   - the template without the glob: both containers detached
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtrt
NODE=${CMON_PFX}n1
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 C3=${CMON_PFX}c3
IP1=$NET.2 IP2=$NET.3 IP3=$NET.4
cmon_ns_routed_node "$NODE" || it_fail "cannot create node $NODE"
cmon_ns_routed_container "$NODE" "$C1" "$IP1" &&
cmon_ns_routed_container "$NODE" "$C2" "$IP2" &&
cmon_ns_routed_container "$NODE" "$C3" "$IP3" ||
	it_fail "cannot create the routed containers"
cmon_ns_routed_rename "$NODE" "$C3" "$IP3" "${CMON_PFX}x3" ||
	it_fail "cannot rename $C3's host end out of the glob"
it_in 1 ping -c 1 -W 2 "$IP2" >/dev/null ||
	it_fail "the node does not route between the containers"

RULES=$IT_TMP/rules.yaml
write_rules() {	# write_rules GLOBS
	cat >"$RULES.new" <<YAML
version: 1
templates:
  - { template: calico, veths: [$1], hops: [veth_in, veth_out] }
template: calico
sample: 1
YAML
	mv "$RULES.new" "$RULES"
}
write_rules "\"${CMON_PFX}v*\""

it_agent_node "$NODE" "$C1 $C2" --rules "$RULES" \
	--http 127.0.0.1:0 --web-root "$top_builddir/web/dist"
for c in "$C1" "$C2"; do
	grep -q "container $c joined .* on no bridge: routed" "$IT_TMP/agent.err" ||
		it_fail "$c not attached as routed: $(tail -5 "$IT_TMP/agent.err")"
done
grep -q "container $C3 joined" "$IT_TMP/agent.err" &&
	it_fail "$C3 attached although its veth does not match"

it_udp_exact "$C1" "$C2" "$IP2" 0-1472/7 ||
	it_fail "UDP through the routed hops not byte-exact"

# a firewall in the node's forward chain drops one flow of the pair
ip netns exec "$NODE" nft -f - <<NFT || it_fail "cannot add the nft rule"
table inet $CMON_PFX {
	chain node_forward { type filter hook forward priority 0; udp dport 5010 counter drop; }
}
NFT
sleep 1.5	# (the reports of the traffic before are written)
n0=$(wc -l <"$IT_TMP/agent.json")
it_udp_recv 2 5009 3
rpid=$!
it_in 1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2500):
    s.sendto(b'x' * 200, ('$IP2', 5010 if i % 5 == 0 else 5009))
    if i % 100 == 99:
        time.sleep(0.01)
"
wait "$rpid"
got=$(sed -n 's/^received //p' "$IT_TMP/r2")
sleep 2.5	# a gap is loss once three reads show it
tail -n +"$((n0 + 1))" "$IT_TMP/agent.json" >"$IT_TMP/window.json"
w() { python3 "$HERE/query.py" "$IT_TMP/window.json" "$@"; }
echo "c1>c2: packets=$(w "$C1" "$C2" udp packets) traced=$(w "$C1" "$C2" udp traced) lost=$(w "$C1" "$C2" udp lost) at [$(w "$C1" "$C2" udp loss_hops)] [$(w "$C1" "$C2" udp reasons)]; received $got; segments $(w "$C1" "$C2" udp seg_means)"
[ "$got" = 2000 ] || it_fail "C2 received $got of 2000 datagrams"
[ "$(w "$C1" "$C2" udp packets)" = 2500 ] ||
	it_fail "$(w "$C1" "$C2" udp packets) packets counted of 2500 sent"
[ "$(w "$C1" "$C2" udp traced)" = 2000 ] ||
	it_fail "$(w "$C1" "$C2" udp traced) traced of the 2000 delivered"
[ "$(w "$C1" "$C2" udp lost)" = 500 ] ||
	it_fail "$(w "$C1" "$C2" udp lost) lost of the 500 the firewall dropped"
[ "$(w "$C1" "$C2" udp loss_hops)" = "veth_in>veth_out" ] ||
	it_fail "loss located at [$(w "$C1" "$C2" udp loss_hops)]"
w "$C1" "$C2" udp reasons | grep -qw NETFILTER_DROP ||
	it_fail "no NETFILTER_DROP reason: $(w "$C1" "$C2" udp reasons)"
w "$C1" "$C2" udp seg_means | grep -q "'veth_in>veth_out'" ||
	it_fail "no veth_in>veth_out latency: $(w "$C1" "$C2" udp seg_means)"

# the page draws them as routed by the host, linked
hport=$(it_http_port "$IT_TMP/agent.err")
it_in 1 ping -q -i 0.1 -w 20 "$IP2" >/dev/null 2>&1 &
IT_PIDS="$IT_PIDS $!"
it_page_topology "$NODE" "http://127.0.0.1:$hport/" routed \
	"routed by the host" group "$C1" "$C2"

# the template without the glob: both containers let go
write_rules ""
for c in "$C1" "$C2"; do
	it_wait "$IT_TMP/agent.err" "container $c left" 10 ||
		it_fail "$c still attached: $(tail -5 "$IT_TMP/agent.err")"
done
echo "PASS: containers routed without a bridge"
