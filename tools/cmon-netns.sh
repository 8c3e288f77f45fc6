# Shell library: docker0-style hosts made of network namespaces.
# Sourced by tools/cmon-demo and the integration tests.  Every object is
# named with $CMON_PFX (default "cmt") so cleanup removes only ours.
#
#   cmon_ns_bridge BR SUBNET_PREFIX      bridge with gateway PREFIX.1/24
#   cmon_ns_container NAME BR IP         namespace NAME, eth0 = IP/24 on BR
#   cmon_ns_port NAME                    host-side veth of container NAME
#   cmon_ns_cleanup                      remove every $CMON_PFX object

CMON_PFX=${CMON_PFX:-cmt}

cmon_ns_bridge() {
	ip link add "$1" type bridge || return 1
	ip addr add "$2.1/24" dev "$1"
	ip link set "$1" up
}

# Host-side veth name of container NAME.
cmon_ns_port() {
	echo "${CMON_PFX}v$(printf '%s' "$1" | cksum | cut -c1-8)"
}

# Docker's layout: netns with eth0 (veth) whose peer is enslaved to BR.
cmon_ns_container() {
	local name=$1 br=$2 addr=$3 port
	port=$(cmon_ns_port "$name")
	ip netns add "$name" || return 1
	ip link add "$port" type veth peer name eth0 netns "$name" || return 1
	ip link set "$port" master "$br" up
	ip -n "$name" addr add "$addr/24" dev eth0
	ip -n "$name" link set eth0 up
	ip -n "$name" link set lo up
	ip -n "$name" route add default via "${addr%.*}.1"
}

cmon_ns_container_del() {
	ip netns del "$1" 2>/dev/null
}

cmon_ns_cleanup() {
	local ns l
	for ns in $(ip netns list | awk '{print $1}' | grep "^$CMON_PFX"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns"
	done
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 |
		   grep "^$CMON_PFX"); do
		ip link del "$l" 2>/dev/null
	done
	return 0
}
