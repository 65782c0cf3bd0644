#!/usr/bin/env python3
"""What a session's walls cost: its cgroup (limits, the freezer, accounting) and
its bubblewrap sandbox, each against the same thing without, in one run.

  limits.py BIN_DIR [PAUSE_ROUNDS START_ROUNDS STATUS_READS]     (default 31 21 101)

1. `pause` and `resume` written to NAME/control (the write's own latency: it
   returns once every process is stopped or frozen, or continued) for a shell
   session of ~50 processes that keeps forking, on a mount with cgroups (the
   freezer) and on one with `cgroups = "off"` (SIGSTOP walking the process tree),
   rounds alternating. After each write every process of the session is checked:
   stopped (T) or frozen (the freezer says FROZEN and holds them all); after
   `resume`, none is.
2. A session's start: `new NAME agent=shell command="sleep 1000" …` written to the
   root control until NAME/status shows a pid, without a cgroup, with one, with
   one and limits, with `sandbox=bwrap`, and with both; each round starts each
   once, in a shuffled order, each after 0.1 s of quiet.
3. `cat NAME/status` (open+read+close, in-process) of a session of 50 processes:
   `cpu` and `memory` from its cgroup against the same from a scan of /proc. Each
   read measures afresh: see `status_bench`.

Prints one JSON object. Everything it starts is stopped at the end, and what is
left of its cgroups removed (listed in `cgroups_left_after_unmount`).
"""
import json, os, random, sys, threading, time

from benchmount import Mount, cgroup_folders, read_once, summary

FORKER = "for i in $(seq 50); do sleep 1000 & done; while :; do (true) & sleep 0.01; done"
FIFTY = "for i in $(seq 50); do sleep 1000 & done; wait"
LIMITS = "limit.memory=64M limit.cpu=50% limit.pids=512"
OFF = 'cgroups = "off"\n'


def status(m, name):
    """NAME/status as a dict of its keys."""
    out = {}
    for line in open(os.path.join(m.mnt, name, "status")).read().splitlines():
        k, _, v = line.partition(" ")
        out[k] = v
    return out


def stat(pid):
    """(state, ppid, sid) of a process, or None once it is gone."""
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return f[0], int(f[1]), int(f[3])
    except (OSError, IndexError, ValueError):
        return None


def all_procs():
    out = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            s = stat(int(name))
            if s:
                out[int(name)] = s
    return out


def members(agent):
    """The session's processes as hivefs counts them (ProcessTree.members): the
    agent's tree and its session id's processes, without the session leader (the
    launcher, which signals never stop), zombies left out. Also the leader."""
    procs = all_procs()
    sid = procs[agent][2]
    out = {p for p, (st, _, s) in procs.items() if s == sid}
    stack = [agent]
    while stack:
        p = stack.pop()
        if p in out and p != agent:
            continue
        out.add(p)
        stack += [c for c, (_, pp, _) in procs.items() if pp == p]
    out.discard(sid)
    return {p: procs[p][0] for p in out if p in procs and procs[p][0] not in "ZX"}, sid


def freezer_dir(pid):
    """The v1 freezer folder of a process's cgroup, or None."""
    for line in open("/proc/%d/cgroup" % pid).read().splitlines():
        _, controllers, path = line.split(":", 2)
        if "freezer" in controllers.split(","):
            return "/sys/fs/cgroup/freezer" + path
    return None


def wait_until(cond, seconds, what):
    end = time.time() + seconds
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.005)
    raise SystemExit("limits.py: timed out waiting for " + what)


def timed_write(path, text):
    """Milliseconds the write itself took (the file is opened before and closed after),
    and the error it failed with (what `control` says last), or None."""
    fd = os.open(path, os.O_WRONLY)
    try:
        t0 = time.perf_counter_ns()
        try:
            os.write(fd, text.encode())
            error = None
        except OSError as e:
            said = [l for l in open(path).read().splitlines() if l.startswith("error ")]
            error = "%s (%s)" % (e.strerror, said[-1] if said else "control says no more")
        return (time.perf_counter_ns() - t0) / 1e6, error
    finally:
        os.close(fd)


