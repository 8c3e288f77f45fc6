# Shared setup for the root integration tests (sourced).  Each test gets
# its own object prefix, temp dir and cleanup; the agent under test is the
# build tree's kmod-free/cmon-kern.
#
#   it_init PREFIX        check root, set names, trap cleanup
#   it_host N             bridge ${P}br + N containers ${P}c1..N (10.X.0.i)
#   it_agent_start ARGS   start cmon-kern --json on the bridge
#   it_agent_stop         SIGINT it and wait; fails if it did not exit 0
#   it_wait FILE PATTERN [SEC]  wait until PATTERN appears in FILE
#   it_http_port LOG      the port of the HTTP server an agent's LOG names
#   it_fresh FILE...      empty FILEs before a background job writes them
#   it_udp_exact SNS RNS DST SIZES  byte-exact UDP from netns SNS to DST in RNS
#                         (a namespace "-" is the host's)
#   it_query SRC DST PROTO FIELD  summary of the agent's JSON (query.py)
#   it_fail MSG           print and exit 1
#   it_on_exit CMD        run CMD first at cleanup (e.g. stop a daemon)
#   it_exporter_init      exporter tests: APP=cmon-kern (the node daemon, its
#                         sinks with the kernel path), and DPDK_APP=cmon-dpdk
#                         when DPDK is installed (else empty)
#   it_dpdk_init          DPDK_APP=cmon-dpdk, built (skip without DPDK)
#   it_overlay_nodes      two nodes ${P}n1, ${P}n2 on a flannel-style VXLAN
#                         overlay, a pod ${P}c1, ${P}c2 on each (10.244.N.2)
#   it_ovs_init           OVS-DPDK tests: DPDK, cmon-dpdk and the patched
#                         ovs-vswitchd present; tools/cmon-ovs.sh loaded
#   it_cmon_dpdk [OPTIONS...]  cmon-dpdk --json --interval 0.5 on the switch of
#                         cmon_ovs_start into $IT_TMP/agent.json (stderr
#                         agent.err), attached; DPDK_PID, stopped at exit
#   it_forged SNS RNS SRC DST  forged annotations from SNS arrive unchanged
#   it_netns NS CMD...    run CMD in netns NS ("-": the host's)
#   it_tcx_progs          names of the programs attached by tcx links
#   it_udp_paced I DST PORT N [WARM]  N 200-byte datagrams from container I,
#                         paced (after 100 and WARM seconds, when given)
#   it_udp_steady NS DST PORT SECONDS [BURST]  datagrams from namespace NS
#   it_last_json EXPR, it_wait_json DESCRIPTION SECONDS EXPR  the agent's
#                         last JSON line (o), and waiting for EXPR on it
#   it_page_topology NS URL NAME HUB KIND CONTAINER...  the page at URL in
#                         headless Chromium run in netns NS: HUB of KIND
#                         with the CONTAINERs (tests/web/topology.mjs);
#                         screenshot web-NAME.png in the build tree

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
AGENT=$top_builddir/kmod-free/cmon-kern
HERE=$top_srcdir/tests/integration

it_fail() {
	echo "FAIL: $*" >&2
	if [ -n "${IT_TMP:-}" ] && [ -f "$IT_TMP/agent.err" ]; then
		echo "--- agent stderr (tail):" >&2
		tail -20 "$IT_TMP/agent.err" >&2
	fi
	exit 1
}

it_on_exit() {
	IT_ON_EXIT="$*; ${IT_ON_EXIT:-}"
}

it_exporter_init() {
	APP=$AGENT
	DPDK_APP=
	if pkg-config --exists libdpdk; then
		DPDK_APP=$top_builddir/dpdk-app/cmon-dpdk
		[ -x "$DPDK_APP" ] || it_fail "$DPDK_APP not built"
	fi
}

it_dpdk_init() {
	it_exporter_init
	if [ -z "$DPDK_APP" ]; then
		echo "SKIP: DPDK is not installed, so cmon-dpdk is not built"
		exit 77
	fi
}

it_ovs_init() {
	it_dpdk_init
	[ -x "${OVS_BUILD:-}/vswitchd/ovs-vswitchd" ] ||
		it_fail "patched ovs-vswitchd not built: run tools/build-ovs"
	# shellcheck source=../../tools/cmon-ovs.sh
	. "$top_srcdir/tools/cmon-ovs.sh"
	it_on_exit cmon_ovs_stop
}

