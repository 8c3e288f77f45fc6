# Private container runtimes for the demo and the tests (sourced; bash or
# dash), as Debian packages them and no registry reachable: images are
# imported from busybox-static.  Each runs under a directory of the
# caller's (data, state, socket), its networks on bridges the caller
# names, its firewall rules on as in production; what it changes on the
# host (iptables rules and the FORWARD policy, ip_forward, bridge
# netfilter, the nft tables iptables-nft made) is put back when it stops.
#
# Docker (docker.io):
#   cmon_docker_start DIR   dockerd; DOCKER="docker -H unix://DIR/docker.sock"
#   cmon_docker_image NAME  import busybox-static as image NAME
#   cmon_docker_net NAME BRIDGE SUBNET  a network on bridge BRIDGE
#   cmon_docker_sandbox CT  the network namespace path of container CT
#   cmon_docker_stop        remove its containers, stop it, put back the host
# Podman (podman, netavark):
#   cmon_podman_start DIR   PODMAN="podman --root DIR/...", its API service
#                           (Docker-compatible) at $PODMAN_SOCK
#   cmon_podman_image NAME, cmon_podman_net NAME BRIDGE SUBNET (SUBNET a /24),
#   cmon_podman_run NAME [OPTIONS]  a container sleeping on network NAME's
#                           network (set PODMAN_NET), cmon_podman_stop

# Why Docker (cmon_rt_missing docker) or Podman cannot run here, or nothing.
cmon_rt_missing() {
	if [ "$1" = docker ] && { ! command -v dockerd >/dev/null ||
				   [ ! -x /usr/bin/docker ]; }; then
		echo "Docker is not installed (tools/install-deps installs docker.io)"
	elif [ "$1" = podman ] && ! command -v podman >/dev/null; then
		echo "Podman is not installed (tools/install-deps installs podman)"
	elif ! command -v busybox >/dev/null; then
		echo "busybox-static is not installed (tools/install-deps)"
	elif ! command -v iptables-save >/dev/null; then
		echo "iptables is not installed"
	fi
}

# What a runtime changes on the host, saved under DIR, then put back.
cmon_rt_save_host() {
	iptables-save >"$1/iptables.before" || return 1
	nft list tables >"$1/nft.before" 2>/dev/null
	cat /proc/sys/net/ipv4/ip_forward >"$1/ip_forward.before"
	cat /proc/sys/net/bridge/bridge-nf-call-iptables \
		>"$1/bridge-nf.before" 2>/dev/null || true
	# as on a host where the runtime starts first: it turns forwarding
	# on (and Docker sets the FORWARD policy to DROP)
	echo 0 >/proc/sys/net/ipv4/ip_forward
}

cmon_rt_restore_host() {
	local t
	for t in filter nat; do
		iptables -t "$t" -F && iptables -t "$t" -X
	done 2>/dev/null
	iptables -P FORWARD ACCEPT
	iptables-restore <"$1/iptables.before"
	for t in filter nat; do
		grep -qx "table ip $t" "$1/nft.before" 2>/dev/null ||
			nft delete table ip "$t" 2>/dev/null
	done
	cat "$1/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
	[ -s "$1/bridge-nf.before" ] &&
		cat "$1/bridge-nf.before" >/proc/sys/net/bridge/bridge-nf-call-iptables
	# mounts its containers left
	grep " $1/" /proc/mounts | cut -d' ' -f2 | sort -r |
		xargs -r umount 2>/dev/null
	return 0
}

# A root filesystem of busybox-static as a tar stream on stdout.
cmon_rt_rootfs() {
	local root=$1/rootfs c
	mkdir -p "$root/bin" "$root/etc" "$root/tmp" || return 1
	cp "$(command -v busybox)" "$root/bin/busybox" || return 1
	for c in sh sleep nc ping ip cat echo wget httpd; do
		ln -sf busybox "$root/bin/$c"
	done
	tar -C "$root" -c .
}

