#!/bin/sh
# A rule with ports: the traffic to its port is a pair of its own, with
# its own figures, rule and alerts, apart from the same containers'
# traffic to other ports.  Counted against the senders and an nft
# counter: c1 sends to c2's ports 5003 (the rule's) and 5005, 1 in 5
# datagrams to 5003 dropped on the bridge; the loss and the alert are the
# port's pair's alone, on /metrics and in the history too.  An edit
# without the port puts its traffic back with the rest.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmrp
it_host 2
mkdir -p "$IT_TMP/rules"
cp -r "$top_srcdir/etc/templates" "$IT_TMP/templates"
RULES=$IT_TMP/rules/node.yaml
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2
write_rules() {	# write_rules WITH-PORT-RULE(1|0)
	{
		cat <<YAML
version: 1
templates:
  - template: test
    bridges: [$BR]
    hops: [veth_in, veth_out, host_in, host_out]
template: test
rules:
  - name: c1-c2
    select:
      from: { containers: [$C1] }
      to: { containers: [$C2] }
    measure: { sample: 4 }
YAML
		[ "$1" = 1 ] && cat <<YAML
  - name: c2-port
    select:
      from: { containers: [$C1] }
      to: { containers: [$C2] }
      protocols: [udp]
      ports: [5003]
    alerts:
      - name: port-lossy
        when: loss.ratio > 5%
        for: 1s
YAML
	} >"$RULES.new"
	mv "$RULES.new" "$RULES"
}
write_rules 1

port=$(cmon_ns_port "$C1")
nft -f - <<NFT || it_fail "cannot install the nft table"
table bridge $CMON_PFX {
	chain forward {
		type filter hook forward priority 0; policy accept;
		iifname "$port" udp dport 5003 numgen inc mod 5 == 0 counter drop
	}
}
NFT

# sums over the agent's intervals from line FROM on, of c1>c2's pair of
# port PORT (None: the other ports): packets lost traced intervals
pair_sums() {	# pair_sums PORT [FROM]
	python3 - "$IT_TMP/agent.json" "$1" "${2:-1}" "$C1" "$C2" <<'PY'
import json, sys
path, port, first, src, dst = sys.argv[1:6]
port = None if port == "None" else int(port)
pk = lost = traced = n = 0
rules, samples = set(), set()
for i, line in enumerate(open(path), 1):
    if i < int(first):
        continue
    try:
        o = json.loads(line)
    except ValueError:
        continue
    for p in o["pairs"]:
        if (p["src"], p["dst"], p["proto"], p["port"]) == (src, dst, "udp", port):
            pk += p["packets"]; lost += p["loss"]["lost"]
            traced += p["traced"]; n += 1
            rules.add(p["rule"]); samples.add(p["sample"])
print(pk, lost, traced, n, ",".join(sorted(map(str, rules))),
      ",".join(sorted(map(str, samples))))
PY
}

# udp_send DST PORT SECONDS: 200-byte datagrams from c1, paced; prints
# how many were sent
udp_send() {
	it_in 1 python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n = time.time() + $3, 0
while time.time() < end:
    s.sendto(b'x' * 200, ('$1', $2))
    n += 1
    if n % 20 == 0:
        time.sleep(0.01)
print(n)
"
}
dropped() {
	nft list chain bridge "$CMON_PFX" forward |
		sed -n 's/.*packets \([0-9]*\) .*/\1/p'
}

it_agent_start --rules "$RULES" --http 127.0.0.1:0
HPORT=$(it_http_port "$IT_TMP/agent.err")
udp_send "$(it_ip 2)" 5003 6 >"$IT_TMP/sent3" &
s3=$!
udp_send "$(it_ip 2)" 5005 6 >"$IT_TMP/sent5" &
s5=$!
alert='[a for a in o["alerts"] if a["alert"] == "port-lossy"]'
it_wait_json "the port's alert did not fire" 6 "len($alert) == 1 and $alert[0]['state'] == 'firing'"
[ "$(it_last_json "$alert[0]['port']")" = 5003 ] ||
	it_fail "alert not on the port's pair: $(it_last_json "$alert[0]")"
curl -sf "http://127.0.0.1:$HPORT/metrics" >"$IT_TMP/metrics" || it_fail "no /metrics"
grep -q "^cmon_alert{.*alertname=\"port-lossy\",rule=\"c2-port\",src=\"$C1\",dst=\"$C2\",proto=\"udp\",port=\"5003\",.*alertstate=\"firing\"} 1" \
	"$IT_TMP/metrics" || it_fail "no firing cmon_alert with the port: $(grep cmon_alert "$IT_TMP/metrics")"
