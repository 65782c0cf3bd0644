import Foundation
import HiveCore

/// A session's bubblewrap sandbox (`sandbox=bwrap`): the command line that wraps
/// its setup and its agent, and the check made before every start.
///
/// What the agent sees, stated once (hivefs(5) says the same):
/// - the whole file system read-only (`--ro-bind / /`), with the host's /dev (its
///   terminal is there) and /proc;
/// - /tmp as a private tmpfs; what the session needs that lives under /tmp (its
///   home, its state, the programs on its PATH) is shown again read-only, and
///   `$TMPDIR`, when it is under /tmp, is an empty writable folder;
/// - writable: its folder or worktree, the repository's `.git` (a worktree
///   commits there), the paths its agent writes (`AgentRuntime.sandboxWrites`:
///   Claude Code's config folder, where it keeps its configuration file when
///   sandboxed (`ClaudeSandboxConfig`), Codex's home…), the files its hooks and
///   status line write in the state directory, and `sandbox.write`;
/// - the network, unless `sandbox.network=off` (a network namespace with only `lo`).
///
/// There is no fallback: when bwrap is missing or cannot make its namespaces, the
/// start fails with the reason and how to fix it.
struct Sandbox: Sendable {
    /// The bwrap program.
    let program: String
    var readOnly: [String] = []
    var writable: [String] = []
    /// Made as empty writable folders inside the tmpfs.
    var emptyDirs: [String] = []
    var network = true
    var workdir: String

    /// The words before the wrapped command (which follows `--`).
    ///
    /// Without `--die-with-parent`: `kill` sends TERM to every process of the session at
    /// once, bwrap among them, which dies of it at once; with that option its agent would
    /// get KILL then, before it could end as it does on TERM (Claude Code records its
    /// session and runs its SessionEnd hook). The agent is ended as one outside a
    /// sandbox is: TERM to every process of its tree and cgroup, KILL after the grace.
    var prefix: [String] {
        var a = [program, "--ro-bind", "/", "/", "--dev-bind", "/dev", "/dev", "--tmpfs", "/tmp"]
        // Parents before children: a later mount shows over an earlier one.
        for p in Set(readOnly).sorted() { a += ["--ro-bind", p, p] }
        for p in Set(emptyDirs).sorted() { a += ["--dir", p] }
        for p in Set(writable).sorted() { a += ["--bind", p, p] }
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
        for dir in (path ?? "/usr/bin:/bin").split(separator: ":") where access(dir + "/bwrap", X_OK) == 0 {
            return dir + "/bwrap"
        }
        throw .unsupported("sandbox=bwrap: bubblewrap (bwrap) is not installed; install it (apt install bubblewrap, dnf install bubblewrap) or use sandbox=none")
    }

    /// Runs the sandbox once around `true`: the namespaces and every bind are made
    /// as the agent's will be. The reason, when it fails, says which and what to do.
    func check() throws(HiveError) {
        let r = Spawn.run(prefix + ["/bin/true"], timeoutMS: 10_000)
        guard !r.ok else { return }
        let said = r.stderr.trimmingWhitespace()
        throw HiveError(.permissionDenied, Sandbox.reason(said, status: r.status))
    }

    /// Why bwrap failed, from what it said, with the fix.
    static func reason(_ said: String, status: Int32) -> String {
        let told = said.isEmpty ? "exit \(status)" : Text.oneLine(said)
        let lower = said.lowercased()
        if lower.contains("namespace") || lower.contains("uid map") || lower.contains("setting up uid") {
            var fix = "user namespaces are disabled for this user"
            if let v = readNumber("/proc/sys/user/max_user_namespaces"), v == 0 { fix += " (user.max_user_namespaces = 0)" }
            if let v = readNumber("/proc/sys/kernel/unprivileged_userns_clone"), v == 0 { fix += " (kernel.unprivileged_userns_clone = 0)" }
            if let v = readNumber("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"), v == 1 {
                fix += " (AppArmor restricts them: kernel.apparmor_restrict_unprivileged_userns = 1)"
            }
            return "sandbox=bwrap cannot start: \(fix); enable them (sysctl -w user.max_user_namespaces=15000, or the setting named) or install bwrap setuid. bwrap said: \(told)"
        }
        if lower.contains("can't find source path") {
            return "sandbox=bwrap cannot start: a path to bind is missing. bwrap said: \(told)"
        }
        return "sandbox=bwrap cannot start. bwrap said: \(told)"
    }

    static func readNumber(_ path: String) -> Int? {
        Sys.readFile(path).flatMap { Int(String(decoding: $0, as: UTF8.self).trimmingWhitespace()) }
    }
}
