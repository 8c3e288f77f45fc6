#!/bin/sh
# Faults under traffic, against receivers checking every byte:
# - the agent (cmon-kern) and an exporter (cmon-dpdk --bridge where DPDK is
#   installed, else cmon-kern --http) killed with
#   SIGKILL again and again while TCP and UDP flow: no byte changed, nothing
#   left attached, and a clean start after;
# - a burst that fills the record ring while the agent is stopped: the
#   records it could not keep are counted (ring_full), the packets still
#   delivered byte-exact and no loss reported;
# - the pcap file's disk full: write errors counted, the exporter goes on
#   and exits cleanly.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmtf
it_exporter_init
it_host 2

# udp_check: in container 2, check every datagram on port 5020 (2-byte
# length, 4-byte sequence, then a pattern of both) until 3 s pass without
# one; prints "datagrams N bad M"
udp_check() {
	it_fresh "$IT_TMP/ucheck"
	it_in 2 python3 -u -c "
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(('0.0.0.0', 5020))
s.settimeout(3)
print('ready', flush=True)
n = bad = 0
try:
    while True:
        d = s.recv(4096)
        n += 1
        if len(d) < 6:
            bad += 1
            continue
        ln, seq = struct.unpack('!HI', d[:6])
        want = bytes((seq * 7 + i) & 0xff for i in range(ln - 6))
        if ln != len(d) or d[6:] != want:
            bad += 1
except socket.timeout:
    pass
print('datagrams', n, 'bad', bad)
" >"$IT_TMP/ucheck" 2>&1 &
	it_wait "$IT_TMP/ucheck" ready || it_fail "UDP checker did not start"
}

# udp_load SECONDS [MAX [PAUSE [COUNT]]]: datagrams of 6..MAX (1400) bytes
# to container 2, a PAUSE (0.002 s) every 20, for SECONDS or until COUNT
# are sent; prints how many
udp_load() {
	it_in 1 python3 -c "
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, seq, count = time.time() + $1, 0, ${4:-0}
while time.time() < end and (not count or seq < count):
    ln = 6 + (seq * 37) % (${2:-1400} - 5)
    s.sendto(struct.pack('!HI', ln, seq) +
             bytes((seq * 7 + i) & 0xff for i in range(ln - 6)),
             ('$(it_ip 2)', 5020))
    seq += 1
    if seq % 20 == 0 and ${3:-0.002}:
        time.sleep(${3:-0.002})
print(seq)
"
}

# tcp_load: 30 MB over TCP from container 1 to 2 (in the background, PID
# in SPID, the receiver's in TPID); sha256 in $IT_TMP/tsent,
# what arrived in $IT_TMP/tgot
tcp_load() {
	head -c 30M /dev/urandom >"$IT_TMP/tdata"
	sha256sum <"$IT_TMP/tdata" | cut -d' ' -f1 >"$IT_TMP/tsent"
	it_fresh "$IT_TMP/tgot"
	it_in 2 sh -c "socat -u TCP-LISTEN:5021,reuseaddr - | sha256sum | cut -d' ' -f1" \
		>"$IT_TMP/tgot" &
	TPID=$!
	it_listening "${CMON_PFX}c2" 5021
	# about 4 MB/s, so it spans the kills
	it_in 1 python3 -c "
import socket, time
c = socket.create_connection(('$(it_ip 2)', 5021))
with open('$IT_TMP/tdata', 'rb') as f:
    while True:
        b = f.read(65536)
        if not b:
            break
        c.sendall(b)
        time.sleep(0.016)
c.close()
" &
	SPID=$!
}

attached() {
	bpftool prog show | grep -c "cmon_veth" || true
}

echo "== SIGKILL of the agent and the exporter under TCP and UDP"
udp_check
tcp_load
udp_load 9 >"$IT_TMP/usent" &
upid=$!
for round in 1 2 3; do
	it_agent_start --sample 1
	sleep 1
	kill -KILL "$AGENT_PID"
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=""
	it_fresh "$IT_TMP/x.err"
	"${DPDK_APP:-$APP}" --bridge "$BR" --sample 1 --quiet --http 127.0.0.1:0 \
		2>"$IT_TMP/x.err" &
	xpid=$!
	it_wait "$IT_TMP/x.err" "monitoring" 10 || it_fail "exporter did not start"
	sleep 1
	kill -KILL "$xpid"
	wait "$xpid" 2>/dev/null