wait "$s3" "$s5" || it_fail "a sender failed"
it_settle 2
sent3=$(cat "$IT_TMP/sent3") sent5=$(cat "$IT_TMP/sent5") drop3=$(dropped)
set -- $(pair_sums 5003)
echo "port 5003: sent $sent3, dropped $drop3 (nft); pair: packets $1, lost $2, traced $3, rule $5, sample $6"
[ "$1" = "$sent3" ] || it_fail "port 5003's pair counted $1 packets of $sent3"
[ "$drop3" -gt 0 ] && [ "$2" = "$drop3" ] ||
	it_fail "port 5003's pair lost $2, nft dropped $drop3"
[ "$5" = c2-port ] || it_fail "port 5003's pair under rule $5"
[ "$6" = 4 ] || it_fail "port 5003's pair traced 1 in $6, not as its addresses' rule (4) says"
set -- $(pair_sums None)
echo "other ports: sent $sent5; pair: packets $1, lost $2, traced $3, rule $5, sample $6"
[ "$1" = "$sent5" ] && [ "$2" = 0 ] ||
	it_fail "the other ports' pair: $1 packets, $2 lost (sent $sent5, none dropped)"
[ "$5" = c1-c2 ] || it_fail "the other ports' pair under rule $5"
python3 -c "import sys; sys.exit(not 0.15 <= $3 / $sent5 <= 0.35)" ||
	it_fail "the other ports' pair traced $3 of $sent5 at 1 in 4"
echo "ok: the port's pair apart: its packets, its loss, its rule; sampling by addresses"

python3 "$HERE/api.py" validate "http://127.0.0.1:$HPORT/api/v1/metrics" \
	metrics.schema.json >/dev/null ||
	it_fail "/api/v1/metrics with a port's pair not as doc/api/metrics.schema.json says"
curl -sf "http://127.0.0.1:$HPORT/metrics" >"$IT_TMP/metrics" || it_fail "no /metrics"
grep -q "^cmon_packets_total{node=\"[^\"]*\",src=\"$C1\",dst=\"$C2\",proto=\"udp\",port=\"5003\"} $sent3" \
	"$IT_TMP/metrics" || it_fail "port 5003's packets not on /metrics: $(grep cmon_packets_total "$IT_TMP/metrics")"
grep -q "^cmon_packets_total{node=\"[^\"]*\",src=\"$C1\",dst=\"$C2\",proto=\"udp\"} $sent5" \
	"$IT_TMP/metrics" || it_fail "the other ports' packets not on /metrics"
H="http://127.0.0.1:$HPORT/api/v1/history?src=$C1&dst=$C2&proto=udp"
curl -sf "$H&port=5003" | grep -q '"port":5003,"points":\[{' ||
	it_fail "no history of port 5003's pair: $(curl -s "$H&port=5003" | head -c 300)"
curl -sf "$H&port=0" | grep -q '"port":null,"points":\[{' ||
	it_fail "no history of the other ports' pair"
code=$(curl -s -o /dev/null -w '%{http_code}' "$H&port=x")
[ "$code" = 400 ] || it_fail "a bad port answered $code"
echo "ok: the port on /metrics, in the alert's labels and in the history"

# the port rule removed: the port's traffic goes back to the addresses'
write_rules 0
it_wait_json "the edit was not applied" 10 "o['rules']['error'] is None and not any(a['alert'] == 'port-lossy' and a['state'] != 'resolved' for a in o['alerts'])"
from=$(($(wc -l <"$IT_TMP/agent.json") + 1))
sent=$(udp_send "$(it_ip 2)" 5003 3)
it_settle 2
drop=$(($(dropped) - drop3))
set -- $(pair_sums None "$from")
echo "after the edit: $sent sent to 5003, $drop dropped; the addresses' pair: packets $1, lost $2"
[ "$1" = "$sent" ] && [ "$2" = "$drop" ] ||
	it_fail "after the edit the addresses' pair counted $1 packets, $2 lost"
set -- $(pair_sums 5003 "$from")
[ "$1" = 0 ] || it_fail "port 5003's pair still counts ($1 packets) without a rule naming it"
it_agent_stop
echo "PASS: a rule's ports set their traffic apart: exact figures, alerts, labels and history per port"
