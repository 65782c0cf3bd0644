import Foundation
import HiveCore

/// The processes of a session and the signals that pause, resume and end them.
/// A session's processes are the pane's process, its descendants, and anything
/// still in its session id (tmux makes the pane process a session leader), so
/// children that re-parent to init are not missed.
public enum ProcessTree {
    public struct Proc: Sendable, Equatable {
        public var pid: pid_t
        public var ppid: pid_t
        public var sid: pid_t
        /// The one-letter state from /proc/PID/stat (R, S, D, T, t, Z, X…).
        public var state: Character
        /// CPU time in clock ticks: its own (user and system) and that of the children
        /// it has reaped (fields 14–17), so a tree's sum keeps what its ended processes used.
        public var cpuTicks: Int64 = 0
        /// When it started, in clock ticks since boot (field 22).
        public var startTicks: Int64 = 0
        /// Its resident set size in pages (field 24).
        public var rssPages: Int64 = 0
        public var isGone: Bool { state == "Z" || state == "X" }
        public var isStopped: Bool { state == "T" || state == "t" }
    }

    /// Parses /proc/PID/stat; the command name may hold spaces and parentheses, so
    /// fields are counted from the last `)`. The figures of CPU time, start and
    /// memory are 0 when the line is too short to hold them.
    public static func parseStat(_ bytes: [UInt8]) -> Proc? {
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let head = String(decoding: bytes[..<close], as: UTF8.self)
        guard let pid = pid_t(head.split(separator: " ").first ?? "") else { return nil }
        let rest = String(decoding: bytes[(close + 1)...], as: UTF8.self)
            .split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard rest.count >= 4, let st = rest[0].first, let ppid = pid_t(rest[1]), let sid = pid_t(rest[3]) else { return nil }
        var p = Proc(pid: pid, ppid: ppid, sid: sid, state: st)
        // `rest[0]` is field 3 (the state), so field N is `rest[N - 3]`.
        func field(_ n: Int) -> Int64 { n - 3 < rest.count ? Int64(rest[n - 3]) ?? 0 : 0 }
        p.cpuTicks = (14...17).reduce(0) { $0 + field($1) }
        p.startTicks = field(22)
        p.rssPages = field(24)
        return p
    }

    public static func read(_ pid: pid_t) -> Proc? {
        guard let b = Sys.readFile("/proc/\(pid)/stat") else { return nil }
        return parseStat(b)
    }

    /// Every process on the machine.
    public static func all() -> [Proc] {
        var out: [Proc] = []
        for name in Sys.listDirectory("/proc") {
            guard let first = name.utf8.first, first >= 0x30, first <= 0x39, let pid = pid_t(name) else { continue }
            if let p = read(pid) { out.append(p) }
        }
        return out
    }

    /// One scan of every process, indexed by pid, parent and session id, so that
    /// the members of many scopes are found in it without reading /proc again.
    public struct Snapshot: Sendable {
        public let procs: [Proc]
        let byPid: [pid_t: Proc]
        let children: [pid_t: [pid_t]]
        let bySession: [pid_t: [pid_t]]

        public init(_ procs: [Proc]) {
            self.procs = procs
            var byPid: [pid_t: Proc] = [:]
            var children: [pid_t: [pid_t]] = [:]
            var bySession: [pid_t: [pid_t]] = [:]
            for p in procs {
                children[p.ppid, default: []].append(p.pid)
                bySession[p.sid, default: []].append(p.pid)
                byPid[p.pid] = p
            }
            self.byPid = byPid
            self.children = children
            self.bySession = bySession
        }

        /// The process with this pid, if it was there when the scan was made.
        public func proc(_ pid: pid_t) -> Proc? { byPid[pid] }

        /// See `ProcessTree.members`.
        public func members(_ scope: Scope, extra: Set<pid_t> = []) -> [Proc] {
            let root = scope.root
            var set: Set<pid_t> = []
            var stack = [root]
            while let p = stack.popLast() {
                guard byPid[p] != nil, set.insert(p).inserted else { continue }
                stack += children[p] ?? []
            }
            let session = scope.leader ?? root
            for p in bySession[session] ?? [] { set.insert(p) }
            for p in extra where byPid[p] != nil { set.insert(p) }
            if let leader = scope.leader { set.remove(leader) }
            return set.compactMap { byPid[$0] }.filter { !$0.isGone }.sorted { $0.pid < $1.pid }
        }
    }

