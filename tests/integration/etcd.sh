#!/bin/sh
# Rules said once, every node follows: a real etcd (own data directory and
# ports) and three simulated nodes (a bridge with two containers each, its
# own agent, under traffic).  cmonctl rules apply publishes; every agent
# applies within seconds (pairs an ignore rule selects vanish, then come
# back with an alert firing); standard rules a node cannot trust are
# refused everywhere with the rules in force kept; etcd going away makes
# the rules stale, and its return makes them current; a dead node's entry
# expires with its lease; logins and TLS client certificates get in.
# Node 1's exporter (--cluster) finds the others in the registry: its
# cluster view lists them up, and node 3 down once it died.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmet
command -v etcd >/dev/null || it_fail "etcd missing (tools/install-deps)"
CTL=$top_builddir/ctl/cmonctl
[ -x "$CTL" ] || it_fail "$CTL not built"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
CPORT=$(free_port)
PPORT=$(free_port)
E=http://127.0.0.1:$CPORT
etcd_start() {
	etcd --name cmet --data-dir "$IT_TMP/etcd" \
		--listen-client-urls "$E" --advertise-client-urls "$E" \
		--listen-peer-urls "http://127.0.0.1:$PPORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
		--initial-cluster "cmet=http://127.0.0.1:$PPORT" \
		>>"$IT_TMP/etcd.log" 2>&1 &
	ETCD_PID=$!
	IT_PIDS="$IT_PIDS $ETCD_PID"
	for i in $(seq 50); do
		curl -sf "$E/version" >/dev/null && return 0
		sleep 0.2
	done
	it_fail "etcd did not start: $(tail -3 "$IT_TMP/etcd.log")"
}
etcd_start

# three nodes: bridge cmetbN, containers cmetNa -> cmetNb under traffic
for n in 1 2 3; do
	cmon_ns_bridge "${CMON_PFX}b$n" "10.23$n.0" || it_fail "bridge $n"
	cmon_ns_container "${CMON_PFX}${n}a" "${CMON_PFX}b$n" "10.23$n.0.2" &&
	cmon_ns_container "${CMON_PFX}${n}b" "${CMON_PFX}b$n" "10.23$n.0.3" ||
		it_fail "containers of node $n"
	it_udp_steady "${CMON_PFX}${n}a" "10.23$n.0.3" 5005 120
done
for n in 1 2 3; do
	set --
	[ "$n" = 1 ] && set -- --cluster
	"$AGENT" --bridge "${CMON_PFX}b$n" --node "node$n" --etcd "$E" \
		--etcd-lease 3 --json --interval 0.5 --http 127.0.0.1:0 "$@" \
		>"$IT_TMP/node$n.json" 2>"$IT_TMP/node$n.err" &
	eval "A$n=$!"
	IT_PIDS="$IT_PIDS $!"
done
for n in 1 2 3; do
	it_wait "$IT_TMP/node$n.err" monitoring 10 ||
		it_fail "agent $n did not start: $(tail -3 "$IT_TMP/node$n.err")"
done

# last N EXPR: a Python expression over node N's last JSON line (o)
last() {
	tail -n 1 "$IT_TMP/node$1.json" | python3 -c "
import json, sys
o = json.loads(sys.stdin.read())
print($2)" 2>/dev/null
}
# every_node DESCRIPTION SECONDS EXPR: wait until EXPR holds on all three
every_node() {
	local i n ok
	for i in $(seq $(($2 * 5))); do
		ok=1
		for n in 1 2 3; do
			[ "$(last $n "$3")" = True ] || ok=0
		done
		[ $ok = 1 ] && return 0
		sleep 0.2
	done
	for n in 1 2 3; do
		echo "node$n: $(tail -n 1 "$IT_TMP/node$n.json" | cut -c1-400)" >&2
		tail -3 "$IT_TMP/node$n.err" >&2
	done
	it_fail "$1 (within $2 s)"
}
ab='any(p["src"].endswith("a") and p["dst"].endswith("b") for p in o["pairs"])'

