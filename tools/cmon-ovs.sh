# Shell library: a private Open vSwitch with DPDK (the patched ovs-vswitchd
# from tools/build-ovs) and containers plugged into it.  Sourced by the
# integration tests and tools/cmon-demo after tools/cmon-netns.sh.  Every
# object is named with $CMON_PFX; the instance lives in $CMON_OVS_DIR and
# stops by the PIDs it wrote there.
#
#   cmon_ovs_start DIR [KEY=VALUE...]  hugepages, ovsdb-server, ovs-vswitchd
#                                      (DPDK file prefix ${CMON_PFX}ovs),
#                                      bridge ${CMON_PFX}ovs; KEY=VALUE go to
#                                      Open_vSwitch other_config; ovs-ofctl
#                                      reaches the bridge at $CMON_OVS_OF
#   cmon_ovs_vswitchd                  ovs-vswitchd again on the same database
#   cmon_ovs_vsctl ARGS / cmon_ovs_appctl ARGS
#   cmon_ovs_container NAME IP ROLE [BR]  netns NAME, eth0 = IP/24, its
#                                      veth plugged in as a DPDK af_packet
#                                      port (ROLE -: no cmon-role given) of
#                                      bridge BR (default $CMON_OVS_BR)
#   cmon_ovs_uplink BR ROLE            a veth from Linux bridge BR into OVS
#                                      (af_packet port ${CMON_PFX}up)
#   cmon_ovs_vhost NAME ROLE           dpdkvhostuserclient port NAME; its
#                                      socket is $CMON_OVS_DIR/NAME.sock
#   cmon_ovs_testpmd NAME ARGS         dpdk-testpmd as DPDK application NAME
#   cmon_ovs_testpmd_quit NAME         stop it as a user would: it prints
#                                      its counts and exits
#   cmon_ovs_testpmd_total NAME FIELD  its last count of FIELD (TX-packets)
#   cmon_ovs_dpdk_app NAME MAC QUEUES MODE [TESTPMD-ARGS...]  dpdk-testpmd
#                                      on virtio-user to the vhost port NAME,
#                                      QUEUES queues, forwarding MODE, until
#                                      the port is up
#   cmon_ovs_dpdk_container NAME IP MAC  that, echoing packets back
#                                      (5-tuple swap) as a DPDK app would
#   cmon_ovs_stop                      stop and remove all of the above
#
# Needs: OVS_BUILD (tree with vswitchd/ovs-vswitchd), root, 2 MB hugepages.
# Safe under `set -e`.

# 2 MB pages made sure to be free: ovs-vswitchd may use 512 MB (it sizes its
# mempools to what it can get), each DPDK container 128 MB
CMON_OVS_PAGES=${CMON_OVS_PAGES:-768}

cmon_ovs_vsctl() {
	ovs-vsctl --db="unix:$CMON_OVS_DIR/db.sock" --timeout=20 "$@"
}

cmon_ovs_appctl() {
	ovs-appctl -t "$CMON_OVS_DIR/vswitchd.ctl" "$@"
}

# Make sure N 2 MB pages are free, raising the pool (remembered for stop).
cmon_ovs_hugepages() {
	local free total
	free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	total=$(cat /proc/sys/vm/nr_hugepages)
	[ "$free" -ge "$1" ] && return 0
	echo "$total" >"$CMON_OVS_DIR/nr_hugepages.orig"
	echo $((total + $1 - free)) >/proc/sys/vm/nr_hugepages
	free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	[ "$free" -ge "$1" ] || {
		echo "cmon-ovs: only $free free 2 MB hugepages, $1 needed" >&2
		return 1
	}
}

cmon_ovs_start() {
	local dir=$1 kv vswitchd=$OVS_BUILD/vswitchd/ovs-vswitchd n
	shift
	CMON_OVS_DIR=$dir
	CMON_OVS_BR=${CMON_PFX}ovs
	CMON_OVS_PREFIX=${CMON_PFX}ovs
	CMON_OVS_OF=unix:$dir/$CMON_OVS_BR.mgmt
	[ -x "$vswitchd" ] || {
		echo "cmon-ovs: $vswitchd not built (run tools/build-ovs)" >&2
		return 1
	}
	mkdir -p "$dir/huge"
	cmon_ovs_hugepages "$CMON_OVS_PAGES" || return 1
	mount -t hugetlbfs -o pagesize=2M nodev "$dir/huge" || return 1
	ovsdb-tool create "$dir/conf.db" \
		/usr/share/openvswitch/vswitch.ovsschema || return 1
	ovsdb-server "$dir/conf.db" --remote="punix:$dir/db.sock" \
		--pidfile="$dir/ovsdb.pid" --unixctl="$dir/ovsdb.ctl" \
		--log-file="$dir/ovsdb.log" --detach 2>>"$dir/ovsdb.err" || return 1
	cmon_ovs_vsctl --no-wait init
	cmon_ovs_vsctl --no-wait set Open_vSwitch . \
		other_config:dpdk-init=true \
		other_config:dpdk-socket-mem=256 \
		other_config:dpdk-socket-limit=512 \
		other_config:dpdk-hugepage-dir="$dir/huge" \
		other_config:dpdk-extra="--file-prefix=$CMON_OVS_PREFIX --no-pci" \
		other_config:dpdk-multi-process=true \
		other_config:pmd-cpu-mask=0x1 || return 1
	for kv in "$@"; do
		cmon_ovs_vsctl --no-wait set Open_vSwitch . "other_config:$kv" ||
			return 1
	done
	cmon_ovs_vswitchd || return 1
	cmon_ovs_vsctl add-br "$CMON_OVS_BR" -- set bridge "$CMON_OVS_BR" \
		datapath_type=netdev
}

