#!/usr/bin/env python3
"""The web dashboard (`hivefs web`) in a real browser, each figure against a
baseline taken in the same run:

- a state change until the page shows it: `pause` and `resume` written in turn
  to a session's `control`, timed from just before the write until the card's
  `data-state` in the page's DOM is the new state; the baseline is the same
  change seen by poll() on the session's `state` file, the way a script watches
  it, timed over the same changes (goal: p99 at most 100 ms over poll()'s p99:
  the page pays for the daemon's notice, the server's read of the root
  `status.json`, the WebSocket and the drawing, and nothing else);
- with 200 sessions, the overview's first render: from the navigation's start
  until the page holds all 200 cards, over fresh loads (goal: under 300 ms);
  the baseline is a read of the root `status.json`, the file the overview is
  built from, to show what of that is the mount's part;
- one page open on 200 quiet sessions: CPU of `hivefs web` (and the relay it
  starts to the daemon) and of the daemon, over 60 s in which nothing happens
  (goal: at most 1% of a core); the baseline is the same sessions for the same
  time with no page and no `hivefs web`, the daemon alone. The tmux server and
  the browser are shown apart.

  web.py BIN_DIR [SESSIONS] [SECONDS]     (default 200 sessions, 60 s)

Run with $SELENIUM_PYTHON (Tests/agents/fetch), which drives Debian's chromium
and chromedriver, headless. The page's times are taken inside it (a
MutationObserver, `performance.timeOrigin + performance.now()`), never by asking
it through WebDriver, whose round trips cost milliseconds; the page's clock is
checked against this one's. Prints one JSON object; everything started is
stopped at the end, also when something fails.
"""
import json, os, select, signal, subprocess, sys, threading, time

os.environ["SE_OFFLINE"] = "true"  # Selenium never looks for a driver online

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from benchmount import Mount, read_once, summary, ticks

CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"
FEW = 4           # sessions of the latency run
CHANGES = 100     # state changes timed
LOADS = 11        # first renders timed
GAP_S = 0.3       # quiet between two changes (past the server's 40 ms between reads)
HZ = os.sysconf("SC_CLK_TCK")


# ---- processes ----

def descendants(pid):
    """Every process below `pid` (children, their children, …)."""
    parent = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                parent[int(p)] = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def cpu_seconds(groups, seconds):
    """CPU seconds each group of pids used over `seconds` of waiting."""
    before = {k: sum(ticks(p) for p in v) for k, v in groups.items()}
    time.sleep(seconds)
    return {k: (sum(ticks(p) for p in v) - before[k]) / HZ for k, v in groups.items()}


def end(pids):
    """TERM, then KILL, for each pid still there (only ones started here)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = []
        for p in pids:
            try:
                os.kill(p, sig)
                alive.append(p)
            except OSError:
                pass
        if not alive:
            return
        deadline = time.time() + 3
        while time.time() < deadline and any(running(p) for p in alive):
            time.sleep(0.05)


def running(pid):
    """Whether a process is there and not a zombie."""
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


class Web:
    """`hivefs web` on a free loopback port for a mount, with the URL it printed;
    leaving the `with` block ends it and the relay it started."""

    def __init__(self, bins, m):
        self.bins, self.m, self.proc, self.url = bins, m, None, None

    def __enter__(self):
        self.proc = subprocess.Popen(
            [os.path.join(self.bins, "hivefs"), "web", "--mount", self.m.mnt, "--state", self.m.state,
             "--config", os.path.join(self.m.work, "none.toml"), "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=open(os.path.join(self.m.work, "web.log"), "ab"))
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if "?token=" not in line:
            self.__exit__(None, None, None)
            raise SystemExit("hivefs web printed no URL; its log:\n" + open(os.path.join(self.m.work, "web.log")).read())
        self.url = line
        self.base = line.split("?", 1)[0]
        return self

    def pids(self):
        return {"web": [self.proc.pid], "relay": descendants(self.proc.pid)}

    def __exit__(self, *exc):
        kids = descendants(self.proc.pid)
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        end(kids)
        return False


class Browser:
    """A headless Chromium driven by chromedriver, as the tests start it; leaving
    the `with` block quits it, and ends what is left of it."""

    def __init__(self):
        self.d, self.pid = None, None

    def __enter__(self):
        o = webdriver.ChromeOptions()
        o.binary_location = CHROMIUM
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--window-size=1280,900"]:
            o.add_argument(a)
        service = Service(executable_path=DRIVER)
        self.d = webdriver.Chrome(service=service, options=o)
        self.pid = service.process.pid
        self.d.set_script_timeout(20)
        return self

    def pids(self):
        return descendants(self.pid)

    def __exit__(self, *exc):
        left = self.pids() + [self.pid]
        try:
            self.d.quit()
        except Exception:
            pass
        end(left)
        return False


# ---- the mount ----

def wait_for(pred, seconds, what):
    deadline = time.time() + seconds
    while not pred():
        if time.time() > deadline:
            raise SystemExit(f"{what} did not happen in {seconds} s")
        time.sleep(0.1)


def idle_count(m):
    return open(os.path.join(m.mnt, "status.json")).read().count('"state":"idle"')


def make_sessions(m, first, last):
    """Shell sessions s{first} … s{last-1}, waited for until all are idle."""
    for i in range(first, last):
        m.control(f'new s{i} agent=shell dir=/tmp command="sleep 100000"')
    wait_for(lambda: idle_count(m) >= last, 60 + last, f"{last} sessions idle")


def write_control(m, name, line):
    fd = os.open(os.path.join(m.mnt, name, "control"), os.O_WRONLY)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


# ---- 1. a state change until the page shows it ----

# Installed before each change: records, in epoch ms, when the card of `name`
# first carries `target` as its data-state (cards are replaced when they change,
# so the whole list is watched). Returns the card's state now.
ARM = """
const [name, target] = arguments;
const card = () => document.querySelector('.card[data-name="' + name + '"]');
if (window.__obs) window.__obs.disconnect();
window.__seen = null;
window.__obs = new MutationObserver(() => {
  const c = card();
  if (window.__seen === null && c && c.dataset.state === target) {
    window.__seen = performance.timeOrigin + performance.now();
    window.__obs.disconnect();
  }
});
window.__obs.observe(document.getElementById('cards'),
                     {subtree: true, childList: true, attributes: true, attributeFilter: ['data-state']});
