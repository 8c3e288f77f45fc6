#!/bin/sh
# Containers on two Linux bridges of one node, the node routing between
# them: a traced packet goes from its container's veth to the first
# bridge, up to the node's stack, out through the second bridge (the host
# stack's hop there, host_out, sees it pass) to the other container.  It
# stays one kernel buffer all the way, and its annotation waits beside it
# (the skb carrier): every packet traced, every one makes its record, none
# is missed or left unclaimed, and the receiver gets every datagram.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtb2
NODE=${CMON_PFX}n1 B1=${CMON_PFX}b1 B2=${CMON_PFX}b2
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2
NET2=${NET%.*}.$((${NET##*.} + 1))
IP1=$NET.2 IP2=$NET2.2
cmon_ns_routed_node "$NODE" || it_fail "cannot create node $NODE"
for b in "$B1:$NET" "$B2:$NET2"; do
	ip -n "$NODE" link add "${b%%:*}" type bridge &&
	ip -n "$NODE" addr add "${b#*:}.1/24" dev "${b%%:*}" &&
	ip -n "$NODE" link set "${b%%:*}" up ||
		it_fail "cannot create bridge ${b%%:*}"
done
pod() {	# pod NAME BRIDGE ADDR
	local port
	port=$(cmon_ns_port "$1")
	ip netns add "$1" &&
	ip -n "$NODE" link add "$port" type veth peer name eth0 netns "$1" &&
	ip -n "$NODE" link set "$port" master "$2" up &&
	ip -n "$1" link set lo up &&
	ip -n "$1" addr add "$3/24" dev eth0 &&
	ip -n "$1" link set eth0 up &&
	ip -n "$1" route add default via "${3%.*}.1" ||
		it_fail "cannot create container $1"
}
pod "$C1" "$B1" "$IP1"
pod "$C2" "$B2" "$IP2"
it_in 1 ping -c 1 -W 2 "$IP2" >/dev/null ||
	it_fail "the node does not route between the bridges"

it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
ip netns exec "$NODE" "$AGENT" --bridge "$B1" --bridge "$B2" --sample 1 \
	--json --interval 0.5 >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "monitoring 2 container port(s) on 2 bridge(s)" 10 ||
	it_fail "agent did not start: $(tail -5 "$IT_TMP/agent.err")"

it_udp_recv 2 5003
rpid=$!
it_udp_paced 1 "$IP2" 5003 5000
wait "$rpid"
it_settle 2
it_all_traced "$C1" "$C2" 5000
it_agent_stop
echo "PASS: traced across two bridges through the node's stack, none missed"
