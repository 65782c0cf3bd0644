"""Another host for the link benchmarks: Debian's sshd in a network namespace made
for the run, on a veth pair, with host and user keys made for the run, and an
ssh config naming it once per (name, added delay). The delay is added by
`delay_relay.py` as ssh's ProxyCommand (half each way), since not every kernel
has netem. Leaving the `with` block stops sshd and removes the namespace, the
veth pair and the files.

Needs root (ip netns) and /usr/sbin/sshd.
"""
import os, shutil, subprocess, tempfile, time


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class SSHBox:
    def __init__(self, names, tag="a"):
        """`names`: {ssh host name: milliseconds added to its round trip}."""
        self.names = names
        n = os.getpid()
        self.ns = f"hivebench-{n}-{tag}"
        self.host_side = f"hb{n % 100000}{tag}"
        self.net = f"10.{200 + n % 50}.{7 + (ord(tag) % 40)}"
        self.addr = self.net + ".2"
        self.work = tempfile.mkdtemp(prefix="hivefs-bench-ssh-")
        self.config = os.path.join(self.work, "ssh_config")
        self.sshd = None

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self):
        w, hs = self.work, self.host_side
        sh(f"ip netns add {self.ns}")
        sh(f"ip link add {hs} type veth peer name {hs}p && ip link set {hs}p netns {self.ns}")
        sh(f"ip addr add {self.net}.1/30 dev {hs} && ip link set {hs} up")
        sh(f"ip netns exec {self.ns} sh -c 'ip link set lo up && ip addr add {self.addr}/30 dev {hs}p && ip link set {hs}p up'")
        sh(f"ssh-keygen -q -t ed25519 -N '' -f {w}/host_key && ssh-keygen -q -t ed25519 -N '' -f {w}/user_key")
        sh(f"cp {w}/user_key.pub {w}/authorized_keys && mkdir -p /run/sshd")
        with open(f"{w}/sshd_config", "w") as f:
            f.write(f"ListenAddress {self.addr}\nHostKey {w}/host_key\nAuthorizedKeysFile {w}/authorized_keys\n"
                    f"PidFile {w}/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nLogLevel ERROR\n"
                    f"MaxSessions 100\nMaxStartups 100\n")
        relay = os.path.join(os.path.dirname(os.path.abspath(__file__)), "delay_relay.py")
        with open(self.config, "w") as f:
            for name, ms in self.names.items():
                f.write(f"Host {name}\n  HostName {self.addr}\n  User {os.environ.get('USER', 'root')}\n  IdentityFile {w}/user_key\n"
                        f"  IdentitiesOnly yes\n  UserKnownHostsFile /dev/null\n  StrictHostKeyChecking no\n  LogLevel ERROR\n")
                if ms:
                    f.write(f"  ProxyCommand python3 {relay} %h %p {ms // 2}\n")
        self.sshd = subprocess.Popen(["ip", "netns", "exec", self.ns, "/usr/sbin/sshd", "-D", "-e", "-f", f"{w}/sshd_config"],
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while subprocess.run(["ssh", "-F", self.config, "-o", "BatchMode=yes", next(iter(self.names)), "true"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
            if time.time() > deadline:
                raise SystemExit(f"sshd in {self.ns} did not answer")
            time.sleep(0.2)

    def hosts_toml(self, bins, states):
        """A config's [hosts]: each name of `states` reached through this box, its
        far side serving the daemon of that state directory."""
        out = "[hosts]\n"
        for name, state in states.items():
            serve = f"'{os.path.join(bins, 'hivefs')}' serve --stdio --state '{state}'".replace('"', '\\"')
            out += f"[hosts.{name}]\ndestination = \"{name}\"\nssh = \"ssh -F {self.config}\"\ncommand = \"{serve}\"\n"
        return out

    def __exit__(self, *exc):
        if self.sshd:
            self.sshd.terminate()
            try:
                self.sshd.wait(5)
            except subprocess.TimeoutExpired:
                self.sshd.kill()
        subprocess.run(f"ip netns pids {self.ns} 2>/dev/null | xargs -r kill -9", shell=True, stderr=subprocess.DEVNULL)
        subprocess.run(f"ip link del {self.host_side} 2>/dev/null; ip netns del {self.ns} 2>/dev/null", shell=True,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(self.work, ignore_errors=True)
        return False


def rtt_ms(addr, n):
    """One TCP connect to sshd across the veth: one round trip (delay not added)."""
    import socket
    out = []
    for _ in range(n):
        s = socket.socket()
        t0 = time.perf_counter_ns()
        s.connect((addr, 22))
        out.append((time.perf_counter_ns() - t0) / 1e6)
        s.close()
    return out
