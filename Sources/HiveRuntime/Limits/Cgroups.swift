import Foundation
import HiveCore
import SystemPackage

/// Where hivefs may make cgroups for its sessions, found once when the daemon starts.
///
/// Decisions, stated once:
/// - Each session runs in a cgroup of its own whenever hivefs can make one (config
///   `cgroups = "auto"`, the default): it gives `limit.*`, the freezer for `pause`,
///   and `cpu`/`memory` of every process of the session, forked or not. Without one
///   a session still runs (signals pause it, /proc measures it); only a `limit` is
///   refused, with ENOTSUP and this type's reason. `cgroups = "off"` never makes one.
/// - cgroup v2: hivefs makes its cgroups under its own, which must be delegated to
///   it (`Delegate=yes` in the systemd unit, as contrib/hivefs.service has, or
///   `systemd-run --user --scope -p Delegate=yes hivefs mount --foreground`, which
///   `hivefs mount` runs itself where a user manager does: UserScope). The daemon's own
///   processes move to a leaf `hivefs.daemon` first: v2 enables controllers only
///   for a cgroup with no processes of its own.
/// - cgroup v1 (root, or a delegated hierarchy): one directory per controller
///   (memory, cpu, cpuacct, pids, freezer), under the daemon's own cgroup in each.
/// - The folder for a state directory is `hivefs-HASH` (FNV-1a of its path), so
///   two daemons never share one and a restarted daemon finds its sessions'; a
///   session's cgroup is `…/hivefs-HASH/NAME`, made afresh at each start. In v1
///   the `hivefs-HASH` folders are made with a session's and taken away when the
///   last session's goes (v2's keeps the controllers enabled in it). A
///   running agent's cgroup is read back from /proc/PID/cgroup, never assumed.
/// - The launcher (the pane's first process) joins the cgroup before it starts
///   setup or agent, so nothing the agent forks is ever outside it.
struct Cgroups: Sendable {
    enum Version: String, Sendable { case v1, v2 }
    /// The controllers hivefs uses: limits, freezing, accounting.
    static let v1Controllers = ["memory", "cpu", "cpuacct", "pids", "freezer"]
    static let v2Controllers = ["memory", "cpu", "pids"]

    let version: Version
    /// The folders sessions' cgroups are made in: one per v1 controller (shared
    /// when co-mounted, as `cpu,cpuacct`), or the one v2 folder.
    let parents: [String: String]

    /// Removes the folders sessions' cgroups are made in, if none is left in them
    /// (at unmount; a running agent's keeps its folder and so the parent).
    func removeParents() {
        for dir in Set(parents.values) { rmdir(dir) }
    }

    /// The session `name`'s cgroup (not made yet).
    func session(_ name: String) -> SessionCgroup {
        var dirs: [String: String] = [:]
        for (controller, parent) in parents { dirs[controller] = parent + "/" + name }
        return SessionCgroup(version: version, dirs: dirs)
    }

    /// The cgroups hivefs can use here, or why none: what `mode` allows, found in
    /// /proc/self/mountinfo and /proc/self/cgroup, and made writable by `mkdir`.
    static func detect(stateDir: String, mode: String) -> Result<Cgroups, HiveError> {
        guard mode != "off" else { return .failure(.unsupported("cgroups = \"off\" in the config")) }
        let mounts = CgroupMounts.read()
        let tag = "hivefs-" + fnv(stateDir)
        if let v2 = mounts.v2, Set(v2.controllers).isSuperset(of: v2Controllers) {
            return setUpV2(v2, tag: tag)
        }
        var parents: [String: String] = [:]
        for c in v1Controllers {
            guard let m = mounts.v1[c] else {
                return .failure(.unsupported(mounts.v2 != nil
                    ? "no cgroup here offers memory, cpu and pids to hivefs: the v2 hierarchy at \(mounts.v2?.dir ?? "?") lacks \(v2Controllers.filter { !(mounts.v2?.controllers ?? []).contains($0) }.joined(separator: ", ")) and v1 has no \(c) controller"
                    : "no cgroup \(c) controller is mounted (see /proc/self/mountinfo)"))
            }
            let dir = m + "/" + tag
            // Made to see that it can be, and taken away again while empty: v1 folders
            // are made as sessions need them, so none is left behind by a daemon that
            // ran no session (or was killed).
            let existed = Sys.stat(dir) != nil
            if let e = makeDir(dir) {
                return .failure(HiveError(e.errno, "cannot make the cgroup \(dir): \(e.reason); run hivefs as root, or on cgroup v2 with its cgroup delegated (Delegate=yes)"))
            }
            if !existed { rmdir(dir) }
            parents[c] = dir
        }
        return .success(Cgroups(version: .v1, parents: parents))
    }

