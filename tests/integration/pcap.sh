#!/bin/sh
# pcap dumps of annotated traffic: --pcap (cmon-kern here) writes pcapng that
# capinfos and tshark read; the Wireshark dissector (tools/cmon.lua)
# decodes both carriers (ICMP and UDP trailers, TCP IPv4 options) into the
# same per-hop times as the packet comments; for the same packets the
# dissector's per-hop means equal the live view's, and cmon-pcap's
# offline table equals them too; rotation keeps the files it should.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmpc
it_exporter_init
PCAPTOOL=$top_builddir/tools/cmon-pcap
[ -x "$PCAPTOOL" ] || it_fail "$PCAPTOOL not built (libpcap-dev missing?)"
for t in tshark capinfos socat; do
	command -v "$t" >/dev/null || it_fail "$t missing: run tools/install-deps"
done
LUA="-X lua_script:$top_srcdir/tools/cmon.lua"
it_host 2
IP1=$(it_ip 1)
IP2=$(it_ip 2)

it_fresh "$IT_TMP/agent.json" "$IT_TMP/agent.err"
"$APP" --bridge "$BR" --sample 1 --interval 0.5 --json \
	--pcap "$IT_TMP/d.pcapng" --pcap-size 4 >"$IT_TMP/agent.json" \
	2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" monitoring 10 || it_fail "the agent did not start"
it_in 1 ping -q -c 30 -i 0.02 -s 1000 "$IP2" >/dev/null || it_fail "ping"
it_udp_exact cmpcc1 cmpcc2 "$IP2" 0-1400/200 >/dev/null ||
	it_fail "UDP not byte-exact: $(cat "$IT_TMP/recv")"
ip netns exec cmpcc2 socat -u TCP-LISTEN:5300,reuseaddr OPEN:"$IT_TMP/tcp.out",creat &
spid=$!
it_listening cmpcc2 5300
for i in $(seq 20); do echo "message $i"; sleep 0.01; done |
	ip netns exec cmpcc1 socat -u - TCP:"$IP2":5300 || it_fail "TCP"
wait "$spid"
[ "$(wc -l <"$IT_TMP/tcp.out")" = 20 ] || it_fail "TCP data not intact"
sleep 1.5			# the last records reach the live view
kill -INT "$AGENT_PID"
wait "$AGENT_PID" || it_fail "the agent exit status $?"
AGENT_PID=""
grep -q "pcap: [0-9]* packets written to $IT_TMP/d.pcapng" "$IT_TMP/agent.err" ||
	it_fail "no pcap summary line"

capinfos -t -E -i "$IT_TMP/d.pcapng" >"$IT_TMP/capinfos" ||
	it_fail "capinfos cannot read the dump"
grep -q 'pcapng' "$IT_TMP/capinfos" && grep -q 'Ethernet' "$IT_TMP/capinfos" ||
	it_fail "capinfos: $(cat "$IT_TMP/capinfos")"
capinfos -c -M "$IT_TMP/d.pcapng" | grep -q 'nanoseconds' ||
	capinfos "$IT_TMP/d.pcapng" | grep -q 'nanoseconds (9)' ||
	it_fail "timestamps are not nanoseconds"

# the dissector: fields per packet, and the comment cmon wrote
# shellcheck disable=SC2086
tshark $LUA -r "$IT_TMP/d.pcapng" -Y cmon -T fields -E separator='|' \
	-e ip.src -e ip.dst -e ip.proto -e cmon.carrier -e cmon.seq \
	-e cmon.hop.tp -e cmon.hop.delta -e cmon.seg -e cmon.seg_us \
	-e frame.comment >"$IT_TMP/fields" 2>"$IT_TMP/tshark.err" ||
	it_fail "tshark: $(cat "$IT_TMP/tshark.err")"
"$PCAPTOOL" --json "$IT_TMP/d.pcapng" >"$IT_TMP/offline.json" ||
	it_fail "cmon-pcap failed"
"$PCAPTOOL" "$IT_TMP/d.pcapng" | grep -q "$IP1 .*$IP2 .*udp" ||
	it_fail "cmon-pcap table lacks the UDP pair"

python3 - "$IT_TMP/fields" "$IT_TMP/agent.json" "$IT_TMP/offline.json" \
	"$IP1" "$IP2" <<'EOP' || it_fail "dissector, live view and cmon-pcap disagree"