it_cmon_dpdk() {
	it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
	"$DPDK_APP" --file-prefix "$CMON_OVS_PREFIX" --json --interval 0.5 \
		"$@" >"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
	DPDK_PID=$!
	it_on_exit 'kill $DPDK_PID 2>/dev/null'
	it_wait "$IT_TMP/agent.err" "attached" 20 ||
		it_fail "cmon-dpdk did not attach: $(cat "$IT_TMP/agent.err")"
}

it_overlay_nodes() {
	local n
	cmon_ns_underlay || it_fail "cannot create the nodes"
	for n in 1 2; do
		cmon_ns_node "$n" &&
			cmon_ns_node_pod "$n" "${CMON_PFX}c$n" "10.244.$n.2" ||
			it_fail "cannot build node $n"
	done
	cmon_ns_node_route 1 2 && cmon_ns_node_route 2 1 ||
		it_fail "cannot route the overlay"
	ip netns exec "${CMON_PFX}c1" ping -c 2 -W 2 10.244.2.2 >/dev/null ||
		it_fail "overlay does not pass traffic"
}

# (IT_KEEP=1 keeps $IT_TMP, for a look after a failure)
it_cleanup() {
	[ -n "${IT_ON_EXIT:-}" ] && eval "$IT_ON_EXIT"
	[ -n "${AGENT_PID:-}" ] && kill -INT "$AGENT_PID" 2>/dev/null &&
		wait "$AGENT_PID" 2>/dev/null
	for p in ${IT_PIDS:-}; do kill "$p" 2>/dev/null; done
	nft delete table bridge "${CMON_PFX}" 2>/dev/null
	cmon_ns_cleanup
	[ -n "${IT_TMP:-}" ] && [ -z "${IT_KEEP:-}" ] && rm -rf "$IT_TMP"
}

it_init() {
	if [ "$(id -u)" != 0 ]; then
		echo "SKIP: needs root (network namespaces, BPF)"
		exit 77
	fi
	[ -x "$AGENT" ] || it_fail "$AGENT not built"
	CMON_PFX=$1
	# shellcheck source=../../tools/cmon-netns.sh
	. "$top_srcdir/tools/cmon-netns.sh"
	cmon_ns_cleanup
	IT_TMP=$(mktemp -d "/tmp/$1.XXXXXX")
	IT_PIDS=""
	trap it_cleanup EXIT
	trap 'exit 1' INT TERM
	NET=10.$(( $(printf '%s' "$1" | cksum | cut -d' ' -f1) % 200 + 20 )).0
	BR=${CMON_PFX}br
}

# it_host N: the docker0 layout with N containers.
it_host() {
	local i
	cmon_ns_bridge "$BR" "$NET" || it_fail "cannot create bridge $BR"
	for i in $(seq 1 "$1"); do
		cmon_ns_container "${CMON_PFX}c$i" "$BR" "$NET.$((i + 1))" ||
			it_fail "cannot create container ${CMON_PFX}c$i"
	done
}

# Address of container i.
it_ip() {
	echo "$NET.$(($1 + 1))"
}

# Run a command inside container i.
it_in() {
	local i=$1
	shift
	ip netns exec "${CMON_PFX}c$i" "$@"
}

# it_http_port LOG: the port of the HTTP server (--http 127.0.0.1:0) the
# agent's stderr LOG says it serves on; one a line if it names several.
it_http_port() {
	sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$1"
}

# it_until SECONDS CMD...: run CMD every 0.1 s until it succeeds (0), for
# SECONDS at most (1).
it_until() {
	local n=$(( $1 * 10 ))
	shift
	until "$@"; do
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
		n=$((n - 1))
	done
}

# it_wait FILE PATTERN [SECONDS]: 0 once PATTERN is in FILE, 1 on timeout.
# A background job's FILE must be emptied with it_fresh before the job
# starts: `cmd >FILE &` truncates FILE in the forked child, which may be
# after it_wait has found PATTERN in the previous job's output.
it_wait() {
	it_until "${3:-5}" grep -qs -- "$2" "$1"
}

