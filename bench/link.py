#!/usr/bin/env python3
"""What reading another host's files costs: `cat @box/NAME/status` against the
link's own round trip, measured in the same run, with no delay added and with
50 ms added to the round trip. The host is Debian's sshd in a network namespace
made here, on a veth pair, with keys made for the run; the delay is added by
`delay_relay.py` as ssh's ProxyCommand (25 ms each way), since not every kernel
has netem. The relay's own round trip (a byte to an echo service there and back
through it, with no ssh) is measured too: its timer and Python add to the 50 ms.

  link.py BIN_DIR

Needs root (ip netns) and /usr/sbin/sshd (sshbox.py). Prints one JSON object;
everything it starts (namespace, sshd, both daemons) is stopped and removed at the end.
"""
import json, os, subprocess, sys, time

from benchmount import Mount, read_once, summary
from sshbox import SSHBox, rtt_ms


def cat_ms(path, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        read_once(path)
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


# An echo service in the namespace, for the relay's own round trip.
ECHO_PORT = 7777
ECHO = ("import socket\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        "s.bind(('0.0.0.0', %d)); s.listen(8)\n"
        "while True:\n"
        "    c, _ = s.accept(); c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
        "    while (b := c.recv(4096)):\n"
        "        c.sendall(b)\n"
        "    c.close()\n") % ECHO_PORT


def relay_rtt_ms(addr, n, ms):
    """One byte to an echo service in the namespace and back, through `delay_relay.py`
    holding each chunk `ms` each way, as ssh's ProxyCommand does: the link's round trip
    as the relay makes it (its own lag included), with no ssh and no hivefs."""
    relay = os.path.join(os.path.dirname(os.path.abspath(__file__)), "delay_relay.py")
    p = subprocess.Popen(["python3", relay, addr, str(ECHO_PORT), str(ms)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out = []
    try:
        for i in range(n + 3):
            t0 = time.perf_counter_ns()
            os.write(p.stdin.fileno(), b"x")
            os.read(p.stdout.fileno(), 1)
            if i >= 3:  # the first ones wait for Python to start and connect
                out.append((time.perf_counter_ns() - t0) / 1e6)
    finally:
        p.kill()
        p.wait()
    return out


def main(bins):
    echo = None
    with SSHBox({"box": 0, "slowbox": 50}) as box:
        try:
            echo = subprocess.Popen(["ip", "netns", "exec", box.ns, "python3", "-c", ECHO], stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            far = Mount(bins, "hivefs-bench-far-")
            far.sock += "-far"
            with far:
                far.control(f"new s agent=shell dir={far.work} command=\"sleep 300\"")
                here = Mount(bins, "hivefs-bench-here-")
                with open(os.path.join(here.work, "none.toml"), "w") as f:
                    f.write(box.hosts_toml(bins, {"box": far.state, "slowbox": far.state}))
                with here:
                    path = os.path.join(here.mnt, "@slowbox", "s", "status")
                    deadline = time.time() + 30
                    while not os.path.exists(path):
                        if time.time() > deadline:
                            log = open(os.path.join(here.work, "daemon.log")).read()
                            raise SystemExit(f"@slowbox/s/status never appeared; {os.listdir(here.mnt)}; daemon log:\n{log}")
                        time.sleep(0.1)
                    local = os.path.join(far.mnt, "s", "status")
                    out = {}
                    for added, host in ((0, "box"), (50, "slowbox")):
                        p = os.path.join(here.mnt, "@" + host, "s", "status")
                        cat_ms(p, 3)
                        rtt = [x + added for x in rtt_ms(box.addr, 21)]
                        cat = cat_ms(p, 21)
                        r, c = summary(rtt), summary(cat)
                        out[str(added)] = {"rtt_ms": r, "cat_ms": c, "round_trips": c["median"] / max(r["median"], 0.001),
                                           "over_rtt_ms": c["median"] - r["median"]}
                        if added:
                            rr = summary(relay_rtt_ms(box.addr, 21, added // 2))
                            out[str(added)].update({"relay_rtt_ms": rr, "over_relay_rtt_ms": c["median"] - rr["median"]})
                    out["local_cat_ms"] = summary(cat_ms(local, 101))
                    print(json.dumps(out))
        finally:
            if echo:
                echo.kill()
                echo.wait()


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
