#!/usr/bin/env python3
"""What reading hivefs's files costs, against the floors measured in the same run:
the same read on the smallest libfuse3 file system (bench/floorfs.c) serving a file
of the same size, and on a plain file on disk; then a tree of many sessions.

  files.py BIN_DIR FLOORFS [SESSIONS]     (default 200 sessions)

Prints one JSON object. Everything it starts is stopped at the end.
"""
import json, os, shutil, subprocess, sys, time

from benchmount import Floor, Mount, read_once, summary

# How long hivefs lets the kernel keep names and directory attributes (Bridge.cacheSeconds).
HIVE_CACHE_S = 60


def per_call_us(path, calls=200, rounds=21):
    """Microseconds per open+read+close, one median per round of `calls`."""
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter_ns()
        for _ in range(calls):
            read_once(path)
        out.append((time.perf_counter_ns() - t0) / calls / 1000)
    return out


def shell_ms(command, runs=11):
    out = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        subprocess.run(["sh", "-c", command], stdout=subprocess.DEVNULL, check=True)
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def main(bins, floorfs, sessions):
    with Mount(bins, "hivefs-bench-files-") as m:
        m.control('new one agent=shell command="sleep 600"')
        status = os.path.join(m.mnt, "one", "status")
        size = len(open(status, "rb").read())
        # Two floors: one that caches nothing, and one that caches names and
        # directory attributes as hivefs does (HIVE_CACHE_S), so both ask the kernel
        # for the same requests per read.
        with Floor(floorfs, os.path.join(m.work, "floor"), size, cache=HIVE_CACHE_S) as floor, \
                Floor(floorfs, os.path.join(m.work, "floor0"), size, cache=0) as floor0:
            disk = os.path.join(m.work, "status.disk")
            with open(disk, "wb") as f:
                f.write(open(status, "rb").read())
            # Rounds interleave, so all see the same machine.
            hive, flo, flo0, dsk = [], [], [], []
            for _ in range(21):
                hive += per_call_us(status, rounds=1)
                flo += per_call_us(floor.path, rounds=1)
                flo0 += per_call_us(floor0.path, rounds=1)
                dsk += per_call_us(disk, rounds=1)
            ratios = [h / f for h, f in zip(hive, flo)]
            ratios0 = [h / f for h, f in zip(hive, flo0)]
        # Many sessions: one `cat` of every status, and `ls -l` of the root.
        t0 = time.time()
        for i in range(sessions - 1):
            m.control('new s%03d agent=shell command="sleep 600"' % i)
        made = time.time() - t0
        copy = os.path.join(m.work, "copy")
        os.mkdir(copy)
        for name in os.listdir(m.mnt):
            if os.path.isdir(os.path.join(m.mnt, name, "")) and name != "history":
                os.mkdir(os.path.join(copy, name))
                shutil.copyfile(os.path.join(m.mnt, name, "status"), os.path.join(copy, name, "status"))
        # The floor of many: floorfs serving as many folders, each with its `status`.
        with Floor(floorfs, os.path.join(m.work, "floors"), size, cache=HIVE_CACHE_S, dirs=sessions) as many:
            cat_all, cat_floor, cat_disk, ls_all, ls_floor, ls_disk = [], [], [], [], [], []
            root_json, each_json = [], []
            for _ in range(11):
                # What a dashboard reads: the root status.json, against each session's.
                root_json += shell_ms("cat %s/status.json" % m.mnt, runs=1)
                each_json += shell_ms("cat %s/*/status.json" % m.mnt, runs=1)
                cat_all += shell_ms("cat %s/*/status" % m.mnt, runs=1)
                cat_floor += shell_ms("cat %s/*/status" % many.mnt, runs=1)
                cat_disk += shell_ms("cat %s/*/status" % copy, runs=1)
                ls_all += shell_ms("ls -l %s" % m.mnt, runs=1)
                ls_floor += shell_ms("ls -l %s" % many.mnt, runs=1)
                ls_disk += shell_ms("ls -l %s" % copy, runs=1)
        return {"status_bytes": size,
                "status_us": summary(hive), "floor_us": summary(flo), "disk_us": summary(dsk),
                "floor0_us": summary(flo0), "ratio_to_floor": summary(ratios), "ratio_to_floor0": summary(ratios0),
                "sessions": sessions, "sessions_made_s": made,
                "cat_all_ms": summary(cat_all), "cat_all_disk_ms": summary(cat_disk),
                "cat_all_floor_ms": summary(cat_floor),
                "root_json_ms": summary(root_json), "each_json_ms": summary(each_json),
                "root_json_bytes": len(open(os.path.join(m.mnt, "status.json"), "rb").read()),
                "ls_ms": summary(ls_all), "ls_disk_ms": summary(ls_disk), "ls_floor_ms": summary(ls_floor)}


if __name__ == "__main__":
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    print(json.dumps(main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), n)))