# Start ovs-vswitchd on the database of cmon_ovs_start (again, after it
# exited: it takes its bridges and ports from there) and wait for DPDK.
cmon_ovs_vswitchd() {
	local dir=$CMON_OVS_DIR vswitchd=$OVS_BUILD/vswitchd/ovs-vswitchd n=0

	OVS_RUNDIR=$dir OVS_LOGDIR=$dir OVS_DBDIR=$dir "$vswitchd" \
		"unix:$dir/db.sock" --pidfile="$dir/vswitchd.pid" \
		--unixctl="$dir/vswitchd.ctl" --log-file="$dir/vswitchd.log" \
		--detach 2>"$dir/vswitchd.err" || {
		cat "$dir/vswitchd.err" >&2
		return 1
	}
	# (dpdk_initialized stays true in the database from a last run)
	until cmon_ovs_appctl version >/dev/null 2>&1 &&
	      cmon_ovs_vsctl get Open_vSwitch . dpdk_initialized 2>/dev/null |
	      grep -q true; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || {
			echo "cmon-ovs: DPDK did not initialise:" >&2
			tail -5 "$dir/vswitchd.log" >&2
			return 1
		}
		sleep 0.2
	done
}

# Wait until interface $1 has a port number in OVS (DPDK ports take a
# moment) and, with "up", until its link is up (vhost-user: peer connected).
cmon_ovs_wait_port() {
	local n=0
	until [ "$(cmon_ovs_vsctl get Interface "$1" ofport 2>/dev/null)" -gt 0 ] \
		2>/dev/null && { [ "${2:-}" != up ] ||
		[ "$(cmon_ovs_vsctl get Interface "$1" link_state)" = up ]; }; do
		n=$((n + 1))
		[ "$n" -lt 300 ] || {
			echo "cmon-ovs: port $1 did not come up:" >&2
			cmon_ovs_vsctl get Interface "$1" error >&2
			return 1
		}
		sleep 0.1
	done
}

# OVS port NAME: DPDK's af_packet PMD on host interface IFACE, cmon ROLE
# ("-": none given, so the template of cmon-dpdk's rules decides), on
# bridge BRIDGE (default $CMON_OVS_BR).
cmon_ovs_afpacket() {
	local role="other_config:cmon-role=$3" br=${4:-$CMON_OVS_BR}
	[ "$3" != - ] || role="other_config={}"
	ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1
	# what the host's own stack sends on IFACE the PMD reads as well:
	# no IPv6 (see cmon_ovs_container)
	echo 1 >"/proc/sys/net/ipv6/conf/$2/disable_ipv6"
	cmon_ovs_vsctl add-port "$br" "$1" -- set Interface "$1" \
		type=dpdk options:dpdk-devargs="net_af_packet_$1,iface=$2" \
		"$role" || return 1
	cmon_ovs_wait_port "$1"
}

cmon_ovs_container() {
	local name=$1 addr=$2 role=$3 br=${4:-$CMON_OVS_BR} port
	port=$(cmon_ns_port "$name")
	ip netns add "$name" || return 1
	# IPv4 only: the kernel solicits routers for ever (at 4 s, 8 s, ...
	# up to an hour apart), and a solicitation the switch floods lands
	# in what the tests count a policer or a rule dropped
	ip netns exec "$name" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link add "$port" type veth peer name eth0 netns "$name" || return 1
	ip link set "$port" up
	ip -n "$name" addr add "$addr/24" dev eth0
	ip -n "$name" link set eth0 up
	ip -n "$name" link set lo up
	# af_packet sees what the stack hands the veth: with transmit
	# checksum offload, TSO or GSO on, it gets partial checksums and
	# super-packets the switch forwards as they are, and TCP stalls
	ip netns exec "$name" ethtool -K eth0 tx off tso off gso off \
		>/dev/null 2>&1
	cmon_ovs_afpacket "$name" "$port" "$role" "$br"
}

