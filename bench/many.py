#!/usr/bin/env python3
"""A thousand sessions on one mount: what mounting costs with all of them to adopt,
what the root `status.json` (what `hivefs top` reads each second) costs, and what
the daemon costs while they are quiet.

  many.py BIN_DIR [SESSIONS] [SECONDS]     (default 1000 sessions, 30 s of quiet)

Prints one JSON object. Everything it starts is stopped at the end.
"""
import json, os, subprocess, sys, time

from benchmount import Mount, summary
from idle import cpu_seconds, peak_rss_mib


def adopted(mnt, since):
    """How many `adopted` events the root events holds from byte `since` on."""
    with open(os.path.join(mnt, "events"), "rb") as f:
        f.seek(since)
        return sum(1 for line in f.read().split(b"\n") if b" adopted " in line)


def main(bins, sessions, seconds):
    with Mount(bins, "hivefs-bench-many-", wait_s=120) as m:
        t0 = time.time()
        lines = ['new m%04d agent=shell command="sleep 7200"' % i for i in range(sessions)]
        for i in range(0, sessions, 50):
            m.control("\n".join(lines[i:i + 50]))
        create_s = time.time() - t0
        deadline = time.time() + 300
        while time.time() < deadline:
            with open(os.path.join(m.mnt, "status.json")) as f:
                rows = json.load(f)
            if len(rows) == sessions and all(r.get("state") == "idle" for r in rows):
                break
            time.sleep(1)
        reads = []
        for _ in range(21):
            r0 = time.perf_counter()
            with open(os.path.join(m.mnt, "status.json"), "rb") as f:
                size = len(f.read())
            reads.append((time.perf_counter() - r0) * 1000)
        tmux_pid = int(subprocess.run(["tmux", "-L", m.sock, "display-message", "-p", "#{pid}"],
                                      capture_output=True, text=True, check=True).stdout)
        d0, x0 = cpu_seconds(m.daemon.pid), cpu_seconds(tmux_pid)
        time.sleep(seconds)
        idle_cpu = cpu_seconds(m.daemon.pid) - d0
        idle_tmux = cpu_seconds(tmux_pid) - x0
        rss = peak_rss_mib(m.daemon.pid)
        # Mount again with every agent running: each is adopted.
        since = os.path.getsize(os.path.join(m.mnt, "events"))
        answered = m.remount()
        r0 = time.time() - answered
        while adopted(m.mnt, since) < sessions and time.time() - r0 < 120:
            time.sleep(0.02)
        all_adopted = time.time() - r0
        rss_after = peak_rss_mib(m.daemon.pid)
        subprocess.run(["tmux", "-L", m.sock, "kill-server"], stderr=subprocess.DEVNULL)
        return {"sessions": sessions, "seconds": seconds, "create_s": create_s,
                "status_json_ms": summary(reads), "status_json_bytes": size,
                "idle_cpu_s": idle_cpu, "idle_tmux_cpu_s": idle_tmux, "idle_core_pct": 100 * (idle_cpu + idle_tmux) / seconds,
                "rss_mib": rss, "remount_answered_s": answered, "remount_adopted_s": all_adopted,
                "adopted": adopted(m.mnt, since), "rss_after_remount_mib": rss_after}


if __name__ == "__main__":
    a = sys.argv
    print(json.dumps(main(os.path.abspath(a[1]), int(a[2]) if len(a) > 2 else 1000, float(a[3]) if len(a) > 3 else 30)))
