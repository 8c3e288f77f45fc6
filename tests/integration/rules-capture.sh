#!/bin/sh
# A rule's capture, live: the traced packets of the pairs it selects, and
# of no other, go to its pcapng file from the interval the rule comes in
# force; when an edit drops the capture the file is closed, complete, and
# the strip hops stop copying packets.  The packets in the file are the
# packets the agent counted (rule_capture_packets).
set -u
. "$(dirname "$0")/lib.sh"
it_init cmrc
for t in tshark capinfos; do
	command -v "$t" >/dev/null || it_fail "$t missing: run tools/install-deps"
done
it_host 3
RULES=$IT_TMP/node.yaml
PCAP=$IT_TMP/keep.pcapng
C1=${CMON_PFX}c1 C2=${CMON_PFX}c2 C3=${CMON_PFX}c3
IP1=$(it_ip 1) IP2=$(it_ip 2)

write_rules() {	# write_rules MEASURE: the rule keep's measure
	cat >"$RULES.new" <<YAML
version: 1
templates:
  - { template: test, bridges: [$BR], hops: [veth_in, veth_out] }
template: test
sample: 1
rules:
  - name: keep
    select:
      from: { containers: [$C1] }
      to: { containers: [$C2] }
    measure: $1
YAML
	mv "$RULES.new" "$RULES"
}
write_rules "{ sample: 1 }"

it_agent_start --rules "$RULES"
it_udp_steady "$C1" "$IP2" 5003 30 5
it_udp_steady "$C3" "$IP2" 5004 30 5
pair='lambda o, s, d: [p for p in o["pairs"] if p["src"] == s and p["dst"] == d]'
it_wait_json "no traffic reported" 10 \
	"len(($pair)(o, '$C1', '$C2')) == 1 and len(($pair)(o, '$C3', '$C2')) == 1"
[ ! -e "$PCAP" ] || it_fail "a capture file before any rule asked for one"
grep -q "capture of traced packets on" "$IT_TMP/agent.err" &&
	it_fail "capture on before any rule asked for it"

write_rules "{ sample: 1, capture: { file: $PCAP, size_mib: 8 } }"
it_wait "$IT_TMP/agent.err" "capture: rule keep's traced packets to $PCAP" 5 ||
	it_fail "the capture rule was not applied: $(tail -3 "$IT_TMP/agent.err")"
it_wait_json "nothing captured" 10 "o['counters']['rule_capture_packets'] > 200"
write_rules "{ sample: 1 }"
it_wait "$IT_TMP/agent.err" "capture: [0-9]* packets written to $PCAP" 5 ||
	it_fail "the capture was not closed when the rule dropped it"
it_wait "$IT_TMP/agent.err" "capture of traced packets off" 5 ||
	it_fail "the strip hops still capture with no capture in force"
written=$(sed -n "s|.*capture: \([0-9]*\) packets written to $PCAP|\1|p" \
	"$IT_TMP/agent.err" | tail -n 1)
n=$(capinfos -c -M "$PCAP" | sed -n 's/^Number of packets: *//p')
[ "$n" = "$written" ] ||
	it_fail "$PCAP holds $n packets, the agent wrote $written"
tshark -r "$PCAP" -T fields -e ip.src -e ip.dst -e udp.dstport \
	>"$IT_TMP/fields" 2>"$IT_TMP/tshark.err" ||
	it_fail "tshark cannot read $PCAP: $(head -3 "$IT_TMP/tshark.err")"
other=$(grep -cv "^$IP1	$IP2	5003\$" "$IT_TMP/fields")
[ "$other" = 0 ] ||
	it_fail "$other packets of other pairs in the capture: $(grep -v "^$IP1	$IP2	5003\$" "$IT_TMP/fields" | sort | uniq -c | head -5)"
it_agent_stop
echo "PASS: rule keep captured $n packets of $C1>$C2 and none of $C3>$C2, live on and off"
