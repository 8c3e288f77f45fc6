#!/usr/bin/python3
"""Checks of cmon-dpdk's HTTP API for the export test (Debian's python3,
for python3-jsonschema).

  api.py validate URL SCHEMA     fetch URL, validate against doc/api/SCHEMA,
                                 print the document
  api.py events URL N            read N server-sent events, validate each
                                 against metrics.schema.json, check ids grow
  api.py influx URL DB QUERY     run an InfluxQL query, print the JSON result
"""
import json
import os
import sys
import urllib.parse
import urllib.request

import jsonschema

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "doc", "api")


def validator(name):
    store = {}
    for f in os.listdir(DOC):
        if f.endswith(".schema.json"):
            with open(os.path.join(DOC, f)) as fh:
                s = json.load(fh)
            store[s["$id"]] = s
    schema = store["https://cmon.invalid/api/" + name]
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def validate(url, name):
    with urllib.request.urlopen(url, timeout=5) as r:
        doc = json.load(r)
    validator(name).validate(doc)
    json.dump(doc, sys.stdout)
    print()


def events(url, n):
    v = validator("metrics.schema.json")
    last = 0
    got = 0
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["Content-Type"] == "text/event-stream", \
            r.headers["Content-Type"]
        ev = {}
        for raw in r:
            line = raw.decode().rstrip("\n")
            if line.startswith(":"):
                continue
            if line:
                k, _, val = line.partition(": ")
                ev[k] = val
                continue
            assert ev.get("event") == "metrics", ev
            eid = int(ev["id"])
            assert eid > last, "event ids do not grow: %d after %d" % (eid, last)
            last = eid
            v.validate(json.loads(ev["data"]))
            got += 1
            ev = {}
            if got == n:
                break
    print("%d events, last id %d" % (got, last))


def influx(url, db, q):
    qs = urllib.parse.urlencode({"db": db, "q": q})
    with urllib.request.urlopen(url + "/query?" + qs, timeout=10) as r:
        print(r.read().decode())


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "validate":
        validate(sys.argv[2], sys.argv[3])
    elif cmd == "events":
        events(sys.argv[2], int(sys.argv[3]))
    elif cmd == "influx":
        influx(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown command " + cmd)
