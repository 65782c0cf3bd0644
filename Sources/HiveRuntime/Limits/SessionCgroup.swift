import Foundation
import HiveCore
import SystemPackage

/// One session's cgroup: its folders (one per v1 controller, or one v2 folder), the
/// limits written there, the freezer, and what the kernel counts in it.
///
/// Who touches it: the session's `queue` makes it, sets its limits, freezes, thaws
/// and removes it; any thread may read its counters (reads of cgroup files).
struct SessionCgroup: Sendable, Equatable {
    let version: Cgroups.Version
    /// Folder by controller (`unified` for v2).
    let dirs: [String: String]

    /// The folder that holds a controller's files.
    func dir(_ controller: String) -> String? { version == .v2 ? dirs["unified"] : dirs[controller] }

    /// Every folder, each once (co-mounted v1 controllers share one): what the launcher joins.
    var folders: [String] { Array(Set(dirs.values)).sorted() }

    /// Where `memory`'s files are: what `status` shows as `cgroup`.
    var shown: String { dir("memory") ?? folders.first ?? "" }

    // MARK: making and removing

    /// Makes the folders afresh (a previous run's, if empty, goes first, so counters start at 0).
    func create() throws(HiveError) {
        for d in folders {
            if Sys.stat(d) != nil, rmdir(d) != 0, errno != ENOENT {
                let e = Errno(rawValue: errno)
                throw HiveError(e, "cannot remove the previous run's cgroup \(d): \(String(cString: strerror(e.rawValue))) (processes of it still run: \(SessionCgroup.pids(d).map(String.init).joined(separator: " ")))")
            }
            // Its parent may have gone with another session's last folder (v1): made again,
            // a few times, in case it goes again meanwhile.
            var made = Cgroups.makeDir(d)
            for _ in 0..<3 where made?.errno == .noSuchFileOrDirectory {
                _ = Cgroups.makeDir(Sys.folder(of: d))
                made = Cgroups.makeDir(d)
            }
            if let e = made { throw HiveError(e.errno, "cannot make the cgroup \(d): \(e.reason)") }
        }
    }


    /// Ends what is left in it and removes its folders: a run's processes end with
    /// it, even those that left its process tree (a daemon it started, a build
    /// server), so that the next start finds the name free. Frozen first, so that
    /// none forks while they are killed, then thawed, since a frozen v1 task does not
    /// die. `graceMS` after a TERM comes first, as `kill` gives (a server the agent
    /// left running shuts down as it would on a kill). Waits up to `ms` more for the
    /// last ones to go.
    func remove(graceMS: Int = 0, ms: Int = 2000) {
        if graceMS > 0, !pids.isEmpty {
            for pid in pids { Sys.signal(pid, SIGTERM); Sys.signal(pid, SIGCONT) }
            let graceEnd = Sys.monotonicMS() + Int64(graceMS)
            while !pids.isEmpty && Sys.monotonicMS() < graceEnd { Sys.sleep(ms: 10) }
        }
        let end = Sys.monotonicMS() + Int64(ms)
        while !pids.isEmpty && Sys.monotonicMS() < end {
            if canFreeze { try? freeze(timeoutMS: 200) }
            for pid in pids { Sys.signal(pid, SIGKILL) }
            _ = try? thaw(timeoutMS: 200)
            Sys.sleep(ms: 10)
        }
        _ = try? thaw(timeoutMS: 200)
        for d in folders {
            while rmdir(d) != 0 && errno == EBUSY && Sys.monotonicMS() < end { Sys.sleep(ms: 10) }
            // The daemon's v1 folder goes with its last session's (a full one stays: ENOTEMPTY/EBUSY).
            if version == .v1 { rmdir(Sys.folder(of: d)) }
        }
    }

    /// The processes in a cgroup folder.
    static func pids(_ dir: String) -> [pid_t] {
        String(decoding: Sys.readFile(dir + "/cgroup.procs") ?? [], as: UTF8.self).split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Every process of the session, as the kernel lists them.
    var pids: [pid_t] { dir("pids").map(SessionCgroup.pids) ?? [] }

    /// The cgroup a running process is in, if it is a session's of `cgroups`
    /// (its memory folder is one of theirs): how a restarted daemon finds it.
    static func of(pid: pid_t, in cgroups: Cgroups, name: String) -> SessionCgroup? {
        let expected = cgroups.session(name)
        let mounts = String(decoding: Sys.readFile("/proc/\(pid)/cgroup") ?? [], as: UTF8.self)
        let suffix = "/" + (expected.shown.split(separator: "/").suffix(2).joined(separator: "/"))
        for line in mounts.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let isMemory = cgroups.version == .v2 ? parts[0] == "0" : parts[1].split(separator: ",").contains("memory")
            if isMemory && parts[2].hasSuffix(suffix) { return expected }
        }
        return nil
    }

