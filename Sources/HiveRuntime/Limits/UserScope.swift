import Foundation
import HiveCore

/// How `hivefs mount` gets its daemon a cgroup v2 of its own from the user's systemd.
///
/// Decisions, stated once:
/// - On cgroup v2 a daemon started from a login shell lands in the login session's
///   scope, which root owns and which holds the shell: hivefs may make no cgroups
///   there (`Cgroups.setUpV2` refuses it). Where a user manager runs, `hivefs mount`
///   therefore starts its daemon as
///   `systemd-run --user --scope --property=Delegate=yes -- hivefs mount --foreground …`:
///   a transient scope holding the daemon alone, delegated to the user. The daemon
///   then makes its sessions' cgroups in it and writes their `memory.max`, `cpu.max`
///   and `pids.max` itself (what `MemoryMax=`, `CPUQuota=` and `TasksMax=` would
///   set), so a `limit` while a session runs, the freezer and the counters work as
///   under `contrib/hivefs.service`, without a round trip to systemd.
/// - The scope is `hivefs-HASH-PID.scope` (HASH of the state directory, as the
///   cgroups' folder; PID of the `hivefs mount` that asked): a new daemon cannot
///   join the scope an older one left with agents in it, so each start has its own,
///   and `--collect` lets systemd forget one once its last process ends. Agents an
///   older daemon started keep their cgroups; a new daemon finds them through
///   /proc/PID/cgroup, as after any restart.
/// - Only a daemon that `hivefs mount` starts in the background is put in a scope:
///   with `--foreground` whoever starts it (a unit with `Delegate=yes`, a script)
///   chose its cgroup.
/// - systemd-run (254 and later) expands `$NAME` in a scope's command line; a
///   command line holding a `$` (a state directory's path may) is passed with
///   `--expand-environment=no`, which an older systemd-run refuses in the probe:
///   then no scope, said, rather than a daemon given another path.
/// - The user manager is asked once first (`systemd-run … true`). If it refuses, the
///   daemon starts without a scope and `hivefs mount` says why on stderr; its
///   sessions then have no cgroups, as the daemon's log says too, and a limit is
///   refused with ENOTSUP. Never a silent fallback.
public enum UserScope {
    /// What `hivefs mount` does before it starts its daemon.
    public enum Plan: Equatable, Sendable {
        /// Start the daemon behind this argv: systemd-run and its options, ending in `--`.
        case wrap([String])
        /// No scope: the cgroup the daemon inherits is used, or none; why.
        case skip(String)
    }

    /// The plan for this process's place in the cgroups, the config's `cgroups`
    /// mode, and the user's manager (through `XDG_RUNTIME_DIR` and `PATH`).
    public static func plan(mode: String, stateDir: String, command: [String],
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> Plan {
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let manager = runtime.map { Sys.stat($0 + "/systemd/private") != nil } ?? false
        return plan(mode: mode, mounts: CgroupMounts.read(), userManager: manager,
                    systemdRun: Sys.which("systemd-run", path: environment["PATH"] ?? "/usr/bin:/bin"),
                    unit: "hivefs-\(Cgroups.fnv(stateDir))-\(getpid()).scope", stateDir: stateDir, command: command)
    }

    /// The same from what was found: the mounts, whether a user manager's private
    /// socket is there, where systemd-run is, the scope's name, and the daemon's command line.
    static func plan(mode: String, mounts: CgroupMounts, userManager: Bool, systemdRun: String?, unit: String, stateDir: String,
                     command: [String]) -> Plan {
        guard mode != "off" else { return .skip("cgroups = \"off\" in the config") }
        guard mounts.v1["memory"] == nil else { return .skip("cgroup v1: the daemon makes its folders itself (as root)") }
        guard let v2 = mounts.v2 else { return .skip("no cgroup v2 hierarchy here") }
        guard v2.own != v2.dir else { return .skip("the root of the cgroup v2 hierarchy: the daemon makes its folders itself") }
        guard !v2.own.hasSuffix("/hivefs.daemon") else { return .skip("already in hivefs's own leaf (a unit with DelegateSubgroup=hivefs.daemon)") }
        guard let systemdRun else { return .skip("cgroup v2 and no systemd-run to ask the user manager for a delegated scope") }
        guard userManager else { return .skip("cgroup v2 and no systemd user manager (no $XDG_RUNTIME_DIR/systemd/private) to ask for a delegated scope") }
        let literal = command.contains { $0.contains("$") } ? ["--expand-environment=no"] : []
        return .wrap([systemdRun, "--user", "--scope", "--quiet", "--collect", "--unit=" + unit,
                      "--description=hivefs daemon for " + stateDir, "--property=Delegate=yes"] + literal + ["--"])
    }

    /// Asks the user manager for a scope once, for `true`: nil when it gives one,
    /// else why not (systemd-run's own words).
    public static func probe(_ wrap: [String]) -> String? {
        // The same options without the unit's name, which the daemon's scope takes.
        let argv = wrap.filter { !$0.hasPrefix("--unit=") && !$0.hasPrefix("--description=") } + ["true"]
        let r = Spawn.capture(argv, timeoutMS: 10_000, limit: 4096)
        if r.ok { return nil }
        let said = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return "\(argv.joined(separator: " ")) failed (exit \(r.status))" + (said.isEmpty ? "" : ": " + said)
    }
}
