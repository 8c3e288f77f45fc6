#!/bin/sh
# One page for a whole cluster: three simulated nodes (namespaces) joined
# by a flannel-style VXLAN overlay, a pod and a cmon-kern on each, node 1's
# exporter reading the other two (--peer, with a token).  Its
# /api/v1/cluster holds every node's own documents, as the schema says,
# with the very figures each node reports itself; in headless Chromium
# (cluster.mjs) its page shows the three nodes up, each node's bridge with
# its pod, the cross-node pairs once each with their hops on both nodes;
# node 3's exporter killed, the page says it is down and greys its pod;
# started again, it is back.  No console errors; screenshots
# web-cluster.png and web-cluster-down.png go into the build tree.
set -u
. "$(dirname "$0")/../integration/lib.sh"
it_init cmcl
it_browser_init

cmon_ns_underlay 3 || it_fail "cannot create the nodes"
for n in 1 2 3; do
	cmon_ns_node "$n" &&
		cmon_ns_node_pod "$n" "${CMON_PFX}c$n" "10.244.$n.2" ||
		it_fail "cannot build node $n"
done
for n in 1 2 3; do
	for m in 1 2 3; do
		[ "$n" = "$m" ] || cmon_ns_node_route "$n" "$m" ||
			it_fail "cannot route node $n to node $m"
	done
done
it_in 3 ping -c 2 -W 2 10.244.1.2 >/dev/null || it_fail "the overlay does not pass traffic"
echo 0123456789abcdef >"$IT_TMP/key"
TOKEN=cl$$
url() { echo "http://10.250.0.$1:9417/?token=$TOKEN"; }

# start_agent N: node N's cmon-kern, node 1's with the others as peers
start_agent() {
	local n=$1 m
	set --
	[ "$n" = 1 ] && for m in 2 3; do set -- "$@" --peer "$(url "$m")"; done
	it_fresh "$IT_TMP/node$n.json" "$IT_TMP/node$n.err"
	ip netns exec "${CMON_PFX}n$n" "$AGENT" --bridge cni0 \
		--overlay flannel.1 --peer-subnet 10.244.0.0/16 \
		--key-file "$IT_TMP/key" --node-id "$n" --node "node$n" \
		--clock tai --sample 4 --interval 0.5 --json \
		--http "10.250.0.$n:9417" --http-token "$TOKEN" \
		--web-root "$top_builddir/web/dist" "$@" \
		>"$IT_TMP/node$n.json" 2>"$IT_TMP/node$n.err" &
	echo $! >"$IT_TMP/node$n.pid"
	IT_PIDS="$IT_PIDS $!"
	it_wait "$IT_TMP/node$n.err" monitoring 10 ||
		{ cat "$IT_TMP/node$n.err"; it_fail "agent of node $n did not start"; }
}
for n in 3 2 1; do start_agent "$n"; done

# steady traffic across the overlay: c1 > c2 (UDP), c3 > c1 (UDP)
it_udp_steady "${CMON_PFX}c1" 10.244.2.2 5003 120 5
it_udp_steady "${CMON_PFX}c3" 10.244.1.2 5004 120 5

in1() { ip netns exec "${CMON_PFX}n1" "$@"; }
api() { in1 curl -sf "http://10.250.0.1:9417/api/v1/$1?token=$TOKEN"; }
ok=
for i in $(seq 40); do
	api cluster >"$IT_TMP/cluster.json" &&
		python3 - "$IT_TMP/cluster.json" <<'PY' && { ok=1; break; }
import json, sys
o = json.load(open(sys.argv[1]))
up = [n["node"] for n in o["nodes"] if n["up"]]
pairs = {n["node"]: [(p["src_ip"], p["dst_ip"]) for p in n["metrics"]["pairs"]]
         for n in o["nodes"] if n["metrics"]}
sys.exit(not (sorted(up) == ["node1", "node2", "node3"] and
              ("10.244.1.2", "10.244.2.2") in pairs.get("node2", []) and
              ("10.244.3.2", "10.244.1.2") in pairs.get("node1", [])))
PY
	sleep 0.5