# Up to 20 s until CMD... succeeds, while PID runs: 0, or 1.
cmon_rt_until() {
	local pid=$1 i
	shift
	for i in $(seq 100); do
		"$@" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# Wait up to 20 s for PID to exit, then kill it.
cmon_rt_reap() {
	local i
	for i in $(seq 200); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
}

# ---- Docker ----

cmon_docker_start() {
	CMON_DOCKER_DIR=$1
	mkdir -p "$CMON_DOCKER_DIR" && cmon_rt_save_host "$CMON_DOCKER_DIR" ||
		return 1
	DOCKER="/usr/bin/docker -H unix://$CMON_DOCKER_DIR/docker.sock"
	dockerd --data-root "$CMON_DOCKER_DIR/data" \
		--exec-root "$CMON_DOCKER_DIR/exec" \
		--pidfile "$CMON_DOCKER_DIR/dockerd.pid" \
		-H "unix://$CMON_DOCKER_DIR/docker.sock" --bridge none \
		>"$CMON_DOCKER_DIR/dockerd.log" 2>&1 &
	CMON_DOCKER_PID=$!
	cmon_rt_until "$CMON_DOCKER_PID" sh -c "$DOCKER version >/dev/null 2>&1" &&
		return 0
	echo "dockerd did not start: $(tail -3 "$CMON_DOCKER_DIR/dockerd.log")" >&2
	return 1
}

cmon_docker_image() {
	$DOCKER image inspect "$1" >/dev/null 2>&1 && return 0
	cmon_rt_rootfs "$CMON_DOCKER_DIR" | $DOCKER import - "$1" >/dev/null
}

cmon_docker_net() {
	$DOCKER network create -o "com.docker.network.bridge.name=$2" \
		--subnet "$3" "$1" >/dev/null
}

cmon_docker_sandbox() {
	$DOCKER inspect -f '{{.NetworkSettings.SandboxKey}}' "$1"
}

cmon_docker_stop() {
	local ids
	[ -n "${CMON_DOCKER_PID:-}" ] || return 0
	ids=$($DOCKER ps -aq 2>/dev/null)
	[ -n "$ids" ] && $DOCKER rm -f $ids >/dev/null 2>&1
	$DOCKER network prune -f >/dev/null 2>&1
	kill "$CMON_DOCKER_PID" 2>/dev/null
	cmon_rt_reap "$CMON_DOCKER_PID"
	CMON_DOCKER_PID=
	cmon_rt_restore_host "$CMON_DOCKER_DIR"
}

# ---- Podman ----

cmon_podman_start() {
	CMON_PODMAN_DIR=$1
	mkdir -p "$CMON_PODMAN_DIR/net" "$CMON_PODMAN_DIR/tmp" &&
		cmon_rt_save_host "$CMON_PODMAN_DIR" || return 1
	# (netavark, whose configuration cmon_podman_net writes: with CNI's
	# plugins installed too, podman 4.3 would pick CNI by itself)
	printf '[network]\nnetwork_backend = "netavark"\n' \
		>"$CMON_PODMAN_DIR/containers.conf" || return 1
	PODMAN="env CONTAINERS_CONF=$CMON_PODMAN_DIR/containers.conf podman --root $CMON_PODMAN_DIR/root --runroot $CMON_PODMAN_DIR/run --network-config-dir $CMON_PODMAN_DIR/net --cgroup-manager cgroupfs --events-backend file --tmpdir $CMON_PODMAN_DIR/tmp"
	PODMAN_SOCK=$CMON_PODMAN_DIR/podman.sock
	$PODMAN system service --time=0 "unix://$PODMAN_SOCK" \
		>"$CMON_PODMAN_DIR/service.log" 2>&1 &
	CMON_PODMAN_PID=$!
	cmon_rt_until "$CMON_PODMAN_PID" test -S "$PODMAN_SOCK" && return 0
	echo "podman system service did not start: $(tail -3 "$CMON_PODMAN_DIR/service.log")" >&2
	return 1
}

cmon_podman_image() {
	$PODMAN image exists "$1" && return 0
	cmon_rt_rootfs "$CMON_PODMAN_DIR" >"$CMON_PODMAN_DIR/rootfs.tar" &&
		$PODMAN import "$CMON_PODMAN_DIR/rootfs.tar" "$1" >/dev/null 2>&1
}

# Podman 4.3 names a network's bridge only in its netavark configuration.
cmon_podman_net() {
	cat >"$CMON_PODMAN_DIR/net/$1.json" <<JSON
{"name": "$1", "driver": "bridge", "network_interface": "$2",
 "id": "$(printf '%s' "$1" | sha256sum | cut -c1-64)",
 "created": "2026-01-01T00:00:00Z",
 "subnets": [{"subnet": "$3", "gateway": "${3%.*}.1"}],
 "ipv6_enabled": false, "internal": false, "dns_enabled": false,
 "ipam_options": {"driver": "host-local"}}
JSON
}

# Limits of podman's own (1048576 files) are beyond what a container may
# set where cmon's tests run: these stay within any host's.
cmon_podman_run() {
	local name=$1
	shift
	$PODMAN run -d --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
		--name "$name" --network "$PODMAN_NET" "$@" "$PODMAN_IMAGE" \
		sleep 600 >/dev/null
}

cmon_podman_stop() {
	[ -n "${CMON_PODMAN_PID:-}" ] || return 0
	$PODMAN rm -fa -t 0 >/dev/null 2>&1
	kill "$CMON_PODMAN_PID" 2>/dev/null
	cmon_rt_reap "$CMON_PODMAN_PID"
	CMON_PODMAN_PID=
	cmon_rt_restore_host "$CMON_PODMAN_DIR"
}