    /// A session's processes: the agent's tree, and whatever else is in the session
    /// id of the pane's first process (the launcher), which is itself left out.
    public struct Scope: Sendable, Equatable {
        /// The agent's process.
        public var root: pid_t
        /// The pane's first process (session leader), if known; never signalled here.
        public var leader: pid_t?

        public init(root: pid_t, leader: pid_t?) { self.root = root; self.leader = leader }
    }

    /// The live (not zombie) members of a scope: the root's tree, the processes in
    /// the leader's session id (the root's without a leader), and `extra` pids still
    /// alive; never the leader itself.
    public static func members(_ scope: Scope, extra: Set<pid_t> = []) -> [Proc] {
        Snapshot(all()).members(scope, extra: extra)
    }

    /// Stops every process of the tree and waits until each shows state T, rescanning
    /// so that children forked meanwhile are stopped too. Returns the stopped pids.
    public static func freeze(_ scope: Scope, timeoutMS: Int = 3000) throws(HiveError) -> [pid_t] {
        let deadline = Sys.monotonicMS() + Int64(timeoutMS)
        var seen: Set<pid_t> = []
        while true {
            let procs = members(scope, extra: seen)
            for p in procs { seen.insert(p.pid) }
            let running = procs.filter { !$0.isStopped }
            if running.isEmpty { return procs.map(\.pid) }
            for p in running { Sys.signal(p.pid, SIGSTOP) }
            if Sys.monotonicMS() > deadline {
                let list = running.map { String($0.pid) }.joined(separator: " ")
                throw .io("could not stop every process of the session (still running: \(list))")
            }
            Sys.sleep(ms: 2)
        }
    }

    /// Continues every process of the tree and waits until none is stopped.
    public static func thaw(_ scope: Scope, timeoutMS: Int = 3000) throws(HiveError) {
        let deadline = Sys.monotonicMS() + Int64(timeoutMS)
        while true {
            let stopped = members(scope).filter(\.isStopped)
            if stopped.isEmpty { return }
            for p in stopped { Sys.signal(p.pid, SIGCONT) }
            if Sys.monotonicMS() > deadline {
                throw .io("could not continue every process of the session (still stopped: \(stopped.map { String($0.pid) }.joined(separator: " ")))")
            }
            Sys.sleep(ms: 2)
        }
    }

    /// TERM to every process (and CONT, so stopped ones can act on it), KILL to
    /// what is left after `graceMS`, and returns once no process of the tree is left.
    public static func terminate(_ scope: Scope, graceMS: Int, extra: Set<pid_t> = []) throws(HiveError) {
        var seen: Set<pid_t> = extra
        var procs = members(scope, extra: extra)
        for p in procs { seen.insert(p.pid) }
        for p in procs { Sys.signal(p.pid, SIGTERM); Sys.signal(p.pid, SIGCONT) }
        let graceEnd = Sys.monotonicMS() + Int64(graceMS)
        while Sys.monotonicMS() < graceEnd {
            procs = members(scope, extra: seen)
            if procs.isEmpty { return try reapLeader(scope) }
            for p in procs where !seen.contains(p.pid) {
                seen.insert(p.pid); Sys.signal(p.pid, SIGTERM); Sys.signal(p.pid, SIGCONT)
            }
            Sys.sleep(ms: 10)
        }
        let killEnd = Sys.monotonicMS() + 5000
        while true {
            procs = members(scope, extra: seen)
            if procs.isEmpty { return try reapLeader(scope) }
            for p in procs { seen.insert(p.pid); Sys.signal(p.pid, SIGKILL) }
            if Sys.monotonicMS() > killEnd {
                throw .io("processes survived SIGKILL: \(procs.map { String($0.pid) }.joined(separator: " "))")
            }
            Sys.sleep(ms: 10)
        }
    }

    /// The launcher ends by itself once the agent is gone; KILL it if it lingers.
    private static func reapLeader(_ scope: Scope) throws(HiveError) {
        guard let leader = scope.leader else { return }
        let end = Sys.monotonicMS() + 2000
        while let p = read(leader), !p.isGone {
            if Sys.monotonicMS() > end { Sys.signal(leader, SIGKILL) }
            if Sys.monotonicMS() > end + 3000 { throw .io("the session's launcher (pid \(leader)) survived SIGKILL") }
            Sys.sleep(ms: 5)
        }
    }
}
