import Foundation
import HiveCore

/// A session's bubblewrap sandbox (`sandbox=bwrap`): the command line that wraps
/// its setup and its agent, and the check made before every start.
///
/// What the agent sees, stated once (hivefs(5) says the same):
/// - the whole file system read-only (`--ro-bind / /`), a /dev of its own (`--dev`:
///   no other terminal's pty), its own PID namespace with its own /proc (no other
///   process to signal or to reach through /proc/PID/root), its own IPC, and no
///   capabilities (`--cap-drop ALL`: even run as root it cannot unmount or remount);
/// - /tmp as a private tmpfs; what the session needs that lives under /tmp (its
///   home, the programs on its PATH) is shown again read-only, and `$TMPDIR`, when
///   it is under /tmp, is an empty writable folder;
/// - hidden under empty tmpfs: the ways out and the other sessions (the state
///   directory with its `link.sock`, the mount, tmux's sockets, the user's runtime
///   folder with D-Bus and systemd's socket), its own state folder shown again
///   read-only;
/// - writable: its folder or worktree, the repository's `.git` (a worktree
///   commits there) less what git runs or follows later outside the sandbox, the
///   paths its agent writes (`AgentRuntime.sandboxWrites`: Claude Code's config
///   folder, where it keeps its configuration file when sandboxed
///   (`ClaudeSandboxConfig`), Codex's home…) less what other sessions run from
///   there (`AgentRuntime.sandboxProtects`), the files its hooks and
///   status line write in the state directory, and `sandbox.write`;
/// - the network, unless `sandbox.network=off` (a network namespace with only `lo`).
///
/// The mounts are made in the order of their paths, parents first, so a writable
/// folder never shows again what a rule for a path inside it hides or protects;
/// on one path, the stricter rule is made last and wins.
///
/// There is no fallback: when bwrap is missing or cannot make its namespaces, the
/// start fails with the reason and how to fix it.
struct Sandbox: Sendable {
    /// What a mount does to a path, in the order a tie on one path is made (the last wins).
    enum Rule: Int, Sendable, Comparable {
        /// Shown again, read-only, over the /tmp tmpfs.
        case readOnly
        /// An empty writable folder inside a tmpfs (`$TMPDIR`).
        case emptyDir
        /// Writable.
        case writable
        /// Hidden under an empty tmpfs: a way out of the sandbox, or other sessions' files.
        case hidden
        /// Inside a hidden folder, shown again read-only (the session's own state folder).
        case exposed
        /// Inside a writable folder, kept read-only: what runs later outside the
        /// sandbox (a repository's hooks and config).
        case protected

        static func < (a: Rule, b: Rule) -> Bool { a.rawValue < b.rawValue }
    }

    /// The bwrap program.
    let program: String
    var mounts: [(path: String, rule: Rule)] = []
    var network = true
    var workdir: String

    init(program: String, workdir: String) {
        self.program = program
        self.workdir = workdir
    }

    /// Adds paths, each as its real path (links and `..` resolved, where it exists):
    /// the order of mounts is the order of real paths, and bwrap binds real places.
    mutating func add(_ paths: [String], _ rule: Rule) {
        for p in paths where p.hasPrefix("/") && p != "/" {
            let real = Sandbox.realPath(p)
            if real != "/" { mounts.append((real, rule)) }
        }
    }

    /// `realpath(3)` of a path that exists; the path as given otherwise.
    static func realPath(_ p: String) -> String {
        guard let r = realpath(p, nil) else { return p }
        defer { free(r) }
        return String(cString: r)
    }

    /// The mounts in the order they are made: by path, component by component
    /// (a parent before what is inside it), each path's rules strictest last.
    var ordered: [(path: String, rule: Rule)] {
        var seen = Set<String>()
        let unique = mounts.filter { seen.insert($0.path + "\u{0}" + String($0.rule.rawValue)).inserted }
        return unique.sorted { a, b in
            let ca = a.path.split(separator: "/"), cb = b.path.split(separator: "/")
            if ca != cb { return ca.lexicographicallyPrecedes(cb) }
            return a.rule < b.rule
        }
    }

