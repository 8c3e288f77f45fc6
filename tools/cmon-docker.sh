# A private Docker for the demo and the tests (sourced; bash or dash):
# Debian's dockerd with its own data root, exec root, pid file and socket
# under a directory of the caller's, no default bridge (networks are
# created with a bridge name of the caller's), iptables on as in
# production; an image imported from busybox-static, since no registry is
# reachable.  What dockerd changes on the host (iptables rules and the
# FORWARD policy, ip_forward, bridge netfilter) is put back when it stops.
#
#   cmon_docker_start DIR   start it; DOCKER="docker -H unix://DIR/docker.sock"
#   cmon_docker_image NAME  import busybox-static as image NAME (once)
#   cmon_docker_net NAME BRIDGE SUBNET  a network on bridge BRIDGE
#   cmon_docker_sandbox CT  the network namespace path of container CT
#   cmon_docker_stop        remove its containers, stop it, put back the host

# Why Docker cannot run here, or nothing.
cmon_docker_missing() {
	if ! command -v dockerd >/dev/null || [ ! -x /usr/bin/docker ]; then
		echo "Docker is not installed (tools/install-deps installs docker.io)"
	elif ! command -v busybox >/dev/null; then
		echo "busybox-static is not installed (tools/install-deps)"
	elif ! command -v iptables-save >/dev/null; then
		echo "iptables is not installed"
	fi
}

cmon_docker_start() {
	local i
	CMON_DOCKER_DIR=$1
	mkdir -p "$CMON_DOCKER_DIR"
	iptables-save >"$CMON_DOCKER_DIR/iptables.before" || return 1
	nft list tables >"$CMON_DOCKER_DIR/nft.before" 2>/dev/null
	cat /proc/sys/net/ipv4/ip_forward >"$CMON_DOCKER_DIR/ip_forward.before"
	cat /proc/sys/net/bridge/bridge-nf-call-iptables \
		>"$CMON_DOCKER_DIR/bridge-nf.before" 2>/dev/null || true
	DOCKER="/usr/bin/docker -H unix://$CMON_DOCKER_DIR/docker.sock"
	# as on a host where Docker starts first: it turns forwarding on and
	# sets the FORWARD policy to DROP
	echo 0 >/proc/sys/net/ipv4/ip_forward
	dockerd --data-root "$CMON_DOCKER_DIR/data" \
		--exec-root "$CMON_DOCKER_DIR/exec" \
		--pidfile "$CMON_DOCKER_DIR/dockerd.pid" \
		-H "unix://$CMON_DOCKER_DIR/docker.sock" --bridge none \
		>"$CMON_DOCKER_DIR/dockerd.log" 2>&1 &
	CMON_DOCKER_PID=$!
	for i in $(seq 100); do
		$DOCKER version >/dev/null 2>&1 && return 0
		kill -0 "$CMON_DOCKER_PID" 2>/dev/null || break
		sleep 0.2
	done
	echo "dockerd did not start: $(tail -3 "$CMON_DOCKER_DIR/dockerd.log")" >&2
	return 1
}

cmon_docker_image() {
	local root
	$DOCKER image inspect "$1" >/dev/null 2>&1 && return 0
	root=$CMON_DOCKER_DIR/rootfs
	mkdir -p "$root/bin" "$root/etc" "$root/tmp" || return 1
	cp "$(command -v busybox)" "$root/bin/busybox" || return 1
	for c in sh sleep nc ping ip cat echo wget httpd; do
		ln -sf busybox "$root/bin/$c"
	done
	tar -C "$root" -c . | $DOCKER import - "$1" >/dev/null
}

cmon_docker_net() {
	$DOCKER network create -o "com.docker.network.bridge.name=$2" \
		--subnet "$3" "$1" >/dev/null
}

cmon_docker_sandbox() {
	$DOCKER inspect -f '{{.NetworkSettings.SandboxKey}}' "$1"
}

cmon_docker_stop() {
	local i ids
	[ -n "${CMON_DOCKER_PID:-}" ] || return 0
	ids=$($DOCKER ps -aq 2>/dev/null)
	[ -n "$ids" ] && $DOCKER rm -f $ids >/dev/null 2>&1
	$DOCKER network prune -f >/dev/null 2>&1
	kill "$CMON_DOCKER_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$CMON_DOCKER_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$CMON_DOCKER_PID" 2>/dev/null
	CMON_DOCKER_PID=
	# what dockerd changed on the host, as it was
	for t in filter nat; do
		iptables -t "$t" -F && iptables -t "$t" -X
	done 2>/dev/null
	iptables -P FORWARD ACCEPT
	iptables-restore <"$CMON_DOCKER_DIR/iptables.before"
	# tables iptables-nft made for it, if there were none before
	for t in filter nat; do
		grep -qx "table ip $t" "$CMON_DOCKER_DIR/nft.before" 2>/dev/null ||
			nft delete table ip "$t" 2>/dev/null
	done
	cat "$CMON_DOCKER_DIR/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
	[ -s "$CMON_DOCKER_DIR/bridge-nf.before" ] &&
		cat "$CMON_DOCKER_DIR/bridge-nf.before" \
			>/proc/sys/net/bridge/bridge-nf-call-iptables
	# the overlay mounts of its containers are gone with them
	grep -q " $CMON_DOCKER_DIR/" /proc/mounts &&
		grep " $CMON_DOCKER_DIR/" /proc/mounts | cut -d' ' -f2 |
		sort -r | xargs -r umount 2>/dev/null
	return 0
}