every_node "a>b not reported before any rule" 10 "$ab"
for i in $(seq 25); do
	[ "$("$CTL" nodes --etcd "$E" | grep -c '^node[123] ')" = 3 ] && break
	sleep 0.2
done
"$CTL" nodes --etcd "$E" | grep -c '^node[123] ' | grep -qx 3 ||
	it_fail "not every node registered: $("$CTL" nodes --etcd "$E")"
"$CTL" rules show --etcd "$E" | grep -q "no rules published" ||
	it_fail "rules show before any rule: $("$CTL" rules show --etcd "$E")"
echo "ok: three nodes registered, no rules yet"

# cluster EXPR: wait until EXPR holds over node 1's /api/v1/cluster (o,
# and nodes: name -> entry)
HPORT=$(it_http_port "$IT_TMP/node1.err")
cluster() {
	local i
	for i in $(seq 60); do
		curl -sf "http://127.0.0.1:$HPORT/api/v1/cluster" >"$IT_TMP/cluster.json" &&
			[ "$(python3 -c "
import json
o = json.load(open('$IT_TMP/cluster.json'))
nodes = {n['node']: n for n in o['nodes']}
print($1)")" = True ] && return 0
		sleep 0.2
	done
	return 1
}
cluster "sorted(nodes) == ['node1', 'node2', 'node3'] and all(n['up'] for n in o['nodes']) and all(n['metrics']['pairs'] for n in o['nodes'])" ||
	it_fail "node1's cluster view did not find the other nodes: $(head -c 400 "$IT_TMP/cluster.json")"
echo "ok: node1's cluster view found node2 and node3 in the registry"

mkdir -p "$IT_TMP/rules"
cp -r "$top_srcdir/etc/templates" "$IT_TMP/templates"
write_rules() {	# write_rules ignore|alert
	cat >"$IT_TMP/rules/cluster.yaml" <<YAML
version: 1
templates:
  # each simulated node's bridge is on its command line: a template's
  # bridges would be every node's, as all three share one host
  - template: cluster
    hops: [veth_in, veth_out, host_in, host_out]
template: cluster
rules:
  - name: a-to-b
    select:
      from: { containers: ["${CMON_PFX}?a"] }
      to: { containers: ["${CMON_PFX}?b"] }
YAML
	if [ "$1" = ignore ]; then
		echo "    ignore: true" >>"$IT_TMP/rules/cluster.yaml"
	else
		echo "    alerts: [{ name: traffic, when: pps > 1 }]" \
			>>"$IT_TMP/rules/cluster.yaml"
	fi
}

# v1: a>b ignored on every node
write_rules ignore
t0=$(date +%s.%N)
out=$("$CTL" rules apply "$IT_TMP/rules/cluster.yaml" --etcd "$E") ||
	it_fail "apply failed: $out"
v1=$(echo "$out" | sed -n 's/.*revision \([0-9a-f]*\) published.*/\1/p')
every_node "revision $v1 not applied everywhere" 15 \
	"o['rules']['revision'] == '$v1' and not ($ab)"
t1=$(date +%s.%N)
echo "ok: $v1 applied on 3 nodes in $(python3 -c "print(round($t1 - $t0, 2))") s (publish to the last node's report)"
out=$("$CTL" rules show --etcd "$E") || it_fail "rules show: $out"
[ "$(echo "$out" | grep -c "applied $v1")" = 3 ] || it_fail "rules show: $out"

# v2: a>b back, with an alert firing on the busy pairs
write_rules alert
"$CTL" rules apply "$IT_TMP/rules/cluster.yaml" --etcd "$E" >/dev/null ||
	it_fail "apply v2 failed"
v2=$("$CTL" rules check "$IT_TMP/rules/cluster.yaml" | sed -n 's/.*revision \([0-9a-f]*\)$/\1/p')
every_node "revision $v2 not applied everywhere" 15 \
	"o['rules']['revision'] == '$v2' and ($ab) and any(a['state'] == 'firing' for a in o['alerts'])"
