#!/bin/sh
# Real Docker (tools/cmon-runtimes.sh: the test's own dockerd, data and exec
# roots, socket, network on bridge cmdkbr0; iptables on, as in
# production), containers started with `docker run --name` from an image
# imported from busybox-static, cmon-kern following Docker's API:
# * pairs are reported by the containers' Docker names, and the topology
#   API gives their image, labels and Compose service;
# * a rule selecting by a Docker label hides that container's pairs;
# * Docker's FORWARD DROP policy on a bridge that is not Docker's shows
#   as loss with its reason, gone once DOCKER-USER lets that bridge pass;
# * docker stop, rm and run are followed, by name.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmdk
. "$top_srcdir/tools/cmon-runtimes.sh"
why=$(cmon_rt_missing docker)
if [ -n "$why" ]; then
	echo "SKIP: $why"
	exit 77
fi
cmon_docker_start "$IT_TMP/docker" || it_fail "cannot start dockerd"
it_on_exit cmon_docker_stop
IMG=cmdk-busybox:1
cmon_docker_image $IMG || it_fail "cannot import the busybox image"
cmon_docker_net cmdknet cmdkbr0 10.217.0.0/24 ||
	it_fail "cannot create the Docker network"
run() {	# run NAME [docker run options]: a container sleeping on cmdknet
	local name=$1
	shift
	$DOCKER run -d --name "$name" --network cmdknet "$@" $IMG sleep 600 \
		>/dev/null || it_fail "docker run $name failed"
}
ip_of() {
	$DOCKER inspect -f '{{.NetworkSettings.Networks.cmdknet.IPAddress}}' "$1"
}
run cmdk-web --label app=web --label com.docker.compose.project=shop \
	--label com.docker.compose.service=web
run cmdk-db --label app=db
run cmdk-noisy --label cmon.test/quiet=yes
DB=$(ip_of cmdk-db)
# beside Docker's, a bridge that is not Docker's, with two namespaces
it_host 2

mkdir -p "$IT_TMP/rules"
cat >"$IT_TMP/rules/node.yaml" <<YAML
version: 1
templates:
  - { template: t, hops: [veth_in, veth_out, host_in, host_out] }
template: t
rules:
  - name: quiet
    select: { from: { labels: { cmon.test/quiet: "yes" } } }
    ignore: true
YAML
it_agent_start --bridge cmdkbr0 --runtime "$IT_TMP/docker/docker.sock" \
	--rules "$IT_TMP/rules/node.yaml" --http 127.0.0.1:0
HPORT=$(it_http_port "$IT_TMP/agent.err")
grep -q "container runtime: docker" "$IT_TMP/agent.err" ||
	it_fail "the agent did not find the runtime"

it_udp_steady "$(cmon_docker_sandbox cmdk-web)" "$DB" 5007 60
it_udp_steady "$(cmon_docker_sandbox cmdk-noisy)" "$DB" 5008 60
it_udp_steady "${CMON_PFX}c1" "$(it_ip 2)" 5009 60 10

pair='lambda o, s, d: [p for p in o["pairs"] if p["src"] == s and p["dst"] == d]'

it_wait_json "cmdk-web>cmdk-db not reported by Docker names" 10 \
	"len(($pair)(o, 'cmdk-web', 'cmdk-db')) == 1"
grep -q "container cmdk-noisy joined" "$IT_TMP/agent.err" ||
	it_fail "cmdk-noisy not attached by name"
[ "$(it_last_json "($pair)(o, 'cmdk-noisy', 'cmdk-db')")" = "[]" ] ||
	it_fail "cmdk-noisy>cmdk-db shown although a rule ignores its label"
echo "ok: Docker names in the pairs; the label rule hides cmdk-noisy"
it_wait_json "the JSON does not say what Docker says of the pairs' containers" 5 \
	"o['containers'].get('cmdk-web', {}).get('image') == '$IMG' and o['containers']['cmdk-web']['compose_service'] == 'web' and o['containers']['cmdk-db']['labels'] == {'app': 'db'} and 'cmdk-noisy' not in o['containers']"