import json, sys
from collections import defaultdict
fields, live, offline, ip1, ip2 = sys.argv[1:6]
names = {ip1: "cmpcc1", ip2: "cmpcc2"}
proto_name = {"1": "icmp", "6": "tcp", "17": "udp"}
segs = defaultdict(list)          # (src, dst, proto, seg) -> [us]
count = defaultdict(int)
carriers = defaultdict(set)
for line in open(fields):
    src, dst, proto, carrier, seq, tps, deltas, seg, seg_us, comment = \
        line.rstrip("\n").split("|")
    # an ICMP error quotes the packet it answers: the outer header first
    src, dst, proto = (x.split(",")[0] for x in (src, dst, proto))
    p = proto_name[proto]
    key = (src, dst, p)
    count[key] += 1
    carriers[p].add(carrier)
    tps = tps.split(","); deltas = [int(d) for d in deltas.split(",")]
    assert tps[-1] == "4", "strip hop (veth_out) not last: %s" % tps
    # the comment carries the same hops and times
    hops = dict(kv.split("=", 1) for kv in comment.split()[1:] if "=" in kv)
    assert hops["seq"] == seq, (hops, seq)
    ch = [h.rsplit(":", 1) for h in hops["hops"].split(",")]
    assert [round(float(us) * 1000) for _, us in ch] == deltas, (ch, deltas)
    for s, us in zip(seg.split(","), seg_us.split(",")):
        segs[key + (s,)].append(float(us))
assert carriers["icmp"] == {"trailer"} and carriers["udp"] == {"trailer"}, carriers
assert carriers["tcp"] == {"ipv4-option"}, carriers
# echo requests and replies (late UDP datagrams may add port unreachables)
assert count[(ip1, ip2, "icmp")] == 30 and count[(ip2, ip1, "icmp")] >= 30, dict(count)
assert count[(ip1, ip2, "tcp")] >= 20, dict(count)

def totals(path):
    """traced and per-hop (count, sum of means) per pair, over intervals"""
    t = defaultdict(int)
    s = defaultdict(lambda: [0, 0.0])
    for line in open(path):
        for p in json.loads(line)["pairs"]:
            k = (p["src_ip"], p["dst_ip"], p["proto"])
            t[k] += p["traced"]
            for h in p["latency_us"]["hops"]:
                x = s[k + (h["from"] + ">" + h["to"],)]
                x[0] += h["count"]
                x[1] += h["count"] * h.get("mean", 0)
    return t, s

for label, path, tol in (("live", live, 0.002), ("cmon-pcap", offline, 0.002)):
    traced, hs = totals(path)
    for key, n in count.items():
        assert traced[key] == n, "%s: %s traced %d, dump %d" % (label, key, traced[key], n)
    for key, v in segs.items():
        c, tot = hs[key]
        assert c == len(v), "%s: %s %d samples, dump %d" % (label, key, c, len(v))
        mine = sum(v) / len(v)
        assert abs(tot / c - mine) <= tol * max(1, c) / c + 0.002, \
            "%s: %s mean %.4f us, dump %.4f us" % (label, key, tot / c, mine)
print("%d packets dissected; per-hop means equal in dump, live view and cmon-pcap"
      % sum(count.values()))
EOP

# rotation: small files, two kept
it_fresh "$IT_TMP/agent.err"
"$APP" --bridge "$BR" --sample 1 --quiet --pcap "$IT_TMP/r.pcapng" \
	--pcap-size 0.02 --pcap-count 2 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" monitoring 10 || it_fail "the agent did not start"
it_in 1 ping -q -c 60 -i 0.01 -s 1000 "$IP2" >/dev/null || it_fail "ping"
sleep 0.5
kill -INT "$AGENT_PID"
wait "$AGENT_PID"
AGENT_PID=""
[ -s "$IT_TMP/r.pcapng" ] && [ -s "$IT_TMP/r.pcapng.1" ] ||
	it_fail "rotation: $(ls "$IT_TMP")"
[ -e "$IT_TMP/r.pcapng.2" ] && it_fail "rotation kept more than 2 files"
for f in "$IT_TMP/r.pcapng" "$IT_TMP/r.pcapng.1"; do
	[ "$(stat -c %s "$f")" -le $((20 * 1024 * 105 / 100 + 2048)) ] ||
		it_fail "$f is $(stat -c %s "$f") bytes, limit 0.02 MiB"
	capinfos "$f" >/dev/null || it_fail "capinfos cannot read $f"
done

# bad options
if [ -n "$DPDK_APP" ]; then
	rc=0
	"$DPDK_APP" --pcap "$IT_TMP/x.pcapng" --file-prefix "${CMON_PFX}none" \
		>/dev/null 2>"$IT_TMP/bad.err" || rc=$?
	[ "$rc" = 3 ] && grep -q 'no ovs-vswitchd' "$IT_TMP/bad.err" ||
		it_fail "--pcap with neither --bridge nor OVS: $rc $(cat "$IT_TMP/bad.err")"
fi
rc=0
"$APP" --bridge "$BR" --pcap /nonexistent/dir/x.pcapng >/dev/null \
	2>"$IT_TMP/bad.err" || rc=$?
[ "$rc" = 2 ] && grep -q 'No such file' "$IT_TMP/bad.err" ||
	it_fail "unwritable --pcap: $rc $(cat "$IT_TMP/bad.err")"
echo "PASS: pcapng dumps, dissector, offline analyser and rotation"