const c = card();
return c ? c.dataset.state : null;
"""

SEEN = """
const done = arguments[arguments.length - 1];
const t = setInterval(() => { if (window.__seen !== null) { clearInterval(t); done(window.__seen); } }, 5);
"""


def clock_offset_ms(d):
    """The page's clock (timeOrigin + now) minus this one, from the quickest of 9 round trips."""
    best = None
    for _ in range(9):
        t0 = time.time() * 1000
        page = d.execute_script("return performance.timeOrigin + performance.now()")
        t1 = time.time() * 1000
        if best is None or t1 - t0 < best[0]:
            best = (t1 - t0, page - (t0 + t1) / 2)
    return best[1]


def poll_until(fd, target, armed, out, timeout_s=10):
    """On its own thread: poll() on `state`'s open fd until a read at 0 shows `target`."""
    if os.pread(fd, 64, 0) == target.encode():  # catches the handle up; must not be there yet
        out.append(None)
        armed.set()
        return
    p = select.poll()
    p.register(fd, select.POLLIN | select.POLLPRI)
    armed.set()
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        p.poll(max(1, int((deadline - time.time()) * 1000)))
        if os.pread(fd, 64, 0) == target.encode():
            out.append(time.time() * 1000)
            return
    out.append(None)


def latency(m, d, names, changes=CHANGES):
    """`changes` pauses and resumes of `names` in turn; ms until poll() saw each,
    and until the page's DOM showed it."""
    fds = {n: os.open(os.path.join(m.mnt, n, "state"), os.O_RDONLY) for n in names}
    try:
        offset0 = clock_offset_ms(d)
        polled, paged = [], []
        for i in range(changes):
            name = names[i % len(names)]
            verb, target = ("pause", "paused") if (i // len(names)) % 2 == 0 else ("resume", "idle")
            before = d.execute_script(ARM, name, target)
            if before == target:
                raise SystemExit(f"{name}: the page shows {target} before `{verb}`")
            armed, out = threading.Event(), []
            t = threading.Thread(target=poll_until, args=(fds[name], target + "\n", armed, out))
            t.start()
            armed.wait()
            t0 = time.time() * 1000
            write_control(m, name, verb)
            t.join()
            seen = d.execute_async_script(SEEN)
            if out[0] is None:
                raise SystemExit(f"{name}: poll() on state never showed {target} after `{verb}`")
            polled.append(out[0] - t0)
            paged.append(seen - offset0 - t0)
            time.sleep(GAP_S)
        offset1 = clock_offset_ms(d)
        # Every session idle again, as it started.
        for n in names:
            if os.pread(fds[n], 64, 0) == b"paused\n":
                write_control(m, n, "resume")
        wait_for(lambda: all(os.pread(fd, 64, 0) == b"idle\n" for fd in fds.values()), 10, "the sessions idle again")
    finally:
        for fd in fds.values():
            os.close(fd)
    return {"changes": changes, "sessions": len(names), "poll_ms": ranks(polled), "page_ms": ranks(paged),
            "page_clock_offset_ms": [offset0, offset1]}


def ranks(xs):
    s = sorted(xs)
    n = len(s)
    return {"p50": s[n // 2], "p99": s[(n * 99) // 100], "max": s[-1], "min": s[0]}


# ---- 2. the overview's first render ----

# Evaluated in every new document before its own scripts: when the overview
# message arrives and when the page first holds `want` cards, in ms since the
# navigation started (the redirect from ?token= included, none here).
FIRST = """
(() => {
  const want = %d;
  window.__full = null;
  const WS = window.WebSocket;
  window.WebSocket = class extends WS {
    constructor(...a) {
      super(...a);
      this.addEventListener('open', () => { window.__wsOpen = performance.now(); }, {once: true});
      this.addEventListener('message', () => { window.__wsFirst = performance.now(); }, {once: true});
    }
  };
  const obs = new MutationObserver(() => {
    if (window.__full === null && document.querySelectorAll('.card').length >= want) {
      window.__full = performance.now();
      obs.disconnect();
    }
  });
  obs.observe(document, {childList: true, subtree: true});
})();
"""

LOADED = """
const done = arguments[arguments.length - 1];
const t = setInterval(() => {
  if (window.__full !== null) {
    clearInterval(t);
    const n = performance.getEntriesByType('navigation')[0];
    done({full: window.__full, wsOpen: window.__wsOpen, wsFirst: window.__wsFirst,
          response: n.responseEnd, dom: n.domContentLoadedEventEnd});
  }
}, 10);
"""


def first_render(d, base, sessions, loads=LOADS):
    d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST % sessions})
    got = []
    for _ in range(loads + 1):  # the first is not timed (the browser's first page of this origin)
        d.get("about:blank")
        d.get(base + "/")
        got.append(d.execute_async_script(LOADED))
    got = got[1:]
    return {"loads": loads, **{k: summary([g[k] for g in got]) for k in got[0]}}


# ---- 3. and the whole run ----

def main(bins, sessions, seconds):
    out = {"sessions": sessions, "seconds": seconds}
    with Mount(bins, "hivefs-bench-web-", wait_s=30) as m:
        make_sessions(m, 0, FEW)
        tmux = int(subprocess.run(["tmux", "-L", m.sock, "display-message", "-p", "#{pid}"],
                                  capture_output=True, text=True, check=True).stdout)
        few = [f"s{i}" for i in range(FEW)]
        # 1. A few sessions, one page on them.
        with Web(bins, m) as web, Browser() as b:
            b.d.get(web.url)  # sets the cookie, and lands on /
            wait_for(lambda: b.d.execute_script("return document.querySelectorAll('.card').length") >= FEW, 20, "the cards")
            out["few"] = latency(m, b.d, few)
        # The many: made with nothing else running, then left quiet.
        made = time.time()
        make_sessions(m, FEW, sessions)
        out["sessions_made_s"] = time.time() - made
        time.sleep(5)
        # 3's baseline: the daemon alone.
        alone = cpu_seconds({"daemon": [m.daemon.pid], "tmux": [tmux]}, seconds)
        out["alone_cpu_s"] = alone
        out["alone_core_pct"] = 100 * alone["daemon"] / seconds
        with Web(bins, m) as web, Browser() as b:
            b.d.get(web.url)
            # 2. The first render, and the file it is built from.
            status = os.path.join(m.mnt, "status.json")
            out["status_json_bytes"] = len(open(status, "rb").read())
            reads = []
            for _ in range(21):
                time.sleep(0.05)
                t0 = time.perf_counter_ns()
                read_once(status)
                reads.append((time.perf_counter_ns() - t0) / 1e6)
            out["status_json_ms"] = summary(reads)
            out["first_render_ms"] = first_render(b.d, web.base, sessions)
            # 3. One page open, nothing happening.
            b.d.get(web.base + "/")
            b.d.execute_async_script(LOADED)
            time.sleep(5)
            groups = {"daemon": [m.daemon.pid], "tmux": [tmux], "browser": b.pids(), **web.pids()}
            cpu = cpu_seconds(groups, seconds)
            out["page_cpu_s"] = cpu
            out["page_core_pct"] = 100 * (cpu["daemon"] + cpu["web"] + cpu["relay"]) / seconds
            # 1 again, on the overview of all the sessions.
            out["many"] = latency(m, b.d, few)
    return out


if __name__ == "__main__":
    # Stopped from outside, it still ends what it started (the `with` blocks' exits).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("web.py: stopped"))
    a = sys.argv
    print(json.dumps(main(os.path.abspath(a[1]), int(a[2]) if len(a) > 2 else 200, float(a[3]) if len(a) > 3 else 60)))