echo "ok: the JSON's containers give image, Compose service and labels (not of hidden pairs)"

curl -sf "http://127.0.0.1:$HPORT/api/v1/topology" >"$IT_TMP/topo.json" ||
	it_fail "no /api/v1/topology"
python3 - "$IT_TMP/topo.json" <<'PY' || it_fail "topology without Docker's metadata: $(cut -c1-800 "$IT_TMP/topo.json")"
import json, sys
t = json.load(open(sys.argv[1]))
web = [c for c in t["containers"] if c["name"] == "cmdk-web"][0]["runtime"]
assert web["name"] == "docker" and web["image"] == "cmdk-busybox:1", web
assert web["compose_project"] == "shop" and web["compose_service"] == "web", web
assert web["labels"]["app"] == "web" and len(web["id"]) == 12, web
PY
python3 "$HERE/api.py" validate "http://127.0.0.1:$HPORT/api/v1/topology" \
	topology.schema.json >/dev/null ||
	it_fail "/api/v1/topology not as doc/api/topology.schema.json says"
echo "ok: the topology API gives image, labels and Compose service"

# Docker's FORWARD DROP policy, on the bridge that is not Docker's: where
# bridge netfilter applies iptables to bridged packets, c1's datagrams are
# dropped (NETFILTER_DROP between the two ports) until DOCKER-USER lets
# the bridge pass; where it does not, they reach c2 (no socket there).
# Either way the figures must say where they went.
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2
[ "$(iptables -S FORWARD | head -1)" = "-P FORWARD DROP" ] ||
	it_fail "dockerd did not set the FORWARD policy to DROP"
where="[(p['loss']['ratio'] > 0.9 and p['loss']['hop'], sorted(set(r['reason'] for r in p['loss']['reasons']))) for p in ($pair)(o, '$C1', '$C2')]"
dropped="[('veth_in>veth_out', ['NETFILTER_DROP'])]"
delivered="[(False, ['NO_SOCKET'])]"
it_wait_json "c1>c2 on $BR: neither dropped nor delivered as reported" 10 \
	"$where in ($dropped, $delivered)"
if [ "$(it_last_json "$where == $dropped")" = True ]; then
	iptables -I DOCKER-USER -i "$BR" -o "$BR" -j ACCEPT ||
		it_fail "cannot let $BR pass in DOCKER-USER"
	it_wait_json "loss still reported once $BR may pass" 10 "$where == $delivered"
	echo "ok: Docker's FORWARD DROP on $BR reported at veth_in>veth_out (NETFILTER_DROP), gone once DOCKER-USER accepts"
else
	echo "ok: under Docker's FORWARD DROP, $BR's traffic is not filtered here (no bridge netfilter): reported delivered, no loss"
fi

# churn: stop, remove, run again
$DOCKER stop -t 0 cmdk-db >/dev/null || it_fail "docker stop failed"
it_wait "$IT_TMP/agent.err" "container cmdk-db left" 5 ||
	it_fail "docker stop cmdk-db not followed"
$DOCKER rm cmdk-db >/dev/null
run cmdk-db2 --label app=db
# attached when its veth appears, named when docker says it started
it_wait "$IT_TMP/agent.err" "container cmdk-db2 joined\\|is docker's cmdk-db2 " 5 ||
	it_fail "docker run cmdk-db2 not followed"
it_udp_steady "$(cmon_docker_sandbox cmdk-web)" "$(ip_of cmdk-db2)" 5010 30
it_wait_json "cmdk-web>cmdk-db2 not reported" 10 \
	"len(($pair)(o, 'cmdk-web', 'cmdk-db2')) == 1"
echo "ok: docker stop, rm and run followed by name"
it_agent_stop
echo "PASS: Docker containers by name, labels in rules, Docker's iptables, churn"
