#!/usr/bin/env python3
"""What hivefs's hooks add to a real Claude Code turn, against the same turn
without hooks, on the same scripted model server, in the same run.

  claude_hooks.py BIN_DIR CLAUDE_BIN [ROUNDS]     ROUNDS of turns (default 31)

A turn is one `claude -p "[[tools 10]]"` process: the model server answers with
ten successive Bash `true` calls, then a final text. Three kinds of turn differ
only in the file `--settings` names:
  hivefs  the file hivefs writes for a session (ClaudeSettings.json): every event
          of `ClaudeHooks.events`, matcher "*" where `ClaudeHooks.matched` has it,
          the command `BIN_DIR/hivefs-hook LOG`, timeout 10;
  floor   the same hooks running `cat >/dev/null`, the least a hook can do;
  none    `{}`: no hooks.
Each round runs one turn of each kind, in an order that rotates from round to
round, after a warm-up turn of each; a turn is timed from its start to its exit,
and its CPU time (Claude Code's and that of the hooks it waited for) taken from
the rusage of reaped children. Then the hook calls of one turn are replayed by
themselves, with the payloads Claude Code sent, through `/bin/sh -c` as Claude
Code runs them, alternating with the same calls of `cat >/dev/null`: their sum
is what the hook processes alone take of a turn.

Prints one JSON object. Everything it starts is stopped, and its folder removed.
"""
import base64, json, os, re, resource, shlex, shutil, signal, subprocess, sys, tempfile, time

from benchmount import summary

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVER = os.path.join(ROOT, "Tests", "Fixtures", "model-server")
HOOKS_SWIFT = os.path.join(ROOT, "Sources", "HiveCore", "Claude", "ClaudeHooks.swift")
PROMPT = "[[tools 10]]"
TOOL_CALLS = 10
KEY = "sk-ant-api03-hivefs-bench-0123456789abcdefghijkl"
MODE = "acceptEdits"  # runs `true` without asking, in print mode as in a terminal
KINDS = ("hivefs", "floor", "none")


def swift_list(name):
    """The string literals of `static let NAME ... = [ ... ]` in ClaudeHooks.swift,
    so that the benchmark hooks what hivefs hooks."""
    text = open(HOOKS_SWIFT, encoding="utf-8").read()
    m = re.search(r"static let " + name + r"\b[^=]*=\s*\[(.*?)\]", text, re.S)
    if not m:
        raise SystemExit(f"no `{name}` list in {HOOKS_SWIFT}")
    return re.findall(r'"([^"]+)"', m.group(1))


def settings_json(command):
    """The settings file hivefs writes (ClaudeSettings.json), for `command`."""
    matched = set(swift_list("matched"))
    hooks = {}
    for event in swift_list("events"):
        group = {"matcher": "*"} if event in matched else {}
        group["hooks"] = [{"type": "command", "command": command, "timeout": 10}]
        hooks[event] = [group]
    return json.dumps({"hooks": hooks}, separators=(",", ":")) + "\n"


def payloads(log):
    """The payloads in a hooks.log, whose records are `MILLISECONDS FORM DATA`."""
    out = []
    for line in open(log, "rb").read().split(b"\n"):
        if line:
            _, form, data = line.split(b" ", 2)
            out.append({b"line": data, b"nl": data + b"\n"}.get(form) or base64.b64decode(data))
    return out


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


