#!/usr/bin/env python3
"""Other hosts' sessions in this host's root files, each figure against a baseline
measured in the same run:

- `cat status.json` with 4 other hosts of 50 sessions each, 50 ms added to each
  link's round trip, against `cat status.json` of one mount with 200 local
  sessions (goal: at most 1.5 times that plus one round trip);
- a hook on another host, until its line shows in this host's root `events`,
  against the link's round trip (goal: p99 within one round trip plus 10 ms);
- what idle links cost: CPU of this host's daemon and its ssh clients, and of
  the far side's `hivefs serve` relays and daemons, over 30 s of quiet (goal: at
  most 0.5% of a core on each side), next to a daemon with no link.

  fleet.py BIN_DIR

The hosts are one sshd in a network namespace made here (sshbox.py), named four
times, each name reaching its own far daemon. Prints one JSON object; everything
started is stopped and removed at the end.
"""
import json, os, sys, time

from benchmount import Mount, read_once, summary, ticks
from hooks import hook_to_line
from sshbox import SSHBox, rtt_ms

HOSTS = 4
PER_HOST = 50
DELAY_MS = 50


def wait_for(pred, seconds, what, log=None):
    deadline = time.time() + seconds
    while not pred():
        if time.time() > deadline:
            raise SystemExit(f"{what} did not happen in {seconds} s" + (f"; daemon log:\n{open(log).read()}" if log else ""))
        time.sleep(0.1)


def sessions(mount, prefix, n):
    """Makes `n` shell sessions and waits until each has started."""
    for i in range(n):
        mount.control(f"new {prefix}{i} agent=shell dir={mount.work} command=\"sleep 900\"")
    listing = os.path.join(mount.mnt, "status.json")
    wait_for(lambda: open(listing).read().count('"state":"idle"') >= n, 120, f"{n} sessions idle")


def cat_ms(path, n, gap_s=0.0):
    out = []
    for _ in range(n):
        if gap_s:
            time.sleep(gap_s)
        t0 = time.perf_counter_ns()
        read_once(path)
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def pids(match):
    """Processes whose command line contains every string of `match`."""
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            cmd = open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if all(m in cmd for m in match):
            out.append(int(p))
    return out


def cpu_percent(groups, seconds):
    """Percent of one core each group of pids used over `seconds`."""
    hz = os.sysconf("SC_CLK_TCK")
    before = {k: sum(ticks(p) for p in v) for k, v in groups.items()}
    time.sleep(seconds)
    return {k: 100.0 * (sum(ticks(p) for p in v) - before[k]) / hz / seconds for k, v in groups.items()}


def main(bins):
    names = {f"h{i}": DELAY_MS for i in range(HOSTS)}
    with SSHBox(names) as box:
        fars = [Mount(bins, f"hivefs-bench-far{i}-") for i in range(HOSTS)]
        for i, f in enumerate(fars):
            f.sock += f"-far{i}"
        entered = []
        try:
            for f in fars:
                entered.append(f.__enter__())
                sessions(f, "s", PER_HOST)
            fars[0].control(f"new lat agent=shell dir={fars[0].work} command=\"sleep 900\"")
            alone = Mount(bins, "hivefs-bench-local200-")
            alone.sock += "-alone"
            with alone:
                sessions(alone, "s", HOSTS * PER_HOST)
                here = Mount(bins, "hivefs-bench-here-")
                here.sock += "-here"
                with open(os.path.join(here.work, "none.toml"), "w") as c:
                    c.write(box.hosts_toml(bins, {n: f.state for n, f in zip(names, fars)}))
                with here:
                    log = os.path.join(here.work, "daemon.log")
                    fleet = os.path.join(here.mnt, "status.json")
                    want = HOSTS * PER_HOST + 1
                    wait_for(lambda: open(fleet).read().count('"name":"@') >= want, 120, f"{want} sessions in status.json", log)
                    rtt = summary([x + DELAY_MS for x in rtt_ms(box.addr, 21)])
                    # Each read asks the hosts again: spaced past the 250 ms an answer is used as it is.
                    cat_ms(fleet, 3, 0.3)
                    remote = summary(cat_ms(fleet, 21, 0.3))
                    local = summary(cat_ms(os.path.join(alone.mnt, "status.json"), 21, 0.3))
                    out = {"hosts": HOSTS, "per_host": PER_HOST, "added_ms": DELAY_MS, "rtt_ms": rtt,
                           "fleet_json_ms": remote, "local_json_ms": local,
                           "fleet_goal_ms": 1.5 * local["median"] + rtt["median"]}
                    out["hook"] = hook_latency(bins, fars[0], here, rtt)
                    # Quiet: nothing read, nothing written, every link up.
                    time.sleep(5)
                    groups = {
                        "here_daemon_and_ssh": [here.daemon.pid] + pids(["ssh", "-F", box.config]),
                        "far_serve_and_daemons": pids(["serve", "--stdio", "--state"]) + [f.daemon.pid for f in fars],
                        "far_daemons_only": [f.daemon.pid for f in fars],
                        "unlinked_daemon_200": [alone.daemon.pid],
                    }
                    out["idle_cpu_percent"] = cpu_percent(groups, 30)
                    print(json.dumps(out))
        finally:
            for f in reversed(entered):
                f.__exit__(None, None, None)


def hook_latency(bins, far, here, rtt, n=200):
    """From a hook's return on the far side to its line in this host's root `events`
    (after one that is not timed: the first waits for the link to follow them)."""
    log = os.path.join(far.state, "sessions", "lat", "hooks.log")
    s = hook_to_line(bins, log, os.path.join(here.mnt, "events"), far.work, n, warmup=1, timeout_s=10)
    return {"events": n, "p50_ms": s[n // 2], "p99_ms": s[(n * 99) // 100], "max_ms": s[-1],
            "goal_ms": rtt["median"] + 10}


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