def task_states(pids):
    """State, wchan and kernel stack (its first frames) of every thread of `pids`."""
    out = []
    for pid in pids:
        try:
            tids = os.listdir("/proc/%d/task" % pid)
        except OSError:
            continue
        for tid in tids:
            base = "/proc/%d/task/%s/" % (pid, tid)
            try:
                st = open(base + "stat").read().rsplit(")", 1)[1].split()[0]
                comm = open(base + "comm").read().strip()
                wchan = open(base + "wchan").read().strip()
                try:
                    stack = [l.split(" ", 1)[-1] for l in open(base + "stack").read().splitlines()[:5]]
                except OSError:
                    stack = []
                out.append({"pid": pid, "tid": int(tid), "comm": comm, "state": st, "wchan": wchan, "stack": stack})
            except OSError:
                pass
    return out


class Watch:
    """Notes, if a write has not returned after `after_s`, which threads are not
    yet stopped or frozen: what a slow or failed pause waited for."""

    def __init__(self, pids, after_s=1.0):
        self.pids, self.after_s, self.seen = pids, after_s, None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        if not self.done.wait(self.after_s):
            self.seen = [t for t in task_states(self.pids()) if t["state"] not in "Tt" and t["wchan"] != "__refrigerator"]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        return False


def end_sessions(m):
    """kill every live session (the daemon removes its cgroup as it ends) and waits."""
    for name in os.listdir(m.mnt):
        ctl = os.path.join(m.mnt, name, "control")
        if name.startswith("@") or name == "history" or not os.path.exists(ctl):
            continue
        if status(m, name).get("pid", "-") != "-":
            try:
                with open(ctl, "w") as c:
                    c.write("kill\n")
            except OSError:
                pass
            wait_until(lambda: status(m, name).get("pid", "-") == "-", 20, name + " to end")


# 1. pause and resume ---------------------------------------------------------

def pause_round(m, name, agent, frozen_cg):
    """One pause and one resume, each timed and checked: a dict of their times, the
    processes paused and the states they showed; or, when a write failed, what it
    said, what it waited for and how the session was brought back."""
    ctl = os.path.join(m.mnt, name, "control")

    def pids():
        if frozen_cg:
            return [int(x) for x in open(frozen_cg + "/cgroup.procs").read().split()]
        return list(members(agent)[0])

    with Watch(pids) as w:
        p_ms, error = timed_write(ctl, "pause\n")
    if error:
        return failed("pause", p_ms, error, w.seen, m, name, agent, frozen_cg)
    procs, _ = members(agent)
    if frozen_cg:
        state = open(frozen_cg + "/freezer.state").read().strip()
        inside = set(pids())
        if state != "FROZEN":
            raise SystemExit("limits.py: pause returned with the freezer %s" % state)
        outside = set(procs) - inside
        if outside:
            raise SystemExit("limits.py: processes %s of %s are outside its cgroup" % (sorted(outside), name))
        if len(inside) < 50:
            raise SystemExit("limits.py: only %d processes in %s's cgroup" % (len(inside), name))
        count = len(inside)
    else:
        running = {p: s for p, s in procs.items() if s not in "Tt"}
        if running:
            raise SystemExit("limits.py: pause returned with %s of %s not stopped" % (running, name))
        if len(procs) < 50:
            raise SystemExit("limits.py: only %d processes in %s" % (len(procs), name))
        count = len(procs)
    seen = set(procs.values())
    # Paused means paused: nothing forks meanwhile.
    time.sleep(0.05)
    again, _ = members(agent)
    if set(again) - set(procs):
        raise SystemExit("limits.py: %s forked while paused: %s" % (name, sorted(set(again) - set(procs))))
    with Watch(pids) as w:
        r_ms, error = timed_write(ctl, "resume\n")
    if error:
        return failed("resume", r_ms, error, w.seen, m, name, agent, frozen_cg)
    procs, _ = members(agent)
    stopped = {p: s for p, s in procs.items() if s in "Tt"}
    if stopped or (frozen_cg and open(frozen_cg + "/freezer.state").read().strip() != "THAWED"):
        raise SystemExit("limits.py: resume returned with %s still stopped" % stopped)
    return {"pause": p_ms, "resume": r_ms, "processes": count, "states": seen}