# it_fresh FILE...: empty FILEs before a background job writes them
it_fresh() {
	local f
	for f; do
		: >"$f"
	done
}

# it_netns NS CMD...: run CMD in network namespace NS, "-" being the host's.
it_netns() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# it_listening NS PORT: wait (5 s at most) until a TCP socket listens on
# PORT in network namespace NS ("-": the host's), or fail: a sender started
# after a fixed sleep finds no listener when the machine is slow.
it_listens() {
	it_netns "$1" ss -Hltn "sport = :$2" | grep -q .
}
it_listening() {
	it_until 5 it_listens "$1" "$2" ||
		it_fail "nothing listens on TCP port $2 in namespace $1"
}

# it_browser_init: the browser tests' needs (Node.js, the built page,
# playwright-core, Debian's Chromium in $CHROMIUM), or skip or fail
it_browser_init() {
	command -v node >/dev/null || {
		echo "SKIP: no Node.js: the web page is not built"
		exit 77
	}
	[ -f "$top_builddir/web/dist/index.html" ] || it_fail "web/dist not built (make)"
	[ -d "$top_srcdir/web/node_modules/playwright-core" ] ||
		it_fail "playwright-core not installed (make runs npm ci in web/)"
	CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
	[ -x "$CHROMIUM" ] || it_fail "$CHROMIUM missing: run tools/install-deps"
	export CHROMIUM
}

it_page_topology() {
	local ns=$1 url=$2 shot=$top_builddir/web-$3.png
	shift 3
	[ -d "$top_srcdir/web/node_modules/playwright-core" ] &&
		command -v node >/dev/null ||
		it_fail "Node.js and playwright-core needed (tools/install-deps, make)"
	CMON_WEB=$top_srcdir/web
	export CMON_WEB
	it_netns "$ns" node "$top_srcdir/tests/web/topology.mjs" "$url" "$shot" "$@" ||
		it_fail "the page's topology"
	[ -s "$shot" ] || it_fail "no screenshot $shot"
}

# it_tcx_progs: the names of the programs attached by tcx links, one per
# line (this bpftool does not name a tcx link's device)
it_tcx_progs() {
	bpftool -j link show | python3 -c '
import json, subprocess, sys
progs = {p["id"]: p.get("name", "") for p in json.loads(subprocess.run(
    ["bpftool", "-j", "prog", "show"], capture_output=True, text=True).stdout)}
for link in json.load(sys.stdin):
    if link.get("type") in (11, "tcx"):
        print(progs.get(link.get("prog_id"), "?"))'
}

# it_tcx_on PID IFINDEX: "ingress NAME" or "egress NAME" for each program
# that process PID attached by a tcx link to a device of that ifindex (in
# any namespace: from its links' fdinfo)
it_tcx_on() {
	local f id
	for f in /proc/"$1"/fdinfo/*; do
		grep -q "^link_type:[[:space:]]*tcx" "$f" 2>/dev/null &&
			grep -q "^ifindex:[[:space:]]*$2\$" "$f" || continue
		id=$(sed -n 's/^prog_id:[[:space:]]*//p' "$f")
		echo "$(sed -n 's/^attach_type:.*(\(.*\))/\1/p' "$f")" \
			"$(bpftool -j prog show id "$id" |
			   python3 -c 'import json,sys; print(json.load(sys.stdin)["name"])')"
	done | sort
}

# it_udp_exact SENDER_NS RECEIVER_NS DST SIZES: every payload size arrives
# byte-exact (udp_exact.py); the receiver's report is in $IT_TMP/recv.
it_udp_exact() {
	local rpid
	it_fresh "$IT_TMP/recv"
	it_netns "$2" python3 "$HERE/udp_exact.py" recv 5001 "$4" \
		>"$IT_TMP/recv" 2>&1 &
	rpid=$!
	it_wait "$IT_TMP/recv" ready || it_fail "receiver did not start"
	it_netns "$1" python3 "$HERE/udp_exact.py" send "$3" 5001 "$4" 3
	wait "$rpid"
}