cmon_ovs_uplink() {
	local br=$1 role=$2 a=${CMON_PFX}upb b=${CMON_PFX}upo
	ip link add "$a" type veth peer name "$b" || return 1
	ip link set "$a" master "$br" up
	ip link set "$b" up
	ethtool -K "$a" tx off tso off gso off gro off >/dev/null 2>&1
	cmon_ovs_afpacket "${CMON_PFX}up" "$b" "$role"
}

cmon_ovs_vhost() {
	cmon_ovs_vsctl add-port "$CMON_OVS_BR" "$1" -- set Interface "$1" \
		type=dpdkvhostuserclient \
		options:vhost-server-path="$CMON_OVS_DIR/$1.sock" \
		other_config:cmon-role="$2"
}

# cmon_ovs_testpmd NAME [EAL-ARGS...] -- TESTPMD-ARGS...: dpdk-testpmd as
# DPDK application NAME in the background (its own in-memory DPDK instance,
# file prefix NAME, hugepages from the switch's pool, forwarding lcore on
# CPU 1 while the switch's PMD thread is on CPU 0); log in
# $CMON_OVS_DIR/NAME.testpmd.log.  A running NAME is stopped first.
cmon_ovs_testpmd() {
	local name=$1
	shift
	cmon_ovs_testpmd_stop "$name"
	# testpmd exits at end of input: give it a FIFO nobody writes to
	mkfifo "$CMON_OVS_DIR/$name.stdin"
	dpdk-testpmd --in-memory --no-pci --file-prefix="$name" \
		-l 0,1 -m 128 --single-file-segments \
		--huge-dir="$CMON_OVS_DIR/huge" "$@" \
		>"$CMON_OVS_DIR/$name.testpmd.log" 2>&1 \
		0<>"$CMON_OVS_DIR/$name.stdin" &
	echo $! >"$CMON_OVS_DIR/$name.testpmd.pid"
}

# A line on its input stops testpmd NAME: it prints its counts and exits
# (1 if it did not within 10 s).
cmon_ovs_testpmd_quit() {
	local n=0
	echo >"$CMON_OVS_DIR/$1.stdin"
	until grep -q "Bye" "$CMON_OVS_DIR/$1.testpmd.log"; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || return 1
		sleep 0.1
	done
}

cmon_ovs_testpmd_total() {
	sed -n "s/.*$2: *\([0-9]*\).*/\1/p" "$CMON_OVS_DIR/$1.testpmd.log" |
		tail -1
}

cmon_ovs_testpmd_stop() {
	cmon_ovs_kill "$CMON_OVS_DIR/$1.testpmd.pid"
	rm -f "$CMON_OVS_DIR/$1.stdin"
	rm -rf "/var/run/dpdk/$1"	# its DPDK runtime directory
}

# A DPDK application: testpmd on virtio-user NAME (MAC, QUEUES receive and
# send queues, one forwarding core), forwarding by MODE; returns once the
# switch's port is up.
cmon_ovs_dpdk_app() {
	local name=$1 mac=$2 q=$3 mode=$4
	shift 4
	cmon_ovs_testpmd "$name" \
		--vdev="net_virtio_user0,path=$CMON_OVS_DIR/$name.sock,server=1,mac=$mac,queues=$q" \
		-- --forward-mode="$mode" --auto-start --stats-period=0 \
		--tx-offloads=0 --rxq="$q" --txq="$q" --nb-cores=1 \
		--total-num-mbufs=4096 "$@"
	cmon_ovs_wait_port "$name" up
}

# A DPDK application container: testpmd on virtio-user, answering every
# packet with source and destination swapped at L2, L3 and L4.
cmon_ovs_dpdk_container() {
	cmon_ovs_dpdk_app "$1" "$3" 1 5tswap
}

# cmon_ovs_kill PIDFILE: stop that process (TERM; KILL after 3 s).
cmon_ovs_kill() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	rm -f "$1"
	kill "$pid" 2>/dev/null || return 0
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.3
	done
	kill -9 "$pid" 2>/dev/null || true
}

cmon_ovs_stop() {
	local f n
	[ -n "${CMON_OVS_DIR:-}" ] && [ -d "$CMON_OVS_DIR" ] || return 0
	for f in "$CMON_OVS_DIR"/*.testpmd.pid; do
		[ -f "$f" ] || continue
		n=${f##*/}
		cmon_ovs_testpmd_stop "${n%.testpmd.pid}"
	done
	cmon_ovs_kill "$CMON_OVS_DIR/vswitchd.pid"
	cmon_ovs_kill "$CMON_OVS_DIR/ovsdb.pid"
	# the tap the netdev datapath made for the bridge outlives the switch
	ip link del "${CMON_OVS_BR:-${CMON_PFX}ovs}" 2>/dev/null || true
	umount "$CMON_OVS_DIR/huge" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$CMON_OVS_PREFIX"
	if [ -f "$CMON_OVS_DIR/nr_hugepages.orig" ]; then
		cat "$CMON_OVS_DIR/nr_hugepages.orig" >/proc/sys/vm/nr_hugepages
	fi
	return 0
}