done
wait "$upid"
wait "$SPID" || it_fail "TCP sender failed"
wait "$TPID"
it_wait "$IT_TMP/ucheck" datagrams 10 || it_fail "UDP checker did not finish"
set -- $(cat "$IT_TMP/ucheck" | tail -1)
echo "udp: sent $(cat "$IT_TMP/usent"), $*; tcp: $(cat "$IT_TMP/tsent") -> $(cat "$IT_TMP/tgot")"
[ "$4" = 0 ] || it_fail "$4 datagrams changed"
[ "$2" -gt 1000 ] || it_fail "only $2 datagrams arrived"
[ "$(cat "$IT_TMP/tsent")" = "$(cat "$IT_TMP/tgot")" ] || it_fail "TCP data changed"
[ "$(attached)" = 0 ] || it_fail "programs left attached after SIGKILL"
# a clean start after it all
it_agent_start --sample 1
it_in 1 ping -q -c 3 -i 0.1 "$(it_ip 2)" >/dev/null || it_fail "ping after the kills"
it_settle
it_agent_stop
[ "$(it_query cmtfc1 cmtfc2 icmp traced)" -ge 3 ] || it_fail "not tracing after the kills"

echo "== a burst that fills the record ring while the agent is stopped"
it_agent_start --sample 1 --interval 0.5
udp_check
kill -STOP "$AGENT_PID"
# far more records than the rings hold (16384 a CPU), however
# fast this machine sends
udp_load 60 40 0.0005 60000 >"$IT_TMP/usent"
kill -CONT "$AGENT_PID"
it_wait "$IT_TMP/ucheck" datagrams 10 || it_fail "UDP checker did not finish"
it_settle 2
it_agent_stop
set -- $(cat "$IT_TMP/ucheck" | tail -1)
full=$(it_query - - - ring_full)
lost=$(it_query cmtfc1 cmtfc2 udp lost)
echo "burst: sent $(cat "$IT_TMP/usent"), $*; ring_full $full, loss reported $lost"
[ "$4" = 0 ] || it_fail "$4 datagrams changed"
[ "$2" = "$(cat "$IT_TMP/usent")" ] || it_fail "datagrams lost on the path"
[ "$full" -gt 0 ] || it_fail "a full ring was not counted"
[ "$lost" = 0 ] || it_fail "$lost packets reported lost"

echo "== the pcap file's disk full"
mkdir -p "$IT_TMP/full"
mount -t tmpfs -o size=128k cmtf-full "$IT_TMP/full" || it_fail "cannot mount a small tmpfs"
it_on_exit "umount '$IT_TMP/full' 2>/dev/null"
it_fresh "$IT_TMP/p.json" "$IT_TMP/p.err"
"$APP" --bridge "$BR" --sample 1 --json --interval 0.5 \
	--pcap "$IT_TMP/full/dump.pcapng" >"$IT_TMP/p.json" 2>"$IT_TMP/p.err" &
ppid=$!
it_wait "$IT_TMP/p.err" "monitoring" 10 || it_fail "exporter did not start"
it_in 1 ping -q -c 400 -i 0.005 -s 1000 "$(it_ip 2)" >/dev/null ||
	it_fail "ping (disk full)"
sleep 1.5
kill -0 "$ppid" || it_fail "the exporter died with its disk full"
kill -INT "$ppid"
rc=0
wait "$ppid" || rc=$?
errors=$(python3 "$HERE/query.py" "$IT_TMP/p.json" - - - pcap_write_errors)
written=$(python3 "$HERE/query.py" "$IT_TMP/p.json" - - - pcap_packets)
echo "disk full: exit $rc, pcap_packets $written, pcap_write_errors $errors"
[ "$rc" = 0 ] || it_fail "exit status $rc"
[ "$errors" -gt 0 ] || it_fail "no write error counted"
grep -q "pcap" "$IT_TMP/p.err" || it_fail "no word about the pcap file"
echo "PASS: no byte changed under SIGKILL, a full ring and a full disk counted"