def failed(write, ms, error, waited_for, m, name, agent, frozen_cg):
    """A pause or resume that failed: what hivefs said and left; the session is
    then resumed (by hand for what hivefs leaves frozen or stopped)."""
    ctl = os.path.join(m.mnt, name, "control")
    f = {"write": write, "after_ms": ms, "error": error, "waited_for_after_1s": waited_for}
    freezer = lambda: open(frozen_cg + "/freezer.state").read().strip()
    if frozen_cg:
        f["freezer_then"] = freezer()
        time.sleep(1)
        f["freezer_1s_later"] = freezer()
    f["session_state"] = status(m, name).get("state")
    f["resume_ms"], f["resume_error"] = timed_write(ctl, "resume\n")
    if frozen_cg:
        f["freezer_after_resume"] = freezer()
    if frozen_cg and freezer() != "THAWED":
        with open(frozen_cg + "/freezer.state", "w") as t:
            t.write("THAWED")
        f["thawed_by_hand"] = True
    stopped = [p for p, s in members(agent)[0].items() if s in "Tt"]
    for p in stopped:
        os.kill(p, 18)  # SIGCONT
    f["continued_by_hand"] = len(stopped)
    f["session_state_after"] = status(m, name).get("state")
    return f


def pause_bench(on, off, rounds):
    sessions = {}
    for m, kind in ((on, "freezer"), (off, "signals")):
        m.control('new fork agent=shell dir=%s command="sh -c \'%s\'"' % (m.proj, FORKER))
        agent = int(wait_until(lambda: status(m, "fork").get("pid", "-").replace("-", ""), 10, "a pid"))
        wait_until(lambda: len(members(agent)[0]) >= 51, 10, "50 processes")
        cg = freezer_dir(agent) if kind == "freezer" else None
        if kind == "freezer" and (not cg or status(m, "fork").get("cgroup", "-") == "-"):
            raise SystemExit("limits.py: the cgroup mount gave the session no cgroup")
        if kind == "signals" and status(m, "fork").get("cgroup", "-") != "-":
            raise SystemExit("limits.py: the mount with cgroups = \"off\" gave the session a cgroup")
        sessions[kind] = (m, agent, cg)
    rows = {k: [] for k in sessions}
    failures = {k: [] for k in sessions}
    order = ["freezer", "signals"]
    for r in range(rounds + 1):
        for kind in (order if r % 2 == 0 else order[::-1]):
            m, agent, cg = sessions[kind]
            time.sleep(0.3)  # the loop forks again
            got = pause_round(m, "fork", agent, cg)
            if "error" in got:
                got["round"], got["kind"] = r, kind
                failures[kind].append(got)
                rows[kind].append(None)
            elif r > 0:  # the first round warms up
                rows[kind].append(got)
        if r == 0:
            rows = {k: [] for k in sessions}
    res = {"rounds": rounds, "machine_processes": len(all_procs())}
    for kind, xs in rows.items():
        ok = [x for x in xs if x]
        res[kind] = {"pause_ms": summary([x["pause"] for x in ok]), "resume_ms": summary([x["resume"] for x in ok]),
                     "processes": summary([x["processes"] for x in ok]),
                     "states_paused": sorted(set().union(*(x["states"] for x in ok))),
                     "failures": failures[kind]}
    pairs = [(a, b) for a, b in zip(rows["freezer"], rows["signals"]) if a and b]
    res["pause_ratio"] = summary([a["pause"] / b["pause"] for a, b in pairs])
    res["resume_ratio"] = summary([a["resume"] / b["resume"] for a, b in pairs])
    return res


# 2. starting a session -------------------------------------------------------