# A private Prometheus Alertmanager (own storage and port, no cluster) at
# $AM, stopped at exit.
it_alertmanager() {
	local i port
	command -v prometheus-alertmanager >/dev/null ||
		it_fail "prometheus-alertmanager missing (tools/install-deps)"
	mkdir -p "$IT_TMP/am"
	printf 'route:\n  receiver: none\nreceivers:\n  - name: none\n' \
		>"$IT_TMP/am.yml"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	prometheus-alertmanager --config.file="$IT_TMP/am.yml" \
		--storage.path="$IT_TMP/am" --cluster.listen-address= \
		--web.listen-address="127.0.0.1:$port" >"$IT_TMP/am.log" 2>&1 &
	IT_PIDS="$IT_PIDS $!"
	AM=http://127.0.0.1:$port
	for i in $(seq 50); do
		curl -sf "$AM/-/ready" >/dev/null && return 0
		sleep 0.2
	done
	it_fail "alertmanager did not start: $(tail -3 "$IT_TMP/am.log")"
}

# it_am_wait ALERT SRC SEVERITY True|False: 0 once Alertmanager has (True)
# or no longer has (False) ALERT from SRC active, within 10 s.
it_am_wait() {
	local i got
	for i in $(seq 50); do
		got=$(curl -sf "$AM/api/v2/alerts" | python3 -c "
import json, sys
print(any(x['labels'].get('alertname') == '$1' and x['labels'].get('src') == '$2'
          and x['labels'].get('severity') == '$3' and x['status']['state'] == 'active'
          for x in json.load(sys.stdin)))")
		[ "$got" = "$4" ] && return 0
		sleep 0.2
	done
	return 1
}

it_agent_start() {
	it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
	"$AGENT" --bridge "$BR" --json --interval 0.5 "$@" \
		>"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
	AGENT_PID=$!
	it_wait "$IT_TMP/agent.err" "monitoring" 10 ||
		it_fail "agent did not start within 10 s"
}

# it_node_exporter N [ARGS]: an exporter in node N's namespace of
# it_overlay_nodes (its overlay, every packet traced, --ct-hops), its JSON
# every 0.5 s in $IT_TMP/nodeN.json, its PID in PID_N; ARGS after.
it_node_exporter() {
	local n=$1
	shift
	it_fresh "$IT_TMP/node$n.json" "$IT_TMP/node$n.err"
	ip netns exec "${CMON_PFX}n$n" "$APP" --bridge cni0 --overlay flannel.1 \
		--peer-subnet 10.244.0.0/16 --key-file "$IT_TMP/key" \
		--node-id "$n" --node "node$n" --sample 1 --json --interval 0.5 \
		--ct-hops \
		"$@" >"$IT_TMP/node$n.json" 2>"$IT_TMP/node$n.err" &
	eval "PID_$n=$!"
	IT_PIDS="$IT_PIDS $!"
	it_wait "$IT_TMP/node$n.err" monitoring 10 ||
		it_fail "exporter of node $n did not start: $(cat "$IT_TMP/node$n.err")"
}

# it_node_peer N M: the arguments for node N's exporter to serve HTTP on
# its underlay address and read node M's (token $TOKEN)
it_node_peer() {
	echo --http "10.250.0.$1:9417" --http-token "$TOKEN" \
		--peer "http://10.250.0.$2:9417/?token=$TOKEN"
}

# it_node_exporters_stop: stop both nodes' exporters (it_node_exporter)
it_node_exporters_stop() {
	local n
	for n in 1 2; do
		eval "kill -INT \$PID_$n; wait \$PID_$n" ||
			it_fail "exporter of node $n exited with $?"
	done
}

# it_agent_node NETNS CONTAINERS ARGS...: an agent with ARGS in namespace
# NETNS (a routed node, tools/cmon-netns.sh), its JSON every 0.5 s in
# $IT_TMP/agent.json; returns once each of CONTAINERS (names, separated by
# spaces) joined.
it_agent_node() {
	local ns=$1 cts=$2 c
	shift 2
	it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
	ip netns exec "$ns" "$AGENT" --json --interval 0.5 "$@" \
		>"$IT_TMP/agent.json" 2>"$IT_TMP/agent.err" &
	IT_PIDS="$IT_PIDS $!"
	for c in $cts; do
		it_wait "$IT_TMP/agent.err" "container $c joined" 10 ||
			it_fail "$c not attached: $(tail -5 "$IT_TMP/agent.err")"
	done
}

it_agent_stop() {
	local rc=0
	kill -INT "$AGENT_PID" || it_fail "agent not running"
	wait "$AGENT_PID" || rc=$?
	AGENT_PID=""
	[ "$rc" = 0 ] || it_fail "agent exited with status $rc"
}

# Wait for the agent to report another interval or two.
it_settle() {
	sleep "${1:-1.5}"
}

# it_last_json EXPR: a Python expression over the agent's last JSON line (o)
it_last_json() {
	tail -n 1 "$IT_TMP/agent.json" | python3 -c "
import json, sys
o = json.loads(sys.stdin.read())
print($1)" 2>/dev/null
}

# it_wait_json DESCRIPTION SECONDS EXPR: wait until EXPR (over the agent's
# last JSON line, o) is True; fail with DESCRIPTION and the pairs if not
it_wait_json() {
	local i
	for i in $(seq $(($2 * 5))); do
		[ "$(it_last_json "$3")" = True ] && return 0
		sleep 0.2
	done
	it_fail "$1 (within $2 s); pairs: $(it_last_json "[(p['src'], p['dst'], p['proto'], p['packets'], p['loss']['ratio']) for p in o['pairs']]")"
}

# it_query PYTHON-EXPR: evaluate over the agent's JSON summary (see query.py)
it_query() {
	python3 "$HERE/query.py" "$IT_TMP/agent.json" "$@"
}

# it_forged SENDER_NS RECEIVER_NS SRC DST: datagrams carrying forged cmon
# trailers (sent normally, and raw with the decision bit) reach the
# receiver with exactly the payload sent (forge.py).
it_forged() {
	local rpid
	it_fresh "$IT_TMP/frecv"
	it_netns "$2" python3 "$HERE/forge.py" recv 5004 >"$IT_TMP/frecv" 2>&1 &
	rpid=$!
	it_wait "$IT_TMP/frecv" ready || it_fail "forge receiver did not start"
	it_netns "$1" python3 "$HERE/forge.py" send "$3" "$4" 5004 ||
		it_fail "forging sender failed"
	wait "$rpid" || it_fail "forged: $(cat "$IT_TMP/frecv")"
	cat "$IT_TMP/frecv"
}

# it_echo_server I PORT: in the background ($! is its PID), container I
# sends every datagram arriving at PORT back to its sender, until none
# came for 4 s (10 s for the first); then "echoed ADDR N" for each sender
# ends $IT_TMP/echo.
it_echo_server() {
	it_fresh "$IT_TMP/echo"
	it_in "$1" python3 -u -c "
import socket, collections
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', $2))
s.settimeout(10)
print('ready', flush=True)
n = collections.Counter()
try:
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(d, a)
        n[a[0]] += 1
        s.settimeout(4)
except socket.timeout:
    for a, k in n.items():
        print('echoed', a, k)
" >"$IT_TMP/echo" 2>&1 &
	it_wait "$IT_TMP/echo" ready || it_fail "no echo server in container $1"
}

# it_echo_send I DST PORT N [SPORT]: N datagrams of 100 bytes from
# container I (port SPORT, 40001 unless given) to DST:PORT, 100 every
# 0.2 s; prints how many came back by 2 s after the last.
it_echo_send() {
	it_in "$1" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', ${5:-40001}))
s.setblocking(False)
n = 0
def take():
    global n
    try:
        while True:
            s.recv(2048)
            n += 1
    except BlockingIOError:
        pass
for i in range($4):
    s.sendto(b'x' * 100, ('$2', $3))
    if i % 100 == 99:
        time.sleep(0.2)
    take()
end = time.time() + 2
while time.time() < end:
    time.sleep(0.05)
    take()
print(n)
"
}

# it_input_drop I PORT N: container I's firewall drops 1 in N of the UDP
# datagrams arriving for PORT, and counts them (it_input_dropped I).
it_input_drop() {
	it_in "$1" nft -f - <<NFT || it_fail "cannot add container $1's input drop"
table inet $CMON_PFX {
	counter dropped {}
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $2 numgen inc mod $3 == 0 counter name dropped drop
	}
}
NFT
}