    // MARK: limits

    /// Writes the limits (nil keys lift them). v1 memory and memory+swap must stay in
    /// order (memsw ≥ memory), so which goes first depends on the way it moves.
    func apply(_ limits: ResourceLimits) throws(HiveError) {
        func put(_ controller: String, _ file: String, _ text: String, optional: Bool = false) throws(HiveError) {
            guard let d = dir(controller) else { throw .unsupported("the session's cgroup has no \(controller) controller") }
            let path = d + "/" + file
            if optional && Sys.stat(path) == nil { return }
            if let e = Cgroups.write(path, text) {
                throw HiveError(e.errno, e.errno == .resourceBusy && controller == "memory"
                    ? "the session uses more memory than \(ResourceLimits.text(.memory, limits.memory)) and the kernel could not reclaim it: \(e.reason)"
                    : "cannot set \(file): \(e.reason)")
            }
        }
        switch version {
        case .v1:
            let memory = limits.memory.map(String.init) ?? "-1"
            let current = Int64(String(decoding: Sys.readFile((dir("memory") ?? "") + "/memory.limit_in_bytes") ?? [], as: UTF8.self).trimmingWhitespace()) ?? Int64.max
            let raising = (limits.memory ?? Int64.max) >= current
            if raising { try put("memory", "memory.memsw.limit_in_bytes", memory, optional: true) }
            try put("memory", "memory.limit_in_bytes", memory)
            if !raising { try put("memory", "memory.memsw.limit_in_bytes", memory, optional: true) }
            try put("cpu", "cpu.cfs_period_us", "100000")
            try put("cpu", "cpu.cfs_quota_us", limits.cpu.map { String($0 * 1000) } ?? "-1")
            try put("pids", "pids.max", limits.pids.map(String.init) ?? "max")
        case .v2:
            try put("memory", "memory.max", limits.memory.map(String.init) ?? "max")
            // No swapping out instead of the limit acting.
            try put("memory", "memory.swap.max", limits.memory == nil ? "max" : "0", optional: true)
            try put("cpu", "cpu.max", (limits.cpu.map { String($0 * 1000) } ?? "max") + " 100000")
            try put("pids", "pids.max", limits.pids.map(String.init) ?? "max")
        }
    }

    // MARK: freezing

    /// Whether this cgroup can freeze its processes.
    var canFreeze: Bool { version == .v2 || dir("freezer") != nil }

    /// Freezes every process at once (none escapes by forking) and waits until the kernel says they are.
    func freeze(timeoutMS: Int = 3000) throws(HiveError) { try setFrozen(true, timeoutMS: timeoutMS) }

    func thaw(timeoutMS: Int = 3000) throws(HiveError) { try setFrozen(false, timeoutMS: timeoutMS) }

    private func setFrozen(_ frozen: Bool, timeoutMS: Int) throws(HiveError) {
        let (file, text, done): (String, String, () -> Bool)
        switch version {
        case .v1:
            guard let d = dir("freezer") else { throw .unsupported("the session's cgroup has no freezer") }
            file = d + "/freezer.state"
            text = frozen ? "FROZEN" : "THAWED"
            done = { String(decoding: Sys.readFile(file) ?? [], as: UTF8.self).trimmingWhitespace() == text }
        case .v2:
            guard let d = dirs["unified"] else { throw .unsupported("the session has no cgroup") }
            file = d + "/cgroup.freeze"
            text = frozen ? "1" : "0"
            done = { String(decoding: Sys.readFile(d + "/cgroup.events") ?? [], as: UTF8.self).contains("frozen \(frozen ? 1 : 0)") }
        }
        if let e = Cgroups.write(file, text) { throw HiveError(e.errno, "cannot \(frozen ? "freeze" : "thaw") the session: \(e.reason)") }
        let end = Sys.monotonicMS() + Int64(timeoutMS)
        var asked = Sys.monotonicMS()
        while !done() {
            // v1 freezes in one pass: a task caught where it cannot be frozen (a parent
            // waiting in vfork for a child) leaves the cgroup FREEZING until asked again.
            if frozen && version == .v1 && Sys.monotonicMS() - asked >= 20 {
                _ = Cgroups.write(file, text)
                asked = Sys.monotonicMS()
            }
            if Sys.monotonicMS() > end {
                // A freeze that did not finish is undone: the session stays as its record says, running.
                if frozen { _ = Cgroups.write(file, version == .v1 ? "THAWED" : "0") }
                throw .io("the kernel did not \(frozen ? "freeze" : "thaw") \(file) within \(timeoutMS) ms")
            }
            Sys.sleep(ms: 1)
        }
    }