done
[ -n "$ok" ] || it_fail "the cluster view never had the three nodes and their pairs: $(head -c 600 "$IT_TMP/cluster.json")"
in1 python3 "$HERE/api.py" validate \
	"http://10.250.0.1:9417/api/v1/cluster?token=$TOKEN" cluster.schema.json \
	>/dev/null || it_fail "/api/v1/cluster not as doc/api/cluster.schema.json says"
# each node's figures as that node reports them itself (its --json line
# of the same interval)
python3 - "$IT_TMP/cluster.json" "$IT_TMP" <<'PY' || it_fail "the cluster view's figures differ from the nodes' own"
import json, sys
o = json.load(open(sys.argv[1]))
for n in o["nodes"]:
    own = [json.loads(l) for l in open(f"{sys.argv[2]}/{n['node']}.json")
           if l.startswith("{")]
    same = [x for x in own if x["time"] == n["metrics"]["time"]]
    if not same:
        sys.exit(f"{n['node']}: no interval at {n['metrics']['time']}")
    key = lambda p: (p["src_ip"], p["dst_ip"], p["proto"], p["port"])
    got = {key(p): (p["packets"], p["bytes"], p["traced"])
           for p in n["metrics"]["pairs"]}
    want = {key(p): (p["packets"], p["bytes"], p["traced"])
            for p in same[0]["pairs"]}
    if got != want:
        sys.exit(f"{n['node']}: cluster {got} != own {want}")
    print(f"{n['node']}: {len(got)} pair(s), as its own JSON says")
PY
echo "ok: /api/v1/cluster: three nodes up, their own documents and figures"

# a pair node 2 reports: its history through node 1's exporter, as node 2
# serves it
H="history?src=10.244.1.2&dst=10.244.2.2&proto=udp&port=0"
in1 curl -sf "http://10.250.0.1:9417/api/v1/$H&node=node2&token=$TOKEN" \
	>"$IT_TMP/h-proxied.json" || it_fail "no history of node2's pair through node1"
ip netns exec "${CMON_PFX}n2" curl -sf "http://10.250.0.2:9417/api/v1/$H&token=$TOKEN" \
	>"$IT_TMP/h-own.json" || it_fail "no history of the pair on node2"
python3 - "$IT_TMP/h-proxied.json" "$IT_TMP/h-own.json" <<'PY' ||
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
n = min(len(a["points"]), len(b["points"])) - 1
assert n > 0 and a["points"][:n] == b["points"][:n], (a["points"][:2], b["points"][:2])
print(f"{len(a['points'])} points, as node2's own")
PY
	it_fail "node2's pair's history through node1 is not node2's"
code=$(in1 curl -s -o /dev/null -w '%{http_code}' "http://10.250.0.1:9417/api/v1/$H&node=nosuch&token=$TOKEN")
[ "$code" = 404 ] || it_fail "the history of an unknown node answered $code"
echo "ok: another node's pair's history through this exporter"

cat >"$IT_TMP/stop3" <<EOF
#!/bin/sh
kill \$(cat "$IT_TMP/node3.pid")
EOF
cat >"$IT_TMP/start3" <<EOF
#!/bin/sh
ip netns exec ${CMON_PFX}n3 "$AGENT" --bridge cni0 --overlay flannel.1 \
	--peer-subnet 10.244.0.0/16 --key-file "$IT_TMP/key" --node-id 3 \
	--node node3 --clock tai --sample 4 --interval 0.5 \
	--http 10.250.0.3:9417 --http-token "$TOKEN" --quiet \
	>/dev/null 2>"$IT_TMP/node3-again.err" &
echo \$! >"$IT_TMP/node3.pid"
EOF
chmod +x "$IT_TMP/stop3" "$IT_TMP/start3"
CMON_WEB=$top_srcdir/web CMON_STOP_CMD=$IT_TMP/stop3 CMON_START_CMD=$IT_TMP/start3 \
	SHOT=$top_builddir/web-cluster.png SHOT_DOWN=$top_builddir/web-cluster-down.png \
	CMON_PFX=$CMON_PFX in1 node "$top_srcdir/tests/web/cluster.mjs" "$(url 1)" ||
	it_fail "the cluster's page"
kill "$(cat "$IT_TMP/node3.pid")" 2>/dev/null
echo "PASS: one page and one API for three nodes: figures as each node's own, a node down and back"