    /// The words before the wrapped command (which follows `--`).
    ///
    /// Without `--die-with-parent`: `kill` sends TERM to every process of the session at
    /// once, bwrap among them, which dies of it at once; with that option its agent would
    /// get KILL then, before it could end as it does on TERM (Claude Code records its
    /// session and runs its SessionEnd hook). The agent is ended as one outside a
    /// sandbox is: TERM to every process of its tree and cgroup, KILL after the grace.
    var prefix: [String] {
        var a = [program, "--unshare-pid", "--unshare-ipc", "--unshare-cgroup-try", "--cap-drop", "ALL",
                 "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for (p, rule) in ordered {
            switch rule {
            case .readOnly, .exposed, .protected: a += ["--ro-bind", p, p]
            case .emptyDir: a += ["--dir", p]
            case .writable: a += ["--bind", p, p]
            case .hidden: a += ["--tmpfs", p]
            }
        }
        if !network { a.append("--unshare-net") }
        return a + ["--chdir", workdir, "--"]
    }

    /// The bwrap to run: `configured` (the config's `bwrap`), else `bwrap` on PATH.
    static func find(configured: String?, path: String?) throws(HiveError) -> String {
        if let configured {
            guard access(configured, X_OK) == 0 else {
                throw .unsupported("sandbox=bwrap: bubblewrap is not at \(configured) (the config's bwrap): \(String(cString: strerror(errno))); install it (apt install bubblewrap) or fix the path")
            }
            return configured
        }
        if let found = Sys.which("bwrap", path: path ?? "/usr/bin:/bin") { return found }
        throw .unsupported("sandbox=bwrap: bubblewrap (bwrap) is not installed; install it (apt install bubblewrap, dnf install bubblewrap) or use sandbox=none")
    }

    /// Runs the sandbox once around `true`: the namespaces and every bind are made
    /// as the agent's will be. The reason, when it fails, says which and what to do.
    func check() throws(HiveError) {
        let r = Spawn.run(prefix + ["/bin/true"], timeoutMS: 10_000)
        guard !r.ok else { return }
        let said = r.stderr.trimmingWhitespace()
        let missing = said.lowercased().contains("can't find source path") || said.lowercased().contains("no such file")
        throw HiveError(missing ? .noSuchFileOrDirectory : .permissionDenied, Sandbox.reason(said, status: r.status))
    }

    /// Why bwrap failed, from what it said, with the fix.
    static func reason(_ said: String, status: Int32) -> String {
        let told = said.isEmpty ? "exit \(status)" : Text.oneLine(said)
        let lower = said.lowercased()
        // First: the path it names may hold any word, `namespace` too.
        if lower.contains("can't find source path") {
            return "sandbox=bwrap cannot start: a path to bind is missing. bwrap said: \(told)"
        }
        if lower.contains("namespace") || lower.contains("uid map") || lower.contains("setting up uid") {
            var fix = "user namespaces are disabled for this user"
            if let v = readNumber("/proc/sys/user/max_user_namespaces"), v == 0 { fix += " (user.max_user_namespaces = 0)" }
            if let v = readNumber("/proc/sys/kernel/unprivileged_userns_clone"), v == 0 { fix += " (kernel.unprivileged_userns_clone = 0)" }
            if let v = readNumber("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"), v == 1 {
                fix += " (AppArmor restricts them: kernel.apparmor_restrict_unprivileged_userns = 1)"
            }
            return "sandbox=bwrap cannot start: \(fix); enable them (sysctl -w user.max_user_namespaces=15000, or the setting named) or install bwrap setuid. bwrap said: \(told)"
        }
        return "sandbox=bwrap cannot start. bwrap said: \(told)"
    }

    static func readNumber(_ path: String) -> Int? {
        Sys.readFile(path).flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingWhitespace()) }
    }
}