    /// v2: the daemon's own cgroup, if delegated: its processes go to a leaf, the
    /// controllers are enabled for its children, and sessions go in `hivefs-HASH`.
    ///
    /// Only a cgroup of the daemon's own is taken: one that holds no process but
    /// the daemon (a login session's scope, holding a shell, is refused), or the
    /// leaf a unit with `DelegateSubgroup=hivefs.daemon` starts it in.
    static func setUpV2(_ v2: CgroupMounts.V2, tag: String) -> Result<Cgroups, HiveError> {
        let started = v2.own
        let inLeaf = started.hasSuffix("/hivefs.daemon")
        let own = inLeaf ? String(started.dropLast("/hivefs.daemon".count)) : started
        let leaf = own + "/hivefs.daemon"
        let parent = own + "/" + tag
        let wanted = v2Controllers.map { "+" + $0 }.joined(separator: " ")
        func fail(_ e: HiveError, _ doing: String) -> Result<Cgroups, HiveError> {
            .failure(HiveError(e.errno, "cgroup v2: cannot \(doing): \(e.reason); hivefs needs its cgroup delegated (Delegate=yes in its systemd unit, or systemd-run --user --scope -p Delegate=yes hivefs mount --foreground)"))
        }
        let enabled = Set(String(decoding: Sys.readFile(own + "/cgroup.subtree_control") ?? [], as: UTF8.self).split(separator: " ").map(String.init))
        if !enabled.isSuperset(of: v2Controllers) {
            let others = SessionCgroup.pids(own).filter { $0 != getpid() }
            if !inLeaf, !others.isEmpty {
                return .failure(.unsupported("cgroup v2: \(own) holds other processes than hivefs (pids \(others.prefix(5).map(String.init).joined(separator: " "))); hivefs makes cgroups only in a cgroup of its own: start it with hivefs mount where a systemd user manager runs (it asks for a delegated scope), run it as a systemd user unit with Delegate=yes (contrib/hivefs.service), or under systemd-run --user --scope -p Delegate=yes hivefs mount --foreground"))
            }
            if let e = makeDir(leaf) { return fail(e, "make \(leaf)") }
            // Every process of the daemon's cgroup (the daemon, a tmux server it started) moves to the leaf.
            for pid in SessionCgroup.pids(own) {
                if let e = write(leaf + "/cgroup.procs", "\(pid)"), e.errno != .noSuchProcess { return fail(e, "move pid \(pid) to \(leaf)") }
            }
            if let e = write(own + "/cgroup.subtree_control", wanted) { return fail(e, "enable \(wanted) in \(own)") }
        }
        if let e = makeDir(parent) { return fail(e, "make \(parent)") }
        if let e = write(parent + "/cgroup.subtree_control", wanted) { return fail(e, "enable \(wanted) in \(parent)") }
        return .success(Cgroups(version: .v2, parents: ["unified": parent]))
    }

    /// `mkdir`, where one that exists is fine; the error otherwise.
    static func makeDir(_ path: String) -> HiveError? {
        if mkdir(path, 0o755) == 0 || errno == EEXIST { return nil }
        let e = Errno(rawValue: errno)
        return HiveError(e, String(cString: strerror(e.rawValue)))
    }

