#!/usr/bin/env python3
"""Benchmarks of hivefs's hook path, each measured against a baseline in the same run.

  hooks.py cost BIN_DIR       one hook call vs `sh -c 'cat >/dev/null; true'`
  hooks.py latency BIN_DIR    from a hook's return to its line in `events`

Prints one JSON object with the figures. Processes are started with posix_spawn
and timed with a monotonic clock, so the harness adds the same small cost to
every call it makes, hook or baseline. Everything started is stopped at the end.
"""
import json, os, shutil, subprocess, sys, tempfile, time

from benchmount import Mount, summary

PAYLOAD = json.dumps({
    "session_id": "4f1c8a2e-5b7d-4c11-9a0e-2d6f3b8c9e01",
    "transcript_path": "/home/ana/.claude/projects/-home-ana-src-app/4f1c8a2e-5b7d-4c11-9a0e-2d6f3b8c9e01.jsonl",
    "cwd": "/home/ana/src/app", "permission_mode": "default", "hook_event_name": "PreToolUse",
    "tool_name": "Edit", "tool_use_id": "toolu_01Lwu46fF9D2uK8nsi9UhoQD",
    "tool_input": {"file_path": "/home/ana/src/app/Sources/Auth/Login.swift",
                   "old_string": "let token = try await store.fetch(user)\n" * 6,
                   "new_string": "let token = try await TokenStore.shared.token(for: user)\n" * 6},
}, separators=(",", ":")).encode()


def spawn_wait(argv, stdin_path):
    fd = os.open(stdin_path, os.O_RDONLY)
    try:
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0)])
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return status


def cost(bins, rounds=21, calls=100):
    work = tempfile.mkdtemp(prefix="hivefs-bench-")
    try:
        payload = os.path.join(work, "payload.json")
        with open(payload, "wb") as f:
            f.write(PAYLOAD)
        log = os.path.join(work, "hooks.log")
        argvs = {"base": ["/bin/sh", "-c", "cat >/dev/null; true"],
                 "hook": [os.path.join(bins, "hivefs-hook"), log],
                 "full": [os.path.join(bins, "hivefs"), "hook", log]}
        per = {name: [] for name in argvs}
        ratios = {"hook": [], "full": []}
        for _ in range(rounds):
            r = {}
            for name, argv in argvs.items():
                t0 = time.perf_counter_ns()
                for _ in range(calls):
                    spawn_wait(argv, payload)
                r[name] = (time.perf_counter_ns() - t0) / calls / 1000
                per[name].append(r[name])
            for name in ratios:
                ratios[name].append(r[name] / r["base"])
        lines = sum(1 for _ in open(log, "rb"))
        assert lines == 2 * rounds * calls, f"{lines} records for {2 * rounds * calls} calls"
        return {"payload_bytes": len(PAYLOAD), "calls": rounds * calls,
                "hook_us": summary(per["hook"]), "base_us": summary(per["base"]), "ratio": summary(ratios["hook"]),
                "full_us": summary(per["full"]), "full_ratio": summary(ratios["full"])}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def hook_to_line(bins, log, events_path, work, n, warmup=0, timeout_s=5):
    """Calls `hivefs-hook LOG` `warmup + n` times, each with a payload marked with its
    number, and times each from its return until its line shows in `events_path`
    (opened once, read on from its end); the first `warmup` calls are not timed
    (they may wait for what starts the pipeline) and may take 60 s."""
    events = os.open(events_path, os.O_RDONLY)
    os.lseek(events, 0, os.SEEK_END)
    payload = os.path.join(work, "payload.json")
    seen = b""
    samples = []
    try:
        for i in range(-warmup, n):
            marker = f"lat-{i}-end"
            with open(payload, "wb") as f:
                f.write(PAYLOAD.replace(b"/Login.swift", f"/Login-{marker}.swift".encode()))
            spawn_wait([os.path.join(bins, "hivefs-hook"), log], payload)
            t0 = time.perf_counter_ns()
            needle = marker.encode()
            while needle not in seen:
                chunk = os.read(events, 1 << 16)
                if chunk:
                    seen += chunk
                else:
                    time.sleep(0.00005)
                if time.perf_counter_ns() - t0 > (60 if i < 0 else timeout_s) * 1e9:
                    raise SystemExit(f"hook {i} never showed in {events_path}")
            if i >= 0:
                samples.append((time.perf_counter_ns() - t0) / 1e6)
            seen = seen[seen.rfind(b"\n") + 1:]
    finally:
        os.close(events)
    return sorted(samples)


def latency(bins, n=1000):
    with Mount(bins, "hivefs-bench-") as m:
        m.control('new lat agent=shell command="sleep 600"')
        log = os.path.join(m.state, "sessions", "lat", "hooks.log")
        s = hook_to_line(bins, log, os.path.join(m.mnt, "lat", "events"), m.work, n)
        return {"events": n, "p50_ms": s[n // 2], "p99_ms": s[(n * 99) // 100], "max_ms": s[-1]}


if __name__ == "__main__":
    what, bins = sys.argv[1], os.path.abspath(sys.argv[2])
    print(json.dumps({"cost": cost, "latency": latency}[what](bins)))
