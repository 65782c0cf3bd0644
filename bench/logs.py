#!/usr/bin/env python3
"""Reading the end of a long log costs what reading the end of a short one does;
and reading a whole one runs at what the file system allows. A session whose log
holds EVENTS events (written into a state folder before the mount, in the format
the daemon writes) against one holding 100, `cat` of the long one against the
same bytes on the C floor (bench/floorfs.c), and the time to mount: the first
time (the whole log replayed) and again (from the record saved).

  logs.py BIN_DIR FLOORFS [EVENTS]     (default 1000000)

Prints one JSON object. Everything it starts is stopped at the end.
"""
import json, os, subprocess, sys, time

from benchmount import Floor, Mount, summary


def write_session(state, name, events):
    d = os.path.join(state, "sessions", name)
    os.makedirs(d)
    spec = '{"agent":"shell","dir":"/tmp","prompt":"","command":"true","model":"","worktree":"no","setup":"","env":{}}'
    with open(os.path.join(d, "events.jsonl"), "w") as j, open(os.path.join(d, "events"), "w") as t:
        j.write('{"time":"2026-11-25T00:00:00.000Z","session":"%s","kind":"created","detail":"agent shell","state":"new","spec":%s}\n' % (name, spec))
        t.write("2026-11-25T00:00:00.000Z created agent shell\n")
        for i in range(events - 1):
            ms = i % 1000
            detail = "Edit src/module%04d/file%06d.swift" % (i % 5000, i)
            j.write('{"time":"2026-11-25T01:00:00.%03dZ","session":"%s","kind":"tool.done","detail":"%s","tool":"%s"}\n'
                    % (ms, name, detail, detail))
            t.write("2026-11-25T01:00:00.%03dZ tool.done %s\n" % (ms, detail))
    for f in ("log", "hooks.log"):
        open(os.path.join(d, f), "w").close()


def timed(fn, n):
    out = []
    for _ in range(n):
        t0 = time.perf_counter_ns(); fn(); out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def read_end(path, n=4096):
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        os.pread(fd, n, max(0, size - n))
    finally:
        os.close(fd)


def main(bins, floorfs, events):
    m = Mount(bins, "hivefs-bench-logs-", wait_s=600)
    write_session(m.state, "long", events)
    write_session(m.state, "short", 100)
    t0 = time.time()
    with m:
        mounted = time.time() - t0
        long_ev, short_ev = os.path.join(m.mnt, "long", "events"), os.path.join(m.mnt, "short", "events")
        tail_long = timed(lambda: subprocess.run(["tail", "-n", "10", long_ev], stdout=subprocess.DEVNULL, check=True), 21)
        tail_short = timed(lambda: subprocess.run(["tail", "-n", "10", short_ev], stdout=subprocess.DEVNULL, check=True), 21)
        end_long = timed(lambda: read_end(long_ev), 51)
        end_short = timed(lambda: read_end(short_ev), 51)
        size = os.stat(long_ev).st_size
        cat_hive = timed(lambda: subprocess.run(["cat", long_ev], stdout=subprocess.DEVNULL, check=True), 5)
        with Floor(floorfs, os.path.join(m.work, "floor"), size) as floor:
            cat_floor = timed(lambda: subprocess.run(["cat", floor.path], stdout=subprocess.DEVNULL, check=True), 5)
        # The first mount replayed the whole log; it saved where it stands
        # (record.json), so the next one reads only what follows.
        remounted = m.remount()
        mb = size / 1e6
        ch, cf = summary(cat_hive), summary(cat_floor)
        tl, ts, el, es = summary(tail_long), summary(tail_short), summary(end_long), summary(end_short)
        return {"events": events, "bytes": size, "mount_s": mounted, "remount_s": remounted,
                "tail_long_ms": tl, "tail_short_ms": ts, "tail_ratio": tl["median"] / ts["median"],
                "end_long_ms": el, "end_short_ms": es, "end_ratio": el["median"] / es["median"],
                "cat_mb_s": mb / (ch["median"] / 1000), "floor_mb_s": mb / (cf["median"] / 1000),
                "cat_ratio": ch["median"] / cf["median"]}


if __name__ == "__main__":
    a = sys.argv
    print(json.dumps(main(os.path.abspath(a[1]), os.path.abspath(a[2]), int(a[3]) if len(a) > 3 else 1000000)))