echo "ok: $v2 applied everywhere: a>b shown again, alerts firing"

# standard rules no node can trust: refused everywhere, v2 stays
curl -sf -X POST "$E/v3/kv/put" -d "{\"key\":\"$(printf /cmon/rules | base64)\",\"value\":\"$(printf '{"kind":"cmon-rules","version":9}' | base64)\"}" >/dev/null ||
	it_fail "cannot put the bad rules"
every_node "bad standard rules not refused" 15 \
	"'version 9' in (o['rules']['error'] or '') and o['rules']['revision'] == '$v2'"
"$CTL" rules show --etcd "$E" >"$IT_TMP/show" && it_fail "rules show says all is well: $(cat "$IT_TMP/show")"
grep -q "refused: standard rules: version 9" "$IT_TMP/show" || it_fail "rules show: $(cat "$IT_TMP/show")"
echo "ok: rules no node can apply refused everywhere, the rules in force kept"
"$CTL" rules apply "$IT_TMP/rules/cluster.yaml" --etcd "$E" >/dev/null
every_node "v2 not back" 15 "o['rules']['revision'] == '$v2' and o['rules']['error'] is None"

# etcd goes away: stale; it comes back: current again
kill "$ETCD_PID"
wait "$ETCD_PID" 2>/dev/null
every_node "etcd down not reported as stale" 15 "o['rules']['stale'] is True and o['rules']['revision'] == '$v2'"
echo "ok: etcd down: rules kept, reported stale"
etcd_start
every_node "etcd back not reported" 20 "o['rules']['stale'] is False"
"$CTL" rules apply "$IT_TMP/rules/cluster.yaml" --etcd "$E" >/dev/null
echo "ok: etcd back: current again"

# a node dies: its entry expires with its lease (3 s)
kill -9 "$A3"
for i in $(seq 50); do
	"$CTL" nodes --etcd "$E" | grep -q '^node3 ' || break
	sleep 0.2
done
"$CTL" nodes --etcd "$E" | grep -q '^node3 ' && it_fail "node3's entry outlived its lease"
"$CTL" nodes --etcd "$E" | grep -q '^node1 ' || it_fail "node1 gone too"
echo "ok: a dead node's entry expired"
cluster "not nodes['node3']['up'] and nodes['node3']['error'] and nodes['node2']['up']" ||
	it_fail "node3 not shown down in node1's cluster view: $(head -c 400 "$IT_TMP/cluster.json")"
echo "ok: node1's cluster view shows node3 down: $(python3 -c "
import json
print([n['error'] for n in json.load(open('$IT_TMP/cluster.json'))['nodes'] if n['node'] == 'node3'][0])")"
for n in 1 2; do
	eval "kill -INT \$A$n; wait \$A$n" || it_fail "agent $n did not stop cleanly"
done
"$CTL" nodes --etcd "$E" | grep -q '^node[12] ' && it_fail "stopped nodes still registered"
echo "ok: stopped nodes left at once"

# secured_node N URL HOW ARGS...: an agent (node N) and cmonctl reach
# the etcd at URL with ARGS: the rules applied there, node N registered
secured_node() {
	local n=$1 url=$2 how=$3 pid i
	shift 3
	"$AGENT" --bridge "${CMON_PFX}b1" --node "node$n" --etcd "$url" "$@" \
		--json --interval 0.5 >"$IT_TMP/node$n.json" \
		2>"$IT_TMP/node$n.err" &
	pid=$!
	IT_PIDS="$IT_PIDS $pid"
	write_rules ignore
	"$CTL" rules apply "$IT_TMP/rules/cluster.yaml" --etcd "$url" "$@" \
		>/dev/null || it_fail "apply $how failed"
	for i in $(seq 75); do
		[ "$(last "$n" "o['rules']['revision'] == '$v1'")" = True ] && break
		sleep 0.2
	done
	[ "$(last "$n" "o['rules']['revision'] == '$v1'")" = True ] ||
		it_fail "agent $how did not apply $v1: $(tail -3 "$IT_TMP/node$n.err")"
	"$CTL" nodes --etcd "$url" "$@" | grep -q "^node$n " ||
		it_fail "node$n not registered $how"
	kill -INT "$pid"
	wait "$pid"
}