# it_nft_packets NS FAMILY COUNTER: the packets of nft counter COUNTER of
# table $CMON_PFX (FAMILY) in network namespace NS ("-": the host's)
it_nft_packets() {
	it_netns "$1" nft list counter "$2" "$CMON_PFX" "$3" |
		sed -n 's/.*packets \([0-9]*\).*/\1/p'
}

# it_input_dropped I: how many datagrams it_input_drop dropped in I.
it_input_dropped() {
	it_nft_packets "${CMON_PFX}c$1" inet dropped
}

# it_udp_recv I PORT [QUIET]: in the background ($! is its PID), count the
# datagrams arriving at PORT in container I until none came for QUIET
# seconds (default 4): "received N" ends $IT_TMP/rI.  The first is awaited
# 10 s at least: on a slow machine starting the sender takes seconds.
it_udp_recv() {
	it_fresh "$IT_TMP/r$1"
	it_in "$1" python3 -u -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 22)   # SO_RCVBUFFORCE (root)
s.bind(('0.0.0.0', $2))
s.settimeout(max(${3:-4}, 10))
print('ready', flush=True)
n = 0
try:
    while True:
        s.recv(2048)
        n += 1
        s.settimeout(${3:-4})
except socket.timeout:
    print('received', n)
" >"$IT_TMP/r$1" 2>&1 &
	it_wait "$IT_TMP/r$1" ready || it_fail "receiver in container $1 did not start"
}

