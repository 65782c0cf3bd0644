import Foundation
import Synchronization

/// The `cpu` and `memory` of running sessions, measured when a `status` is read:
/// no timer polls. One scan of /proc serves every session read within a second
/// (the root `status.json` renders them all at once), and each session's recent
/// CPU times are kept so that `cpu` is a rate over the last seconds. Any thread
/// (a FUSE worker) may ask; the meter's lock is never held while taking another.
final class ResourceMeter: Sendable {
    /// What a session's process tree uses now.
    struct Reading: Sendable, Equatable {
        /// Percent of one core, one decimal's worth of precision.
        var cpu: Double
        /// Bytes: the resident set sizes of its processes, summed.
        var memory: Int64
    }

    /// How the meter reads the machine; tests give their own.
    struct Probe: Sendable {
        /// Every process now.
        var scan: @Sendable () -> [ProcessTree.Proc]
        /// Milliseconds since boot (/proc/uptime), the clock of a process's start.
        var uptimeMS: @Sendable () -> Int64?
        /// A monotonic clock in milliseconds.
        var monotonicMS: @Sendable () -> Int64
        var ticksPerSecond: Int64
        var pageSize: Int64

        /// This machine's /proc and clocks.
        static let system = Probe(scan: { ProcessTree.all() }, uptimeMS: { ResourceMeter.uptimeMS() },
                                  monotonicMS: { Sys.monotonicMS() },
                                  ticksPerSecond: Int64(max(1, sysconf(Int32(_SC_CLK_TCK)))),
                                  pageSize: Int64(max(1, sysconf(Int32(_SC_PAGESIZE)))))
    }

    /// How long one scan of /proc is used for.
    static let scanMS: Int64 = 1_000
    /// How long the samples of a session no one asks about are kept.
    static let forgetMS: Int64 = 60_000

    /// A scan of /proc and when it was made.
    private struct Scan {
        var ms: Int64
        var uptimeMS: Int64?
        var snapshot: ProcessTree.Snapshot
    }

    /// A session's samples, keyed by its root pid; `start` tells a process that
    /// reused the pid from the one measured.
    private struct Kept {
        var start: Int64
        var window: CPUWindow
        var askedMS: Int64
    }

    private struct State {
        var scan: Scan?
        var kept: [pid_t: Kept] = [:]
        /// The same for sessions measured by their cgroup (CPU in nanoseconds), by its folder.
        var byCgroup: [String: Kept] = [:]
        /// How many scans were made, for tests.
        var scans = 0
    }

    private let probe: Probe
    private let state = Mutex(State())

    init(probe: Probe = .system) { self.probe = probe }

    /// How many times /proc was scanned.
    var scans: Int { state.withLock { $0.scans } }

    /// What a session's processes use now; nil when its root process is not there.
    func reading(_ scope: ProcessTree.Scope) -> Reading? {
        var scan = current()
        // A process newer than the scan (a session just started) is looked for anew.
        if scan.snapshot.proc(scope.root) == nil { scan = current(fresh: true) }
        guard let root = scan.snapshot.proc(scope.root) else { return nil }
        let members = scan.snapshot.members(scope)
        let ticks = members.reduce(Int64(0)) { $0 + $1.cpuTicks }
        let memory = members.reduce(Int64(0)) { $0 + $1.rssPages } * probe.pageSize
        let cpu = state.withLock { s -> Double in
            let now = probe.monotonicMS()
            var kept = s.kept[root.pid].flatMap { $0.start == root.startTicks ? $0 : nil }
                ?? Kept(start: root.startTicks, window: CPUWindow(ticksPerSecond: probe.ticksPerSecond), askedMS: now)
            let cpu = kept.window.percent(now: scan.ms, ticks: ticks) ?? lifetime(root, ticks: ticks, scan)
            kept.window.add(ms: scan.ms, ticks: ticks)
            kept.askedMS = now
            s.kept[root.pid] = kept
            return cpu
        }
        return Reading(cpu: cpu, memory: memory)
    }

    /// What a session's cgroup counts now: every process it ever held, however it
    /// left the tree. `leader` (the launcher, in the cgroup since the start) dates
    /// the first reading's CPU rate. No /proc scan is made.
    func reading(_ cgroup: SessionCgroup, leader: pid_t?) -> (Reading, SessionCgroup.Counters)? {
        guard let c = cgroup.counters() else { return nil }
        let started = leader.flatMap(ProcessTree.read)
        let cpu = state.withLock { s -> Double in
            let now = probe.monotonicMS()
            let start = started?.startTicks ?? 0
            var kept = s.byCgroup[cgroup.shown].flatMap { $0.start == start ? $0 : nil }
                ?? Kept(start: start, window: CPUWindow(ticksPerSecond: 1_000_000_000), askedMS: now)
            var cpu = kept.window.percent(now: now, ticks: c.cpuNS)
            if cpu == nil, let started, let up = probe.uptimeMS() {
                cpu = CPUWindow.percent(ticks: c.cpuNS, overMS: up - started.startTicks * 1000 / probe.ticksPerSecond,
                                        ticksPerSecond: 1_000_000_000)
            }
            kept.window.add(ms: now, ticks: c.cpuNS)
            kept.askedMS = now
            s.byCgroup[cgroup.shown] = kept
            s.byCgroup = s.byCgroup.filter { now - $0.value.askedMS < Self.forgetMS }
            return cpu ?? 0
        }
        return (Reading(cpu: cpu, memory: c.memory), c)
    }

    /// The scan of the last second, or a new one (`fresh`: always; which also forgets the sessions
    /// no one asked about for a minute).
    private func current(fresh: Bool = false) -> Scan {
        state.withLock { s -> Scan in
            let now = probe.monotonicMS()
            if !fresh, let scan = s.scan, now - scan.ms < Self.scanMS, now >= scan.ms { return scan }
            let scan = Scan(ms: now, uptimeMS: probe.uptimeMS(), snapshot: ProcessTree.Snapshot(probe.scan()))
            s.scan = scan
            s.scans += 1
            s.kept = s.kept.filter { now - $0.value.askedMS < Self.forgetMS }
            return scan
        }
    }

    /// The tree's CPU time over the root's whole life, for a session first measured.
    private func lifetime(_ root: ProcessTree.Proc, ticks: Int64, _ scan: Scan) -> Double {
        guard let up = scan.uptimeMS else { return 0 }
        let age = up - root.startTicks * 1000 / probe.ticksPerSecond
        return CPUWindow.percent(ticks: ticks, overMS: age, ticksPerSecond: probe.ticksPerSecond)
    }

    /// Milliseconds since boot, from /proc/uptime.
    static func uptimeMS() -> Int64? {
        guard let bytes = Sys.readFile("/proc/uptime"),
              let first = String(decoding: bytes, as: UTF8.self).split(separator: " ").first,
              let seconds = Double(first), seconds.isFinite, seconds >= 0 else { return nil }
        return Int64(seconds * 1000)
    }
}
