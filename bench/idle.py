#!/usr/bin/env python3
"""What watching many quiet agents costs: hivefs's daemon, alone and with
`hivefs top` open on them, against the way polling tools watch them (a
`tmux capture-pane` of each session every 500 ms), measured over the same
sessions in one run.

  idle.py BIN_DIR [SESSIONS] [SECONDS]     (default 200 sessions, 60 s)

Prints one JSON object. Everything it starts is stopped at the end.
"""
import json, os, resource, subprocess, sys, time

from benchmount import Mount

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(bins, sessions, seconds):
    with Mount(bins, "hivefs-bench-idle-") as m:
        for i in range(sessions):
            m.control('new q%03d agent=shell command="sleep 3600"' % i)
        tmux_pid = int(subprocess.run(["tmux", "-L", m.sock, "display-message", "-p", "#{pid}"],
                                      capture_output=True, text=True, check=True).stdout)
        time.sleep(5)  # every session has gone idle
        # hivefs, with nobody reading: the daemon and the tmux server.
        d0, t0 = cpu_seconds(m.daemon.pid), cpu_seconds(tmux_pid)
        time.sleep(seconds)
        hive_cpu = cpu_seconds(m.daemon.pid) - d0
        hive_tmux = cpu_seconds(tmux_pid) - t0
        rss = peak_rss_mib(m.daemon.pid)
        # hivefs with a dashboard open: `hivefs top` in a terminal (a tmux server of its own).
        ui = "hivefs-bench-ui-%d" % os.getpid()
        subprocess.run(["tmux", "-L", ui, "-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x", "160", "-y", "50",
                        "exec %s/hivefs top --mount %s" % (bins, m.mnt)], check=True)
        try:
            top_pid = int(subprocess.run(["tmux", "-L", ui, "display-message", "-p", "-t", "ui", "#{pane_pid}"],
                                         capture_output=True, text=True, check=True).stdout)
            ui_pid = int(subprocess.run(["tmux", "-L", ui, "display-message", "-p", "#{pid}"],
                                        capture_output=True, text=True, check=True).stdout)
            time.sleep(3)
            d0, t0, p0, u0 = cpu_seconds(m.daemon.pid), cpu_seconds(tmux_pid), cpu_seconds(top_pid), cpu_seconds(ui_pid)
            time.sleep(seconds)
            top_daemon = cpu_seconds(m.daemon.pid) - d0
            top_tmux = cpu_seconds(tmux_pid) - t0
            top_self = cpu_seconds(top_pid) - p0
            top_term = cpu_seconds(ui_pid) - u0
        finally:
            subprocess.run(["tmux", "-L", ui, "kill-server"], stderr=subprocess.DEVNULL)
        # Polling, as other tools do: capture every pane every 500 ms.
        names = ["q%03d" % i for i in range(sessions)]
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        s0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = cpu_seconds(tmux_pid)
        end = time.time() + seconds
        while time.time() < end:
            tick = time.time()
            for n in names:
                subprocess.run(["tmux", "-L", m.sock, "capture-pane", "-p", "-t", "=" + n + ":"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(max(0.0, 0.5 - (time.time() - tick)))
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        s1 = resource.getrusage(resource.RUSAGE_SELF)
        poll_cpu = (c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) + (s1.ru_utime + s1.ru_stime - s0.ru_utime - s0.ru_stime)
        poll_tmux = cpu_seconds(tmux_pid) - t0
        return {"sessions": sessions, "seconds": seconds,
                "hive_cpu_s": hive_cpu, "hive_tmux_cpu_s": hive_tmux, "hive_core_pct": 100 * (hive_cpu + hive_tmux) / seconds,
                "daemon_peak_rss_mib": rss,
                "top_daemon_cpu_s": top_daemon, "top_tmux_cpu_s": top_tmux, "top_cpu_s": top_self, "top_terminal_cpu_s": top_term,
                "top_core_pct": 100 * (top_daemon + top_tmux + top_self) / seconds,
                "poll_cpu_s": poll_cpu, "poll_tmux_cpu_s": poll_tmux, "poll_core_pct": 100 * (poll_cpu + poll_tmux) / seconds}


if __name__ == "__main__":
    a = sys.argv
    print(json.dumps(main(os.path.abspath(a[1]), int(a[2]) if len(a) > 2 else 200, float(a[3]) if len(a) > 3 else 60)))
