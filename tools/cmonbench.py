"""What cmon's Python benchmarks share: N containers (network namespaces)
on one bridge, created in batches, and their removal.  Every name starts
with the caller's prefix."""
import subprocess
import sys
import time


def run(*cmd, check=True):
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True).stdout


def addr(i):
    """Container i's address (1-based) in 10.215.0.0/16."""
    return f"10.215.{(i + 1) // 256}.{(i + 1) % 256}"


def cleanup(pfx, bridge):
    """Remove the containers and the bridge; return once their ports
    (which go with their namespaces, a moment later) are gone."""
    for line in run("ip", "netns", "list").splitlines():
        ns = line.split()[0] if line.split() else ""
        if ns.startswith(pfx):
            run("ip", "netns", "del", ns, check=False)
    run("ip", "link", "del", bridge, check=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        links = [l.split(":")[1].strip().split("@")[0]
                 for l in run("ip", "-o", "link", "show").splitlines()]
        ours = [l for l in links if l.startswith(pfx)]
        if not ours:
            return
        for l in ours:
            run("ip", "link", "del", l, check=False)
        time.sleep(0.2)


def bridge(br):
    run("ip", "link", "add", br, "type", "bridge")
    run("ip", "addr", "add", "10.215.0.1/16", "dev", br)
    run("ip", "link", "set", br, "up")


def containers(pfx, br, first, last, quiet=False):
    """Containers PFX<first>..PFX<last> on bridge @br (10.215.0.0/16);
    their ports are named PFXp<i>."""
    batch = []
    for i in range(first, last + 1):
        ns = f"{pfx}{i}"
        batch += [f"netns add {ns}",
                  f"link add {pfx}p{i} type veth peer name eth0 netns {ns}",
                  f"link set {pfx}p{i} master {br} up"]
    subprocess.run(["ip", "-batch", "-"], input="\n".join(batch) + "\n",
                   text=True, check=True)
    for i in range(first, last + 1):
        subprocess.run(["ip", "-n", f"{pfx}{i}", "-batch", "-"],
                       input=f"addr add {addr(i)}/16 dev eth0\n"
                             "link set eth0 up\nlink set lo up\n",
                       text=True, check=True)
        if not quiet and i % 250 == 0:
            print(f"  {i} containers", file=sys.stderr, flush=True)