    /// Writes a cgroup file in one `write`, as the kernel wants it; the error otherwise.
    static func write(_ path: String, _ text: String) -> HiveError? {
        do {
            let fd = try FileDescriptor.open(path, .writeOnly, options: [.closeOnExec])
            defer { try? fd.close() }
            _ = try fd.writeAll(Array(text.utf8))
            return nil
        } catch let e as Errno {
            return HiveError(e, "\(path): \(String(cString: strerror(e.rawValue)))")
        } catch {
            return HiveError(.ioError, "\(path): \(error)")
        }
    }

    /// FNV-1a of a path, as eight hex digits.
    static func fnv(_ s: String) -> String {
        var h: UInt32 = 2_166_136_261
        for b in s.utf8 { h = (h ^ UInt32(b)) &* 16_777_619 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// The cgroup hierarchies mounted here, and this process's place in each.
struct CgroupMounts: Sendable {
    struct V2: Sendable {
        /// Where it is mounted, the daemon's own cgroup folder in it, and the controllers it offers there.
        var dir: String
        var own: String
        var controllers: [String]
    }
    /// v1: the daemon's own folder in the hierarchy of each controller.
    var v1: [String: String] = [:]
    var v2: V2?

    /// The hierarchies this process sees: /proc/self/cgroup, /proc/self/mountinfo,
    /// and the v2 folder's `cgroup.controllers`.
    static func read() -> CgroupMounts {
        func text(_ path: String) -> String { String(decoding: Sys.readFile(path) ?? [], as: UTF8.self) }
        return parse(cgroup: text("/proc/self/cgroup"), mountinfo: text("/proc/self/mountinfo")) { dir in
            text(dir + "/cgroup.controllers").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        }
    }

    /// The same from the text of the two files; `controllers` gives what the v2
    /// folder it is passed offers (its `cgroup.controllers`).
    static func parse(cgroup: String, mountinfo: String, controllers: (String) -> [String]) -> CgroupMounts {
        var out = CgroupMounts()
        // /proc/self/cgroup: "ID:CONTROLLERS:PATH"; v2 is "0::PATH".
        var ownPath: [String: String] = [:]
        var ownV2: String?
        for line in cgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" && parts[1].isEmpty { ownV2 = String(parts[2]); continue }
            for c in parts[1].split(separator: ",") { ownPath[String(c)] = String(parts[2]) }
        }
        // /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE SUPEROPTS".
        for line in mountinfo.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let dash = words.firstIndex(of: "-"), dash + 3 < words.count, words.count > 4 else { continue }
            let root = unescape(words[3]), point = unescape(words[4]), type = words[dash + 1]
            func inside(_ path: String) -> String? {
                // The mount shows the hierarchy from `root` down: a path outside it is not reachable here.
                if root == "/" { return point + (path == "/" ? "" : path) }
                if path == root { return point }
                return path.hasPrefix(root + "/") ? point + path.dropFirst(root.count) : nil
            }
            if type == "cgroup2", let own = ownV2, let dir = inside(own) {
                // Started in the leaf hivefs keeps (`DelegateSubgroup=hivefs.daemon`): what its parent offers.
                let owner = dir.hasSuffix("/hivefs.daemon") ? String(dir.dropLast("/hivefs.daemon".count)) : dir
                out.v2 = V2(dir: point, own: dir, controllers: controllers(owner))
            } else if type == "cgroup" {
                let opts = words[dash + 3].split(separator: ",").map(String.init)
                for c in Cgroups.v1Controllers where opts.contains(c) {
                    if let path = ownPath[c], let dir = inside(path) { out.v1[c] = dir }
                }
            }
        }
        return out
    }

    /// mountinfo escapes space, tab, newline and backslash as octal, in the root
    /// as in the mount point.
    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 3 < b.count, let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