VARIANTS = [
    # name, on the mount with cgroups, the words added to `new`
    ("plain", False, ""),
    ("cgroup", True, ""),
    ("limits", True, LIMITS),
    ("bwrap", True, "sandbox=bwrap"),
    ("bwrap_limits", True, "sandbox=bwrap " + LIMITS),
]


def start_once(m, name, extra):
    """Milliseconds until the root control's write returned, and until NAME/status showed a pid."""
    line = 'new %s agent=shell dir=%s command="sleep 1000" %s\n' % (name, m.proj, extra)
    fd = os.open(os.path.join(m.mnt, "control"), os.O_WRONLY)
    try:
        t0 = time.perf_counter_ns()
        os.write(fd, line.encode())
        t1 = time.perf_counter_ns()
    finally:
        os.close(fd)
    while True:
        st = status(m, name)
        if st.get("pid", "-") != "-":
            break
        if time.perf_counter_ns() - t0 > 20e9:
            raise SystemExit("limits.py: %s showed no pid in 20 s: %s" % (name, st))
        time.sleep(0.0005)
    t2 = time.perf_counter_ns()
    return (t1 - t0) / 1e6, (t2 - t0) / 1e6, st


def check_start(kind, st):
    """The session got what it asked for, no more."""
    want_cg = kind != "plain"
    if (st.get("cgroup", "-") != "-") != want_cg:
        raise SystemExit("limits.py: %s: cgroup %s" % (kind, st.get("cgroup")))
    if ("limits" in kind) != (st.get("limit.memory", "-") == str(64 << 20)):
        raise SystemExit("limits.py: %s: limit.memory %s" % (kind, st.get("limit.memory")))
    if ("bwrap" in kind) != (st.get("sandbox") == "bwrap"):
        raise SystemExit("limits.py: %s: sandbox %s" % (kind, st.get("sandbox")))
    if "bwrap" in kind:
        comm = open("/proc/%s/comm" % st["pid"]).read().strip()
        if comm != "bwrap":
            raise SystemExit("limits.py: %s: the agent's process is %s, not bwrap" % (kind, comm))


def start_bench(on, off, rounds):
    write = {v[0]: [] for v in VARIANTS}
    pid = {v[0]: [] for v in VARIANTS}
    shuffle = random.Random(5).shuffle
    for r in range(rounds + 1):
        # Each round starts every kind once, in an order of its own (a rotation would
        # have each kind always follow the same one: the first start on a mount after
        # a start on the other costs more).
        order = list(VARIANTS)
        shuffle(order)
        made = []
        for kind, cg, extra in order:
            m = on if cg else off
            name = "%s%02d" % (kind.replace("_", ""), r)
            time.sleep(0.1)  # each start from a quiet machine, whatever came before it
            w, p, st = start_once(m, name, extra)
            check_start(kind, st)
            made.append((m, name))
            if r > 0:  # the first round warms up
                write[kind].append(w)
                pid[kind].append(p)
        for m in (on, off):
            end_sessions(m)
        for m, name in made:
            os.rmdir(os.path.join(m.mnt, name))
        time.sleep(0.2)
    res = {"rounds": rounds, "limit_words": LIMITS}
    for kind, _, _ in VARIANTS:
        res[kind] = {"write_ms": summary(write[kind]), "pid_ms": summary(pid[kind]),
                     "added_ms": summary([a - b for a, b in zip(pid[kind], pid["plain"])]),
                     "ratio": summary([a / b for a, b in zip(pid[kind], pid["plain"])])}
    return res


# 3. status of 50 processes ---------------------------------------------------