# etcd with authentication on: without a login nothing is published, with
# one cmonctl and an agent work as before
gw() { curl -sf -X POST "$E/v3/auth/$1" -d "$2" >/dev/null || it_fail "etcd auth/$1"; }
gw user/add '{"name":"root","password":"cmet-pw"}'
gw user/grant '{"user":"root","role":"root"}'
gw enable '{}'
printf 'cmet-pw\n' >"$IT_TMP/pw"
chmod 600 "$IT_TMP/pw"
out=$("$CTL" rules apply "$IT_TMP/rules/cluster.yaml" --etcd "$E" 2>&1) &&
	it_fail "published without a login: $out"
echo "$out" | grep -q "give --etcd-user" || it_fail "no hint to log in: $out"
login="--etcd-user root --etcd-password-file $IT_TMP/pw"
secured_node 4 "$E" "with a login" $login
echo "ok: with etcd authentication, logged in"

# etcd over TLS with client certificates (--client-cert-auth): cmonctl
# and an agent get in with --etcd-cacert, --etcd-cert and --etcd-key;
# without them each says which option is missing
command -v openssl >/dev/null || it_fail "openssl missing (tools/install-deps)"
T=$IT_TMP/tls
mkdir -p "$T"
cert() {	# cert NAME CN [EXTFILE]: NAME.pem and NAME.key, signed by ca
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" \
		-keyout "$T/$1.key" -out "$T/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
		-CAcreateserial -days 1 ${3:+-extfile "$3"} \
		-out "$T/$1.pem" 2>/dev/null || it_fail "openssl: $1"
}
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=cmet-ca \
	-keyout "$T/ca.key" -out "$T/ca.pem" 2>/dev/null || it_fail "openssl: ca"
printf 'subjectAltName=IP:127.0.0.1\n' >"$T/san"
cert server 127.0.0.1 "$T/san"
cert client cmet-node
TPORT=$(free_port)
TPEER=$(free_port)
ES=https://127.0.0.1:$TPORT
etcd --name cmets --data-dir "$IT_TMP/etcd-tls" \
	--listen-client-urls "$ES" --advertise-client-urls "$ES" \
	--listen-peer-urls "http://127.0.0.1:$TPEER" \
	--initial-advertise-peer-urls "http://127.0.0.1:$TPEER" \
	--initial-cluster "cmets=http://127.0.0.1:$TPEER" \
	--cert-file "$T/server.pem" --key-file "$T/server.key" \
	--trusted-ca-file "$T/ca.pem" --client-cert-auth \
	>>"$IT_TMP/etcd-tls.log" 2>&1 &
IT_PIDS="$IT_PIDS $!"
tls="--etcd-cacert $T/ca.pem --etcd-cert $T/client.pem --etcd-key $T/client.key"
for i in $(seq 50); do
	curl -sf --cacert "$T/ca.pem" --cert "$T/client.pem" \
		--key "$T/client.key" "$ES/version" >/dev/null && break
	sleep 0.2
done
out=$("$CTL" nodes --etcd "$ES" 2>&1) && it_fail "listed without etcd's CA: $out"
echo "$out" | grep -q -- "--etcd-cacert" || it_fail "no hint to give the CA: $out"
out=$("$CTL" nodes --etcd "$ES" --etcd-cacert "$T/ca.pem" 2>&1) &&
	it_fail "listed without a client certificate: $out"
echo "$out" | grep -q -- "--etcd-cert" || it_fail "no hint to give a certificate: $out"
secured_node 5 "$ES" "over TLS" $tls
echo "ok: etcd over TLS with client certificates"
echo "PASS: rules through etcd: published once, applied on every node, refused whole, stale and back, leases, logins, TLS"