class Bench:
    """A home, a trusted folder, the settings files and a model server, in a
    temporary folder; leaving the `with` block stops the server and removes it."""

    def __init__(self, bins, claude):
        self.bins, self.claude = bins, claude
        # "2.1.337 (Claude Code)"
        self.version = subprocess.run([claude, "--version"], capture_output=True, text=True,
                                      env={"PATH": "/usr/bin:/bin", "DISABLE_AUTOUPDATER": "1"}).stdout.split()[0]
        self.work = tempfile.mkdtemp(prefix="hivefs-bench-claude-")
        self.home = os.path.join(self.work, "home")
        self.dir = os.path.join(self.work, "work")
        self.log = os.path.join(self.work, "state", "sessions", "bench", "hooks.log")
        self.truth = os.path.join(self.work, "truth.jsonl")
        self.command = shlex.join([os.path.join(bins, "hivefs-hook"), self.log])
        self.settings = {kind: os.path.join(self.work, kind + ".json") for kind in KINDS}
        self.server = None

    def __enter__(self):
        for d in (self.home, self.dir, os.path.dirname(self.log)):
            os.makedirs(d)
        with open(os.path.join(self.home, ".claude.json"), "w") as f:
            json.dump({"hasCompletedOnboarding": True, "lastOnboardingVersion": self.version,
                       "hasSeenAutoDefaultNudge": True,
                       "customApiKeyResponses": {"approved": [KEY[-20:]], "rejected": []},
                       "projects": {self.dir: {"hasTrustDialogAccepted": True}}}, f)
        for kind, text in (("hivefs", settings_json(self.command)),
                           ("floor", settings_json("cat >/dev/null")), ("none", "{}\n")):
            with open(self.settings[kind], "w") as f:
                f.write(text)
        port_file = os.path.join(self.work, "port")
        self.server = subprocess.Popen([sys.executable, SERVER, "--port-file", port_file, "--truth", self.truth],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 15
        while not os.path.exists(port_file):
            if time.time() > deadline or self.server.poll() is not None:
                raise SystemExit("the model server did not start")
            time.sleep(0.02)
        port = open(port_file).read().strip()
        self.env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": self.home,
                    "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}", "ANTHROPIC_API_KEY": KEY,
                    "DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
                    "DISABLE_AUTOUPDATER": "1"}
        return self

    def __exit__(self, *exc):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        shutil.rmtree(self.work, ignore_errors=True)

    def turn(self, kind):
        """One turn as one process: its wall and CPU ms and the hook records it
        left, checked to have done the whole script."""
        answers, records = count_lines(self.truth), count_lines(self.log)
        argv = [self.claude, "-p", PROMPT, "--settings", self.settings[kind], "--permission-mode", MODE]
        out, err = os.path.join(self.work, "out"), os.path.join(self.work, "err")
        with open(out, "wb") as o, open(err, "wb") as e:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter_ns()
            p = subprocess.Popen(argv, cwd=self.dir, env=self.env, stdin=subprocess.DEVNULL, stdout=o, stderr=e,
                                 start_new_session=True)
            try:
                p.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                raise SystemExit(f"a {kind} turn took more than 120 s")
            ms = (time.perf_counter_ns() - t0) / 1e6
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        # Only the turn was reaped meanwhile: its CPU time, with that of the hooks it waited for.
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        text = open(out, "rb").read()
        if p.returncode != 0 or text.strip() != b"Done.":
            raise SystemExit(f"a {kind} turn failed ({p.returncode}): {text[-300:]!r} {open(err, 'rb').read()[-300:]!r}")
        main = [json.loads(l) for l in open(self.truth).read().splitlines()[answers:]]
        if sum(1 for r in main if not r["side"]) != TOOL_CALLS + 1:
            raise SystemExit(f"a {kind} turn made {len(main)} model requests, not {TOOL_CALLS + 1}")
        made = count_lines(self.log) - records
        if (made > 0) != (kind == "hivefs"):
            raise SystemExit(f"a {kind} turn left {made} hook records")
        return ms, cpu, made

    def replay(self, records, rounds=21):
        """The hook calls of one turn again, by themselves, each `/bin/sh -c COMMAND`
        with its payload on stdin, one after another, in rounds alternating
        hivefs's command and the floor's: for each, the ms of each round and the
        CPU ms of a round."""
        work = os.path.join(self.work, "replay")
        os.makedirs(work)
        files = []
        for i, body in enumerate(records):
            files.append(os.path.join(work, f"{i}.json"))
            with open(files[-1], "wb") as f:
                f.write(body)
        commands = {"hivefs": self.command, "floor": "cat >/dev/null"}
        wall = {kind: [] for kind in commands}
        cpu = {kind: 0.0 for kind in commands}
        for _ in range(rounds):
            for kind, command in commands.items():
                argv = ["/bin/sh", "-c", command]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter_ns()
                for path in files:
                    fd = os.open(path, os.O_RDONLY)
                    try:
                        pid = os.posix_spawn(argv[0], argv, self.env, file_actions=[(os.POSIX_SPAWN_DUP2, fd, 0)])
                    finally:
                        os.close(fd)
                    os.waitpid(pid, 0)
                wall[kind].append((time.perf_counter_ns() - t0) / 1e6)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[kind] += (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000 / rounds
        return wall, cpu


def main(bins, claude, rounds):
    t_start = time.time()
    with Bench(bins, claude) as b:
        for kind in KINDS:  # warm-up: the page cache, the server, the home
            b.turn(kind)
        first = count_lines(b.log)
        wall = {k: [] for k in KINDS}
        cpu = {k: [] for k in KINDS}
        ratio = {"hivefs": [], "floor": []}
        made = []
        for i in range(rounds):
            order = KINDS[i % 3:] + KINDS[:i % 3]
            if (i // 3) % 2:
                order = order[::-1]
            for kind in order:
                ms, c, n = b.turn(kind)
                wall[kind].append(ms)
                cpu[kind].append(c)
                if kind == "hivefs":
                    made.append(n)
            for kind in ratio:
                ratio[kind].append(wall[kind][-1] / wall["none"][-1])
        # The records of the last turn with hivefs's hooks: the calls a turn makes.
        records = payloads(b.log)[-made[-1]:]
        events = {}
        for body in records:
            e = json.loads(body).get("hook_event_name", "?")
            events[e] = events.get(e, 0) + 1
        replay, replay_cpu = b.replay(records)
        assert count_lines(b.log) == first + sum(made) + len(records) * len(replay["hivefs"])
        w = {k: summary(v) for k, v in wall.items()}
        c = {k: summary(v) for k, v in cpu.items()}
        none = w["none"]["median"]
        rep = {k: summary(v) for k, v in replay.items()}
        return {"claude": b.version, "prompt": PROMPT, "tool_calls": TOOL_CALLS, "mode": MODE,
                "rounds": rounds, "hooked_events": len(swift_list("events")),
                "hook_calls": made[-1], "hook_calls_min": min(made), "hook_calls_max": max(made),
                "events": events,
                "hivefs_ms": w["hivefs"], "floor_ms": w["floor"], "none_ms": w["none"],
                "ratio": w["hivefs"]["median"] / none, "floor_ratio": w["floor"]["median"] / none,
                "round_ratio": summary(ratio["hivefs"]), "floor_round_ratio": summary(ratio["floor"]),
                "added_ms": w["hivefs"]["median"] - none, "floor_added_ms": w["floor"]["median"] - none,
                "hivefs_cpu_ms": c["hivefs"], "floor_cpu_ms": c["floor"], "none_cpu_ms": c["none"],
                "replay_rounds": len(replay["hivefs"]),
                "replay_ms": rep["hivefs"], "replay_floor_ms": rep["floor"],
                "replay_call_ms": rep["hivefs"]["median"] / made[-1],
                "replay_floor_call_ms": rep["floor"]["median"] / made[-1],
                "replay_share": rep["hivefs"]["median"] / none, "replay_floor_share": rep["floor"]["median"] / none,
                "replay_cpu_ms": replay_cpu["hivefs"], "replay_floor_cpu_ms": replay_cpu["floor"],
                "seconds": time.time() - t_start}


if __name__ == "__main__":
    bins, claude = os.path.abspath(sys.argv[1]), sys.argv[2]
    print(json.dumps(main(bins, claude, int(sys.argv[3]) if len(sys.argv) > 3 else 31)))