    /// Whether its processes are frozen now.
    var isFrozen: Bool {
        switch version {
        // FREEZING (`FR…`) too: a freeze under way holds its tasks as a finished one does.
        case .v1: return dir("freezer").map { String(decoding: Sys.readFile($0 + "/freezer.state") ?? [], as: UTF8.self).hasPrefix("FR") } ?? false
        case .v2: return dirs["unified"].map { String(decoding: Sys.readFile($0 + "/cgroup.events") ?? [], as: UTF8.self).contains("frozen 1") } ?? false
        }
    }

    // MARK: counters

    /// What the kernel counts for the session now.
    struct Counters: Sendable, Equatable {
        /// CPU time of every process, in nanoseconds.
        var cpuNS: Int64
        /// Bytes in use, without the page cache the kernel may drop (inactive files).
        var memory: Int64
        /// The most bytes held at once (page cache included), where the kernel keeps it.
        var memoryPeak: Int64?
        /// Processes killed by the OOM killer.
        var oom: Int64
        /// Tasks now.
        var pids: Int64?
        /// Forks refused at the pids limit (`max` in `pids.events`; the kernel sends no notice of them).
        var pidsRefused: Int64 = 0
    }

    func counters() -> Counters? {
        func text(_ controller: String, _ file: String) -> String? {
            guard let d = dir(controller), let b = Sys.readFile(d + "/" + file) else { return nil }
            return String(decoding: b, as: UTF8.self)
        }
        func number(_ controller: String, _ file: String) -> Int64? { text(controller, file).flatMap { Int64($0.trimmingWhitespace()) } }
        func key(_ body: String?, _ name: String) -> Int64? {
            for line in (body ?? "").split(separator: "\n") {
                let w = line.split(separator: " ")
                if w.count == 2, w[0] == name { return Int64(w[1]) }
            }
            return nil
        }
        switch version {
        case .v1:
            guard let cpu = number("cpuacct", "cpuacct.usage"), let usage = number("memory", "memory.usage_in_bytes") else { return nil }
            let inactive = key(text("memory", "memory.stat"), "total_inactive_file") ?? 0
            return Counters(cpuNS: cpu, memory: max(0, usage - inactive), memoryPeak: number("memory", "memory.max_usage_in_bytes"),
                            oom: key(text("memory", "memory.oom_control"), "oom_kill") ?? 0, pids: number("pids", "pids.current"),
                            pidsRefused: key(text("pids", "pids.events"), "max") ?? 0)
        case .v2:
            guard let usec = key(text("cpu", "cpu.stat"), "usage_usec"), let usage = number("memory", "memory.current") else { return nil }
            let inactive = key(text("memory", "memory.stat"), "inactive_file") ?? 0
            return Counters(cpuNS: usec * 1000, memory: max(0, usage - inactive), memoryPeak: number("memory", "memory.peak"),
                            oom: key(text("memory", "memory.events"), "oom_kill") ?? 0, pids: number("pids", "pids.current"),
                            pidsRefused: key(text("pids", "pids.events"), "max") ?? 0)
        }
    }

    /// What the run used, for its `usage` event.
    func usage() -> ResourceUsage? {
        counters().map { ResourceUsage(cpuSeconds: Double($0.cpuNS) / 1e9, memoryPeak: $0.memoryPeak, oom: $0.oom, pidsRefused: $0.pidsRefused) }
    }

    // MARK: OOM notices

    /// A v1 eventfd the kernel signals on each OOM in the cgroup (`cgroup.event_control`),
    /// or nil (v2 is watched through `memory.events` with inotify instead).
    func oomEventFd() -> Int32? {
        guard version == .v1, let d = dir("memory") else { return nil }
        guard let efd = try? Sys.eventfd() else { return nil }
        guard let control = try? FileDescriptor.open(d + "/memory.oom_control", .readOnly, options: [.closeOnExec]) else {
            Sys.close(efd); return nil
        }
        defer { try? control.close() }
        if Cgroups.write(d + "/cgroup.event_control", "\(efd) \(control.rawValue)") != nil { Sys.close(efd); return nil }
        return efd
    }

    /// The file whose changes tell of an OOM kill in v2.
    var oomEventsFile: String? { version == .v2 ? dirs["unified"].map { $0 + "/memory.events" } : nil }
}