def status_bench(on, off, reads, spacing):
    """Fresh reads: each mount's reads `spacing` s apart, the two mounts' half of it
    apart. A live `status` is kept (by the daemon, and by the kernel) until the next
    second its `idle` shows, and the daemon renders it again at that tick by itself
    (Bridge.recheck) when a read was made in the second before: so a read 2.2 s after
    the last one of its mount comes more than a second after that render, finds
    neither the daemon's render nor the kernel's pages current, and renders (and
    measures: the meter's /proc scan, kept 1 s, is as old) as it opens. A second read
    right after it (`warm`) is served from the render just made."""
    names = {}
    for m, kind in ((on, "cgroup"), (off, "proc")):
        m.control('new fifty agent=shell dir=%s command="sh -c \'%s\'"' % (m.proj, FIFTY))
        agent = int(wait_until(lambda: status(m, "fifty").get("pid", "-").replace("-", ""), 10, "a pid"))
        wait_until(lambda: len(members(agent)[0]) >= 51, 10, "50 processes")
        names[kind] = (m, os.path.join(m.mnt, "fifty", "status"))
    # A status is kept until its next second: the cgroup's count, once all are there.
    wait_until(lambda: int(status(on, "fifty").get("pids", "-").replace("-", "0")) >= 51, 10, "the cgroup to count 51")
    st_on, st_off = status(on, "fifty"), status(off, "fifty")
    if st_on.get("cgroup", "-") == "-" or st_off.get("cgroup", "-") != "-":
        raise SystemExit("limits.py: cgroups: %s / %s" % (st_on.get("cgroup"), st_off.get("cgroup")))
    time.sleep(2.5)
    fresh = {"cgroup": [], "proc": []}
    warm = {"cgroup": [], "proc": []}
    machine = []
    t_start = time.monotonic() + 0.5
    for i in range(reads):
        for j, kind in enumerate(("cgroup", "proc")):
            at = t_start + i * spacing + j * spacing / 2
            time.sleep(max(0.0, at - time.monotonic()))
            path = names[kind][1]
            t0 = time.perf_counter_ns()
            read_once(path)
            t1 = time.perf_counter_ns()
            read_once(path)
            t2 = time.perf_counter_ns()
            fresh[kind].append((t1 - t0) / 1000)
            warm[kind].append((t2 - t1) / 1000)
        if i % 10 == 0:
            machine.append(sum(1 for n in os.listdir("/proc") if n.isdigit()))
    st_on, st_off = status(on, "fifty"), status(off, "fifty")
    # A read that rendered nothing costs what a warm one does: none should look like it.
    cached = {k: sum(1 for x in fresh[k] if x < 2 * summary(warm[k])["median"]) for k in fresh}
    return {"reads": reads, "spacing_s": spacing, "looked_cached": cached,
            "cgroup_us": summary(fresh["cgroup"]), "proc_us": summary(fresh["proc"]),
            "cgroup_warm_us": summary(warm["cgroup"]), "proc_warm_us": summary(warm["proc"]),
            "ratio": summary([a / b for a, b in zip(fresh["cgroup"], fresh["proc"])]),
            "machine_processes": summary(machine),
            "memory_cgroup": int(st_on["memory"]), "memory_proc": int(st_off["memory"]),
            "pids": int(st_on["pids"])}


def main(bins, pauses=31, starts=21, reads=101):
    t0 = time.time()
    on, off = Mount(bins, "hivefs-bench-limits-"), Mount(bins, "hivefs-bench-nolimits-", config=OFF)
    states = [on.state, off.state]
    with on, off:
        try:
            res = {"pause": pause_bench(on, off, pauses)}
            end_sessions(on)
            end_sessions(off)
            res["start"] = start_bench(on, off, starts)
            res["status"] = status_bench(on, off, reads, 2.2)
            end_sessions(on)
            end_sessions(off)
        finally:
            # Every session ended while the daemons watched: each removed its cgroup.
            left_running = [os.path.join(p, d) for s in states for p in cgroup_folders(s) for d in os.listdir(p)
                            if os.path.isdir(os.path.join(p, d))]
    # After the unmounts: what the daemons left (Mount removes it, and lists it).
    res["cgroups_left_after_unmount"] = on.cgroups_left + off.cgroups_left
    res["session_cgroups_before_unmount"] = left_running
    res["cgroups_remaining"] = [d for s in states for d in cgroup_folders(s)]
    res["seconds"] = time.time() - t0
    return res


if __name__ == "__main__":
    print(json.dumps(main(os.path.abspath(sys.argv[1]), *map(int, sys.argv[2:5]))))
