import Foundation
import XCTest

/// A hivefs mount of its own for one test: a temporary mount point and state
/// directory, a private tmux socket, and the real `hivefs` binary in the foreground.
/// `tearDown` unmounts, stops the daemon and the tmux server, and removes the files,
/// whatever the test did.
final class MountFixture {
    let root: String
    let mnt: String
    let state: String
    let socket: String
    /// The daemon's pid while it runs (spawned and reaped here, not through Foundation's Process).
    var daemon: pid_t?
    let quietAfter: String
    let killGrace: String
    /// `NAME=VALUE` strings added to the daemon's environment (and so its agents').
    var environment: [String] = []

    /// The hivefs binary built next to the test bundle.
    static var binary: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("hivefs").path
    }

    private static var counter = 0

    init(quietAfter: Double = 0.5, killGrace: Double = 1) throws {
        MountFixture.counter += 1
        let base = NSTemporaryDirectory() + "hivefs-test-\(getpid())-\(MountFixture.counter)"
        try? FileManager.default.removeItem(atPath: base)
        try FileManager.default.createDirectory(atPath: base + "/mnt", withIntermediateDirectories: true)
        root = base
        mnt = base + "/mnt"
        state = base + "/state"
        socket = "hivetest-\(getpid())-\(MountFixture.counter)"
        self.quietAfter = String(quietAfter)
        self.killGrace = String(killGrace)
    }

    /// Starts the daemon in the foreground and waits until the mount answers.
    func mount(file: StaticString = #filePath, line: UInt = #line) throws {
        let argv = [MountFixture.binary, "mount", mnt, "--state", state, "--socket", socket, "--foreground",
                    "--quiet-after", quietAfter, "--kill-grace", killGrace, "--config", root + "/none.toml"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, root + "/daemon.log", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = mergedEnvironment(environment).map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) }; for e in cenv { free(e) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, &cenv)
        guard rc == 0 else { throw XCTSkip("cannot start hivefs: \(String(cString: strerror(rc)))") }
        daemon = pid
        let ok = waitUntil(30) { self.isMounted }
        if !ok {
            XCTFail("mount did not answer; daemon log:\n\(daemonLog)", file: file, line: line)
            throw XCTSkip("no mount")
        }
    }

    /// A file of Tests/Fixtures: the fake agents and the load generator.
    static func fixture(_ name: String) -> String { repoFile("Tests/Fixtures/" + name) }

    /// A file of the repository (contrib/, man/), by its path from the top.
    static func repoFile(_ path: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(path).path
    }

    /// Puts fake agents on the daemon's PATH under their programs' names (in
    /// ROOT/bin, first on PATH), and adds `env` to the daemon's environment.
    func installFakes(_ programs: [String: String], env: [String] = []) throws {
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        for (program, fixture) in programs {
            try FileManager.default.createSymbolicLink(atPath: root + "/bin/" + program, withDestinationPath: MountFixture.fixture(fixture))
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        environment = environment.filter { !$0.hasPrefix("PATH=") } + ["PATH=" + root + "/bin:" + path] + env
    }

    /// The objects of a JSON Lines file (a fake's argv log); none when it is missing.
    func jsonLines(_ path: String) -> [[String: Any]] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    var daemonLog: String { (try? String(contentsOfFile: root + "/daemon.log", encoding: .utf8)) ?? "" }

    var isMounted: Bool {
        let r = sh("stat -f -c %T \(mnt)")
        return r.out.contains("fuse")
    }

    /// Kills the daemon with SIGKILL, leaving a stale mount (as a crash does).
    func crashDaemon() {
        guard let p = daemon else { return }
        kill(p, SIGKILL)
        var st: Int32 = 0
        waitpid(p, &st, 0)
        daemon = nil
    }

    /// Whether the daemon is still running (reaping it if it has exited).
    var daemonRunning: Bool {
        guard let p = daemon else { return false }
        var st: Int32 = 0
        if waitpid(p, &st, WNOHANG) == p { daemon = nil; daemonStatus = st; return false }
        return true
    }

    /// The wait status of the daemon once it has exited by itself.
    var daemonStatus: Int32?

    /// Unmounts and stops everything this fixture started.
    func tearDown() {
        _ = sh("fusermount3 -u -z \(mnt) 2>/dev/null")
        if let p = daemon {
            kill(p, SIGTERM)
            let deadline = Date().addingTimeInterval(3)
            while daemonRunning && Date() < deadline { usleep(20_000) }
            if daemonRunning { kill(p, SIGKILL); var st: Int32 = 0; waitpid(p, &st, 0) }
        }
        daemon = nil
        // The agents' processes end before their files go: a real agent writes its
        // configuration as it exits, and would make its home again.
        let panes = sh("tmux -L \(socket) list-panes -a -F '#{pane_pid}' 2>/dev/null").out
            .split(separator: "\n").compactMap { pid_t($0) }
        let agents = panes.flatMap { processTree($0).keys }
        _ = sh("tmux -L \(socket) kill-server 2>/dev/null")
        // kill-server leaves the socket file behind; so do the test's own servers (SOCKET-ui…).
        let sockets = (ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp") + "/tmux-\(getuid())"
        for f in (try? FileManager.default.contentsOfDirectory(atPath: sockets)) ?? [] where f == socket || f.hasPrefix(socket + "-") {
            unlink(sockets + "/" + f)
        }
        if !waitUntil(5, { !agents.contains(where: alive) }) { for p in agents { kill(p, SIGKILL) } }
        _ = waitUntil(2) { !agents.contains(where: alive) }
        removeCgroups()
        try? FileManager.default.removeItem(atPath: root)
        // A hook an agent ran as it was killed may still write there: look once more.
        usleep(300_000)
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The folder name of the cgroups the daemon makes for this state directory
    /// (`hivefs-` and the FNV-1a of its path, as Cgroups.swift makes it).
    var cgroupTag: String { MountFixture.cgroupTag(state) }

    static func cgroupTag(_ state: String) -> String {
        var h: UInt32 = 2_166_136_261
        for b in state.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        return "hivefs-" + String(format: "%08x", h)
    }

    /// The cgroup folders made for this state directory that are still there.
    var cgroupFolders: [String] { MountFixture.cgroupFolders(state) }

    /// The cgroup folders made for a state directory, deepest first (`find -depth`).
    static func cgroupFolders(_ state: String) -> [String] {
        let out = NSTemporaryDirectory() + "hivefs-cgroups-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        defer { unlink(out) }
        guard let pid = spawn(["/usr/bin/find", "/sys/fs/cgroup", "-depth", "-type", "d", "-path", "*/\(cgroupTag(state))*"],
                              stdout: out, stderr: "/dev/null") else { return [] }
        var st: Int32 = 0
        while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
        return ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Removes what is left of the cgroups of this state directory (a session the
    /// test killed by hand): thawed, emptied, deepest first.
    func removeCgroups() { MountFixture.removeCgroups(state) }

    static func removeCgroups(_ state: String) {
        let folders = cgroupFolders(state)
        guard !folders.isEmpty else { return }
        for f in folders where FileManager.default.fileExists(atPath: f + "/freezer.state") {
            try? "THAWED".write(toFile: f + "/freezer.state", atomically: false, encoding: .utf8)
        }
        for f in folders {
            for pid in ((try? String(contentsOfFile: f + "/cgroup.procs", encoding: .utf8)) ?? "").split(separator: "\n").compactMap({ pid_t($0) }) {
                kill(pid, SIGKILL)
            }
        }
        _ = waitUntil(3) { cgroupFolders(state).allSatisfy { rmdir($0) == 0 || errno == ENOENT } }
    }

    // MARK: helpers

    struct Result { var status: Int32; var out: String; var err: String }

    /// Runs a shell command line with MNT set to the mount point.
    @discardableResult
    func sh(_ command: String) -> Result {
        let out = root + "/.sh-out", err = root + "/.sh-err"
        guard let pid = spawn(["/bin/sh", "-c", command], stdout: out, stderr: err, env: ["MNT=" + mnt, "LC_ALL=C"]) else {
            return Result(status: 127, out: "", err: "cannot run sh")
        }
        var st: Int32 = 0
        while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
        let o = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let e = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        let code: Int32 = (st & 0x7f) == 0 ? (st >> 8) & 0xff : 128 + (st & 0x7f)
        return Result(status: code, out: o, err: e)
    }

    /// The content of a file under the mount, or nil.
    func read(_ path: String) -> String? {
        let fd = open(mnt + "/" + path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes bytes to a file under the mount with one write(2); the errno, or 0.
    func write(_ path: String, _ text: String, flags: Int32 = O_WRONLY | O_TRUNC) -> Int32 {
        write(path, Array(text.utf8), flags: flags)
    }

    func write(_ path: String, _ bytes: [UInt8], flags: Int32 = O_WRONLY | O_TRUNC) -> Int32 {
        let fd = open(mnt + "/" + path, flags)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let n = Foundation.write(fd, bytes, bytes.count)
        if n < 0 { return errno }
        return n == bytes.count ? 0 : EIO
    }

    func state(_ name: String) -> String {
        (read(name + "/state") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value of KEY in a session's status.
    func status(_ name: String, _ key: String) -> String? {
        for line in (read(name + "/status") ?? "").split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.first.map(String.init) == key { return parts.count > 1 ? String(parts[1]) : "" }
        }
        return nil
    }

    func pid(_ name: String) -> pid_t? { status(name, "pid").flatMap { pid_t($0) } }

    /// Waits until the session is in one of `states`; fails the test if not.
    @discardableResult
    func waitState(_ name: String, _ states: Set<String>, timeout: Double = 10,
                   file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let ok = waitUntil(timeout) { states.contains(self.state(name)) }
        if !ok { XCTFail("\(name) is \(state(name)), expected \(states.sorted())", file: file, line: line) }
        return ok
    }
}

/// Starts a program with stdin from /dev/null and output to files; the caller reaps it.
func spawn(_ argv: [String], stdout: String, stderr: String, env extra: [String] = []) -> pid_t? {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cenv: [UnsafeMutablePointer<CChar>?] = mergedEnvironment(extra).map { strdup($0) } + [nil]
    defer { for a in cargs { free(a) }; for e in cenv { free(e) } }
    var pid: pid_t = 0
    return posix_spawn(&pid, argv[0], &actions, nil, &cargs, &cenv) == 0 ? pid : nil
}

/// This process's environment with `extra` (`NAME=VALUE`) replacing or adding variables.
func mergedEnvironment(_ extra: [String]) -> [String] {
    let names = Set(extra.compactMap { $0.split(separator: "=").first.map(String.init) })
    return ProcessInfo.processInfo.environment.filter { !names.contains($0.key) }.map { "\($0.key)=\($0.value)" } + extra
}

/// Polls a condition every 20 ms until it holds or the timeout passes.
func waitUntil(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// The processes of a tree (the root and all its descendants) and their states.
func processTree(_ root: pid_t) -> [pid_t: Character] {
    var parent: [pid_t: pid_t] = [:]
    var state: [pid_t: Character] = [:]
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    for n in names {
        guard let pid = pid_t(n), let s = try? String(contentsOfFile: "/proc/\(n)/stat", encoding: .utf8),
              let close = s.lastIndex(of: ")") else { continue }
        let f = s[s.index(after: close)...].split(separator: " ")
        guard f.count > 2, let pp = pid_t(f[1]), let st = f[0].first else { continue }
        parent[pid] = pp
        state[pid] = st
    }
    var out: [pid_t: Character] = [:]
    var stack = [root]
    while let p = stack.popLast() {
        guard let st = state[p], out[p] == nil else { continue }
        out[p] = st
        stack += parent.filter { $0.value == p }.map(\.key)
    }
    return out
}

/// Whether a process is paused: stopped by a signal (state T), or frozen by its
/// cgroup's freezer (v1 `freezer.state` FROZEN, v2 `cgroup.events` frozen 1), as
/// hivefs pauses a session that has a cgroup.
func frozen(_ pid: pid_t) -> Bool {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = s.lastIndex(of: ")") else { return false }
    if s[s.index(after: close)...].split(separator: " ").first == "T" { return true }
    for line in ((try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? "").split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { continue }
        if parts[1].split(separator: ",").contains("freezer"),
           let state = try? String(contentsOfFile: "/sys/fs/cgroup/freezer\(parts[2])/freezer.state", encoding: .utf8) {
            return state.hasPrefix("FROZEN")
        }
        if parts[0] == "0", let events = try? String(contentsOfFile: "/sys/fs/cgroup\(parts[2])/cgroup.events", encoding: .utf8),
           events.contains("frozen 1") {
            return true
        }
    }
    return false
}

/// Whether a process exists and is not a zombie.
func alive(_ pid: pid_t) -> Bool {
    guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = s.lastIndex(of: ")") else { return false }
    let st = s[s.index(after: close)...].split(separator: " ").first
    return st != "Z" && st != "X"
}

/// A test case with a fresh mount; subclasses use `m`.
class MountedTestCase: XCTestCase {
    var m: MountFixture!

    var quietAfter: Double { 0.5 }

    override func setUpWithError() throws {
        m = try MountFixture(quietAfter: quietAfter)
        addTeardownBlock { [m] in m?.tearDown() }
        try prepare(m)
        try m.mount()
    }

    /// Runs before the mount: a subclass sets up files and the daemon's environment.
    func prepare(_ m: MountFixture) throws {}

    /// Creates a shell session through the root control file and waits for it to run.
    func newShell(_ name: String, _ command: String, extra: String = "", wait: Bool = true,
                  file: StaticString = #filePath, line: UInt = #line) {
        let q = command.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        let err = m.write("control", "new \(name) agent=shell dir=\(m.root) command=\"\(q)\" \(extra)\n")
        XCTAssertEqual(err, 0, "new \(name) refused: \(String(cString: strerror(err))); control says: \(m.read("control") ?? "")", file: file, line: line)
        if wait { m.waitState(name, ["working", "idle"], file: file, line: line) }
    }
}

extension MountedTestCase {
    /// A repository with one commit on `main` (a.txt), in a folder of the test's.
    @discardableResult
    func makeRepo(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let path = m.root + "/" + name
        let r = m.sh("""
            mkdir -p "\(path)" && cd "\(path)" && git init -q -b main && git config user.email t@example.com \
            && git config user.name Tester && echo one > a.txt && git add a.txt && git commit -qm 'first commit'
            """)
        XCTAssertEqual(r.status, 0, r.err, file: file, line: line)
        return path
    }
}
