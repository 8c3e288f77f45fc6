#!/usr/bin/env python3
"""Summarise cmon-kern --json output for the integration tests.

  query.py FILE SRC DST PROTO FIELD      print one summary field of a pair
                                         (SRC, DST: names or addresses)
  query.py FILE - - - COUNTER            print a monitor counter (last line)

Summary fields of a pair, over every interval in FILE: packets, bytes,
traced, lost, loss_ratio (lost/packets), seq_lost (traced packets
missing from their flow's sequence), seq_ratio (seq_lost / (traced +
seq_lost)), loss_hops (set of hops), reasons
(set of names), drops:REASON (how many drops of that reason), e2e_mean, e2e_p50_max, seg_means (dict "from>to": mean),
seg_min_p50 (smallest per-hop p50), intervals.
"""
import json
import sys


def load(path):
    """Every line must be one JSON object (only an unterminated last line,
    cut off when the agent was stopped, is tolerated)."""
    out = []
    with open(path) as f:
        text = f.read()
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(lines) - 1 and not text.endswith("\n"):
                continue
            raise SystemExit(f"{path}:{i + 1}: not valid JSON: {line[:200]}")
    return out


def summary(objs, src, dst, proto):
    s = dict(packets=0, bytes=0, traced=0, lost=0, seq_lost=0, loss_hops=set(),
             reasons=set(), drops={}, e2e_sum=0.0, e2e_n=0, e2e_p50_max=0.0,
             seg_sum={}, seg_n={}, seg_min_p50=None, intervals=0)
    for o in objs:
        for p in o["pairs"]:
            # (a container by its name, or by its address)
            if (src not in (p["src"], p.get("src_ip")) or
                    dst not in (p["dst"], p.get("dst_ip")) or
                    p["proto"] != proto):
                continue
            s["intervals"] += 1
            for k in ("packets", "bytes", "traced"):
                s[k] += p[k]
            s["lost"] += p["loss"]["lost"]
            s["seq_lost"] += p["loss"]["seq_lost"]
            if p["loss"]["hop"]:
                s["loss_hops"].add(p["loss"]["hop"])
            for r in p["loss"]["reasons"]:
                s["reasons"].add(r["reason"])
                s["drops"][r["reason"]] = (s["drops"].get(r["reason"], 0) +
                                           r["count"])
            e = p["latency_us"]["e2e"]
            if e["count"]:
                s["e2e_sum"] += e["mean"] * e["count"]
                s["e2e_n"] += e["count"]
                s["e2e_p50_max"] = max(s["e2e_p50_max"], e["p50"])
            for h in p["latency_us"]["hops"]:
                if not h["count"]:
                    continue
                k = h["from"] + ">" + h["to"]
                s["seg_sum"][k] = s["seg_sum"].get(k, 0) + h["mean"] * h["count"]
                s["seg_n"][k] = s["seg_n"].get(k, 0) + h["count"]
                if s["seg_min_p50"] is None or h["p50"] < s["seg_min_p50"]:
                    s["seg_min_p50"] = h["p50"]
    s["loss_ratio"] = s["lost"] / s["packets"] if s["packets"] else 0.0
    n = s["traced"] + s["seq_lost"]
    s["seq_ratio"] = s["seq_lost"] / n if n else 0.0
    s["e2e_mean"] = s["e2e_sum"] / s["e2e_n"] if s["e2e_n"] else 0.0
    s["seg_means"] = {k: s["seg_sum"][k] / s["seg_n"][k] for k in s["seg_sum"]}
    return s


def main():
    path, src, dst, proto, field = sys.argv[1:6]
    objs = load(path)
    if src == "-":
        print(objs[-1]["counters"][field] if objs else 0)
        return
    s = summary(objs, src, dst, proto)
    v = (s["drops"].get(field[6:], 0) if field.startswith("drops:")
         else s[field])
    if isinstance(v, set):
        v = " ".join(sorted(v))
    print(v)


if __name__ == "__main__":
    main()
