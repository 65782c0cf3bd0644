"""What the benchmarks share: a mount of their own, and medians with their spread."""
import glob, os, shutil, signal, statistics, subprocess, tempfile, time


def summary(xs):
    """Median, p10, p90, min and max of a list of figures."""
    xs = sorted(xs)
    return {"median": statistics.median(xs), "min": xs[0], "max": xs[-1],
            "p10": xs[len(xs) // 10], "p90": xs[(len(xs) * 9) // 10]}


def read_once(path):
    """Opens a file, reads it to its end and closes it, as `cat` does."""
    fd = os.open(path, os.O_RDONLY)
    try:
        while os.read(fd, 65536):
            pass
    finally:
        os.close(fd)


class Mount:
    """A hivefs mount in a temporary folder, with its own state and tmux server;
    leaving the `with` block unmounts it and stops all it started. `config` is the
    text of its config file (none by default)."""

    def __init__(self, bins, prefix, wait_s=15, config=None):
        self.bins = bins
        self.wait_s = wait_s
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.mnt = os.path.join(self.work, "mnt")
        self.state = os.path.join(self.work, "state")
        # Sessions' folder: a sandboxed one may not run in a folder holding the state or the mount.
        self.proj = os.path.join(self.work, "proj")
        # Its own tmux server: two mounts of one process never share one.
        self.sock = f"hivebench-{os.getpid()}-{os.path.basename(self.work)}"
        self.config_text = config
        self.config = os.path.join(self.work, "none.toml" if config is None else "config.toml")
        self.daemon = None

    def __enter__(self):
        os.mkdir(self.mnt)
        os.mkdir(self.proj)
        if self.config_text is not None:
            with open(self.config, "w") as f:
                f.write(self.config_text)
        self._start()
        return self

    def remount(self):
        """Stops the daemon as `hivefs unmount` would and mounts again; returns the
        seconds until the new mount answered."""
        subprocess.run(["fusermount3", "-u", self.mnt], stderr=subprocess.DEVNULL)
        self._stop_daemon(60)
        t0 = time.time()
        self._start()
        return time.time() - t0

    def _start(self):
        self.daemon = subprocess.Popen(
            [os.path.join(self.bins, "hivefs"), "mount", self.mnt, "--state", self.state, "--socket", self.sock,
             "--foreground", "--config", self.config],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "daemon.log"), "ab"))
        deadline = time.time() + self.wait_s
        while not os.path.exists(os.path.join(self.mnt, "control")):
            if time.time() > deadline or self.daemon.poll() is not None:
                self.__exit__(None, None, None)
                raise SystemExit("the mount did not come up")
            time.sleep(0.02)

    def _stop_daemon(self, wait_s):
        """After the unmount the daemon stops by itself (saving records, removing its
        cgroups' folders), as after `hivefs unmount`; a TERM meanwhile would cut that
        short. TERM only if it has not ended in 10 s, then KILL after `wait_s`."""
        try:
            self.daemon.wait(10)
            return
        except subprocess.TimeoutExpired:
            self.daemon.terminate()
        try:
            self.daemon.wait(wait_s)
        except subprocess.TimeoutExpired:
            self.daemon.kill()
            self.daemon.wait()

    def control(self, line):
        with open(os.path.join(self.mnt, "control"), "w") as c:
            c.write(line + "\n")

    def __exit__(self, *exc):
        subprocess.run(["fusermount3", "-u", "-z", self.mnt], stderr=subprocess.DEVNULL)
        if self.daemon:
            self._stop_daemon(5)
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], stderr=subprocess.DEVNULL)
        try:
            os.unlink(os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", self.sock))
        except OSError:
            pass
        # Sessions still running when the daemon stopped keep their cgroups (a daemon
        # started again would find them): with the daemon and tmux gone, nobody will.
        self.cgroups_left = remove_cgroups(self.state)
        shutil.rmtree(self.work, ignore_errors=True)
        return False


def fnv(text):
    """FNV-1a of a path as eight hex digits, as hivefs names a state folder's cgroups (`hivefs-HASH`)."""
    h = 2166136261
    for b in text.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return "%08x" % h


def cgroup_folders(state):
    """The cgroup folders hivefs made for the state folder `state` (one per v1
    controller, or the v2 one), found under this process's own cgroups."""
    tag = "hivefs-" + fnv(state)
    own = set()
    for line in open("/proc/self/cgroup").read().splitlines():
        own.add(line.split(":", 2)[2])
    found = set()
    for path in own:
        path = path.rstrip("/")
        found.update(glob.glob(f"/sys/fs/cgroup/*{path}/{tag}") + glob.glob(f"/sys/fs/cgroup{path}/{tag}"))
    return sorted(found)


def remove_cgroups(state):
    """Removes what is left of the state folder's cgroups: every session's folder is
    thawed first (a frozen v1 task never ends, and the freezer is one controller of
    several), its processes killed, then the folders removed, sessions' before their
    parents. Returns the folders that were left."""
    parents = cgroup_folders(state)
    children = sorted(d for p in parents for d in glob.glob(p + "/*") if os.path.isdir(d))
    for d in children:
        for f, text in (("freezer.state", "THAWED"), ("cgroup.freeze", "0")):
            try:
                with open(os.path.join(d, f), "w") as w:
                    w.write(text)
            except OSError:
                pass
    left = children + parents
    for d in left:
        for _ in range(200):
            try:
                os.rmdir(d)
                break
            except OSError:
                try:
                    pids = open(os.path.join(d, "cgroup.procs")).read().split()
                except OSError:
                    break
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.01)
    return left


class Floor:
    """bench/floorfs.c mounted in `folder`, serving a file `one/status` of `size` bytes
    (or `s000/status` … for `dirs` folders), keeping names and directory attributes
    `cache` seconds; unmounted on leaving the `with` block."""

    def __init__(self, floorfs, folder, size, cache=0, dirs=1):
        self.floorfs, self.mnt, self.size, self.cache, self.dirs = floorfs, folder, size, cache, dirs
        self.path = os.path.join(folder, "one" if dirs == 1 else "s000", "status")
        self.proc = None

    def __enter__(self):
        os.makedirs(self.mnt, exist_ok=True)
        self.proc = subprocess.Popen([self.floorfs, self.mnt, str(self.size), str(self.cache), str(self.dirs)],
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while not os.path.exists(self.path):
            if time.time() > deadline or self.proc.poll() is not None:
                self.__exit__(None, None, None)
                raise SystemExit("floorfs did not come up")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        subprocess.run(["fusermount3", "-u", self.mnt], stderr=subprocess.DEVNULL)
        if self.proc:
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return False


def ticks(pid):
    """User and system CPU ticks of a process so far (0 once it is gone)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0
