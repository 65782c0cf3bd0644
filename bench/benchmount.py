"""What the benchmarks share: a mount of their own, and medians with their spread."""
import os, shutil, statistics, subprocess, tempfile, time


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
    leaving the `with` block unmounts it and stops all it started."""

    def __init__(self, bins, prefix, wait_s=15):
        self.bins = bins
        self.wait_s = wait_s
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.mnt = os.path.join(self.work, "mnt")
        self.state = os.path.join(self.work, "state")
        self.sock = f"hivebench-{os.getpid()}"
        self.daemon = None

    def __enter__(self):
        os.mkdir(self.mnt)
        self._start()
        return self

    def remount(self):
        """Stops the daemon as `hivefs unmount` would and mounts again; returns the
        seconds until the new mount answered."""
        subprocess.run(["fusermount3", "-u", self.mnt], stderr=subprocess.DEVNULL)
        self.daemon.terminate()
        self.daemon.wait(60)
        t0 = time.time()
        self._start()
        return time.time() - t0

    def _start(self):
        self.daemon = subprocess.Popen(
            [os.path.join(self.bins, "hivefs"), "mount", self.mnt, "--state", self.state, "--socket", self.sock,
             "--foreground", "--config", os.path.join(self.work, "none.toml")],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "daemon.log"), "ab"))
        deadline = time.time() + self.wait_s
        while not os.path.exists(os.path.join(self.mnt, "control")):
            if time.time() > deadline or self.daemon.poll() is not None:
                self.__exit__(None, None, None)
                raise SystemExit("the mount did not come up")
            time.sleep(0.02)

    def control(self, line):
        with open(os.path.join(self.mnt, "control"), "w") as c:
            c.write(line + "\n")

    def __exit__(self, *exc):
        subprocess.run(["fusermount3", "-u", "-z", self.mnt], stderr=subprocess.DEVNULL)
        if self.daemon:
            self.daemon.terminate()
            try:
                self.daemon.wait(5)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.work, ignore_errors=True)
        return False


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