# it_all_traced SRC DST N: after N datagrams from SRC to container 2's
# receiver (it_udp_recv 2), every packet traced: all arrived, and the
# pair SRC>DST shows each traced once, none missed from its sequence,
# none lost, and no annotation left unclaimed
it_all_traced() {
	local got traced seq_lost lost unclaimed
	got=$(sed -n 's/^received //p' "$IT_TMP/r2")
	traced=$(it_query "$1" "$2" udp traced)
	seq_lost=$(it_query "$1" "$2" udp seq_lost)
	lost=$(it_query "$1" "$2" udp lost)
	unclaimed=$(it_query - - - skb_unclaimed)
	echo "received=$got traced=$traced seq_lost=$seq_lost lost=$lost skb_unclaimed=$unclaimed"
	[ "$got" = "$3" ] || it_fail "container 2 received $got of $3 datagrams"
	[ "$traced" = "$3" ] || it_fail "$traced records for $3 packets"
	[ "$seq_lost" = 0 ] || it_fail "$seq_lost sequence numbers missed"
	[ "$lost" = 0 ] || it_fail "$lost packets reported lost"
	[ "$unclaimed" = 0 ] || it_fail "$unclaimed annotations left unclaimed"
}

# it_udp_paced I DST PORT N [WARM]: N datagrams of 200 bytes from container
# I to DST:PORT at a steady pace (the receiver need not exist); with WARM,
# 100 first and a pause of WARM seconds, so every hop knows the flow
it_udp_paced() {
	it_in "$1" python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if ${5:-0}:
    for i in range(100):
        s.sendto(b'x' * 200, ('$2', $3))
    time.sleep(${5:-0})
for i in range($4):
    s.sendto(b'x' * 200, ('$2', $3))
    if i % 200 == 199:
        time.sleep(0.01)
"
}

# it_udp_burst I DST PORT N: N datagrams from container I to DST:PORT,
# each from a source port of its own (20000 + i: a raw socket, no
# checksum), 100 a millisecond
it_udp_burst() {
	it_in "$1" python3 -c "
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
for i in range($4):
    s.sendto(struct.pack('!HHHH', 20000 + i, $3, 40, 0) + b'b' * 32,
             ('$2', 0))
    if i % 100 == 99:
        time.sleep(0.001)
"
}

# it_udp_steady NETNS DST PORT SECONDS [BURST]: in the background, BURST
# (default 10) 200-byte datagrams every 10 ms from namespace NETNS (a
# name, or a path such as a runtime's sandbox) for SECONDS; stopped at exit
it_udp_steady() {
	case $1 in
	/*) set -- "nsenter --net=$1" "$@" ;;	# a namespace's path
	*) set -- "ip netns exec $1" "$@" ;;
	esac
	$1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + $5
while time.time() < end:
    for i in range(${6:-10}):
        s.sendto(b'x' * 200, ('$3', $4))
    time.sleep(0.01)
" &
	IT_PIDS="$IT_PIDS $!"
}
