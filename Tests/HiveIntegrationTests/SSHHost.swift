import Foundation
import HiveCore
import XCTest

/// Another host, as the tests make one: Debian's sshd in a network namespace of
/// the test's own, reached over a veth pair (so the link can be cut and delayed),
/// with host and user keys made for the run and an ssh config naming it `box`.
/// Its hivefs daemon is a second mount of this machine's binary (`daemon`), which
/// `hivefs serve --stdio` reaches through its state directory. Nothing but the
/// namespace's own address is contacted; `tearDown` removes the namespace, sshd,
/// the daemon and the files, even after a failure.
final class SSHHost {
    let name: String
    let namespace: String
    let hostSide: String
    let address: String
    let dir: String
    let daemon: MountFixture
    private(set) var sshd: pid_t?
    private static var counter = 0

    /// The ssh config naming the host, for `ssh -F`.
    var sshConfig: String { dir + "/ssh_config" }

    init(name: String = "box") throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw HiveError(.noSuchFileOrDirectory, "no /usr/sbin/sshd: make test installs openssh-server")
        }
        SSHHost.counter += 1
        let n = SSHHost.counter
        self.name = name
        namespace = "hivetest-\(getpid())-\(n)"
        hostSide = "hv\(getpid() % 100_000)n\(n)"
        let net = "10.\(100 + Int(getpid()) % 100).\(n % 250)"
        address = net + ".2"
        daemon = try MountFixture()
        SSHHost.clearStaleLoginLock()
        dir = daemon.root + "/ssh"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try run("ip netns add \(namespace)")
        try run("ip link add \(hostSide) type veth peer name \(hostSide)p")
        try run("ip link set \(hostSide)p netns \(namespace)")
        try run("ip addr add \(net).1/30 dev \(hostSide) && ip link set \(hostSide) up")
        try run("ip netns exec \(namespace) sh -c 'ip link set lo up && ip addr add \(address)/30 dev \(hostSide)p && ip link set \(hostSide)p up'")
        try run("ssh-keygen -q -t ed25519 -N '' -f \(dir)/host_key && ssh-keygen -q -t ed25519 -N '' -f \(dir)/user_key")
        try run("cp \(dir)/user_key.pub \(dir)/authorized_keys && mkdir -p /run/sshd")
        try """
        ListenAddress \(address)
        Port 22
        HostKey \(dir)/host_key
        AuthorizedKeysFile \(dir)/authorized_keys
        PidFile \(dir)/sshd.pid
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin prohibit-password
        LogLevel ERROR

        """.write(toFile: dir + "/sshd_config", atomically: false, encoding: .utf8)
        try """
        Host \(name)
          HostName \(address)
          User \(NSUserName())
          IdentityFile \(dir)/user_key
          IdentitiesOnly yes
          UserKnownHostsFile /dev/null
          StrictHostKeyChecking no
          LogLevel ERROR

        """.write(toFile: sshConfig, atomically: false, encoding: .utf8)
        sshd = spawn(["/usr/sbin/ip", "netns", "exec", namespace, "/usr/sbin/sshd", "-D", "-e", "-f", dir + "/sshd_config"],
                     stdout: dir + "/sshd.log", stderr: dir + "/sshd.log")
        guard waitUntil(10, { self.sh("ssh -F \(self.sshConfig) -o BatchMode=yes \(name) true").status == 0 }) else {
            let log = (try? String(contentsOfFile: dir + "/sshd.log", encoding: .utf8)) ?? ""
            tearDown()
            throw HiveError(.timedOut, "sshd in \(namespace) did not answer: \(log)")
        }
        try daemon.mount()
    }

    /// The `[hosts]` entry of this host, for a local config file.
    func hostsEntry(command: String? = nil) -> String {
        let serve = command ?? "'\(MountFixture.binary)' serve --stdio --state '\(daemon.state)'"
        return "[hosts.\(name)]\ndestination = \"\(name)\"\nssh = \"ssh -F \(sshConfig)\"\ncommand = \"\(serve.replacingOccurrences(of: "\"", with: "\\\""))\"\n"
    }

    /// A `[link]` table reaching this host (for hosts added at run time).
    func linkDefaults() -> String {
        let serve = "'\(MountFixture.binary)' serve --stdio --state '\(daemon.state)'"
        return "[link]\nssh = \"ssh -F \(sshConfig)\"\ncommand = \"\(serve.replacingOccurrences(of: "\"", with: "\\\""))\"\n"
    }

    /// Cuts the link (the host side of the veth goes down), or restores it.
    func cut() { _ = sh("ip link set \(hostSide) down") }
    func restore() {
        _ = sh("ip link set \(hostSide) up")
        // Logins cut off in the middle may have left the lock behind; the link is made again by a login.
        SSHHost.clearStaleLoginLock()
    }

    func tearDown() {
        if let p = sshd {
            kill(p, SIGTERM)
            var st: Int32 = 0
            if !waitUntil(3, { waitpid(p, &st, WNOHANG) == p }) {
                kill(p, SIGKILL)
                waitpid(p, &st, 0)
            }
        }
        // The sessions sshd started for the test (serve --stdio) end with the namespace's processes.
        for pid in sh("ip netns pids \(namespace) 2>/dev/null").out.split(separator: "\n").compactMap({ pid_t($0) }) {
            kill(pid, SIGKILL)
        }
        sshd = nil
        _ = sh("ip link del \(hostSide) 2>/dev/null; ip netns del \(namespace) 2>/dev/null")
        SSHHost.clearStaleLoginLock()
        daemon.tearDown()
    }

    /// A login killed while its shell started (here: the pyenv rehash that root's
    /// ~/.bashrc runs for every ssh login) can leave its lock behind, which makes
    /// every later login wait 60 s: removed once older than a rehash ever takes.
    static func clearStaleLoginLock() {
        let lock = NSHomeDirectory() + "/.pyenv/shims/.pyenv-shim"
        guard let made = (try? FileManager.default.attributesOfItem(atPath: lock))?[.modificationDate] as? Date,
              Date().timeIntervalSince(made) > 2 else { return }
        try? FileManager.default.removeItem(atPath: lock)
    }

    @discardableResult
    func sh(_ command: String) -> MountFixture.Result { daemon.sh(command) }

    private func run(_ command: String) throws {
        let r = sh(command)
        guard r.status == 0 else {
            tearDown()
            throw HiveError(.ioError, "cannot make the test host (\(command)): \(r.err)")
        }
    }
}
