# Shell library: docker0-style hosts made of network namespaces.
# Sourced by tools/cmon-demo and the integration tests.  Every object is
# named with $CMON_PFX (default "cmt") so cleanup removes only ours.
#
#   cmon_ns_bridge BR SUBNET_PREFIX      bridge with gateway PREFIX.1/24
#   cmon_ns_container NAME BR IP         namespace NAME, eth0 = IP/24 on BR
#   cmon_ns_port NAME                    host-side veth of container NAME
#   cmon_ns_cleanup                      remove every $CMON_PFX object
#
# Nodes of a flannel-style VXLAN overlay (namespaces ${CMON_PFX}nN joined
# by an underlay; pods on 10.244.N.0/24 behind cni0 and flannel.1):
#   cmon_ns_underlay                     nodes 1 and 2 and the wire between
#   cmon_ns_node N                       node N's bridge and VTEP
#   cmon_ns_node_pod N NAME IP           a pod namespace on node N
#   cmon_ns_node_route N M               node N's route to node M's pods
#
# Containers routed without a bridge, as Calico wires them:
#   cmon_ns_routed_node NODE             namespace NODE, forwarding on
#   cmon_ns_routed_container NODE NAME IP  namespace NAME, eth0 = IP/32, its
#                                        veth's host end in NODE with a
#                                        host route to IP

CMON_PFX=${CMON_PFX:-cmt}

cmon_ns_bridge() {
	ip link add "$1" type bridge || return 1
	ip addr add "$2.1/24" dev "$1"
	ip link set "$1" up
}

# Host-side veth name of container NAME.
cmon_ns_port() {
	echo "${CMON_PFX}v$(printf '%s' "$1" | cksum | cut -d' ' -f1 | cut -c1-8)"
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

# cmon_ns_underlay [N]: node namespaces PFXn1..PFXnN, each with its
# underlay device PFXuI: two nodes joined by a veth pair (the default),
# more by a bridge in namespace PFXul.
cmon_ns_underlay() {
	local n=${1:-2} i
	for i in $(seq 1 "$n"); do
		ip netns add "${CMON_PFX}n$i" || return 1
	done
	if [ "$n" = 2 ]; then
		ip link add "${CMON_PFX}u1" netns "${CMON_PFX}n1" type veth \
			peer name "${CMON_PFX}u2" netns "${CMON_PFX}n2"
		return
	fi
	ip netns add "${CMON_PFX}ul" || return 1
	ip -n "${CMON_PFX}ul" link add ulbr type bridge || return 1
	ip -n "${CMON_PFX}ul" link set ulbr up
	for i in $(seq 1 "$n"); do
		ip link add "${CMON_PFX}u$i" netns "${CMON_PFX}n$i" type veth \
			peer name "ub$i" netns "${CMON_PFX}ul" || return 1
		ip -n "${CMON_PFX}ul" link set "ub$i" master ulbr up
	done
}

# Node N: underlay 10.250.0.N, bridge cni0 10.244.N.1/24, VXLAN flannel.1
# (VNI 1, UDP 8472, MTU 1450) with address 10.244.N.0/32, as flanneld does.
cmon_ns_node() {
	local n=$1 ns=${CMON_PFX}n$1 ul=${CMON_PFX}u$1
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$ns" addr add "10.250.0.$n/24" dev "$ul"
	ip -n "$ns" link set "$ul" up
	ip -n "$ns" link add cni0 type bridge
	ip -n "$ns" addr add "10.244.$n.1/24" dev cni0
	ip -n "$ns" link set cni0 up
	ip -n "$ns" link add flannel.1 type vxlan id 1 dev "$ul" \
		local "10.250.0.$n" dstport 8472 nolearning
	ip -n "$ns" link set flannel.1 address "02:00:00:00:0$n:01" mtu 1450 up
	ip -n "$ns" addr add "10.244.$n.0/32" dev flannel.1
}

# A pod on node N: eth0 (MTU 1450) in namespace NAME, peer on cni0.
cmon_ns_node_pod() {
	local n=$1 name=$2 addr=$3 port
	port=$(cmon_ns_port "$name")
	ip netns add "$name" || return 1
	ip -n "${CMON_PFX}n$n" link add "$port" mtu 1450 type veth \
		peer name eth0 netns "$name" mtu 1450 || return 1
	ip -n "${CMON_PFX}n$n" link set "$port" master cni0 up
	ip -n "$name" link set lo up
	ip -n "$name" addr add "$addr/24" dev eth0
	ip -n "$name" link set eth0 up
	ip -n "$name" route add default via "10.244.$n.1"
}

# What flanneld programs on node N for node M: route, VTEP neighbour, fdb.
cmon_ns_node_route() {
	local n=$1 m=$2 ns=${CMON_PFX}n$1
	ip -n "$ns" route add "10.244.$m.0/24" via "10.244.$m.0" dev flannel.1 onlink
	ip -n "$ns" neigh add "10.244.$m.0" lladdr "02:00:00:00:0$m:01" \
		dev flannel.1 nud permanent
	bridge -n "$ns" fdb append "02:00:00:00:0$m:01" dev flannel.1 \
		dst "10.250.0.$m"
}

cmon_ns_container_del() {
	ip netns del "$1" 2>/dev/null
}

cmon_ns_routed_node() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1
}

# The container's default gateway is 169.254.1.1, an address every host
# end holds (Calico answers for it by proxy ARP instead).
cmon_ns_routed_container() {
	local node=$1 name=$2 addr=$3 port
	port=$(cmon_ns_port "$name")
	ip netns add "$name" || return 1
	ip -n "$node" link add "$port" type veth peer name eth0 netns "$name" ||
		return 1
	ip -n "$node" addr add 169.254.1.1/32 dev "$port"
	ip -n "$node" link set "$port" up
	ip -n "$node" route add "$addr/32" dev "$port"
	ip -n "$name" link set lo up
	ip -n "$name" addr add "$addr/32" dev eth0
	ip -n "$name" link set eth0 up
	ip -n "$name" route add 169.254.1.1 dev eth0 scope link
	ip -n "$name" route add default via 169.254.1.1 dev eth0
}

# Rename the host end of routed container $2 (address $3) on node $1 to
# $4: out of a template's glob.
cmon_ns_routed_rename() {
	local node=$1 port
	port=$(cmon_ns_port "$2")
	ip -n "$node" link set "$port" down &&
		ip -n "$node" link set "$port" name "$4" &&
		ip -n "$node" link set "$4" up &&
		ip -n "$node" route replace "$3/32" dev "$4"
}

cmon_ns_cleanup() {
	local ns l
	for ns in $(ip netns list | awk '{print $1}' | grep "^$CMON_PFX"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$ns" || true
	done
	# (sysfs, not a netlink dump: one the kernel interrupts, as devices
	# go by the thousand when a switch with their taps exits, may miss
	# some)
	for l in $(ls /sys/class/net | grep "^$CMON_PFX"); do
		# a veth whose peer went first is already gone
		ip link del "$l" 2>/dev/null || true
	done
	return 0
}
