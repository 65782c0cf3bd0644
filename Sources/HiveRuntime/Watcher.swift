import Foundation
import HiveCore
import Logging

/// The daemon's one watching thread: a single `poll()` over an inotify fd (terminal
/// logs growing), one pidfd per agent (exits) and a timer heap. Nothing polls on a
/// clock; a quiet hive costs no CPU. Callbacks run on this thread and must be quick.
public final class Watcher: @unchecked Sendable {
    public typealias Callback = @Sendable () -> Void
    /// Called with the name in the directory that changed: empty for a file's own
    /// writes, and for every watch when the kernel dropped events (IN_Q_OVERFLOW), so
    /// that each looks again at what it watches (a landing watch: its whole folder).
    public typealias NamedCallback = @Sendable (String) -> Void

    /// What a watch is told of.
    private enum Interest {
        /// A file's writes: once per batch of events.
        case writes
        /// These names of a directory written and closed, or renamed in: once per batch.
        case names(Set<String>)
        /// Every name of a directory written and closed, or renamed in: once per name
        /// and batch, in the order they came.
        case everyName
    }

    private let lock = NSLock()
    private let inotifyFd: Int32
    private let wakeFd: Int32
    private var exits: [Int32: (token: Int, cb: Callback)] = [:]
    private var nextToken = 0
    /// The watches, by the id given to callers: the inotify watch they share with
    /// others on the same path, what matters of it (`Interest`), and what to call.
    /// inotify gives one watch per path, so two callers of one path (a launch
    /// waiting for agent.pid while a setup is awaited) each keep theirs; the inotify
    /// watch goes when the last of them does.
    private var watches: [Int32: (wd: Int32, interest: Interest, cb: NamedCallback)] = [:]
    private var byWd: [Int32: Set<Int32>] = [:]
    private var nextWatch: Int32 = 0
    private var timers: [(deadline: Int64, id: Int, cb: Callback)] = []
    private var nextTimer = 0
    private var stopped = false
    private let log: Logger

    public init(logger: Logger) throws(HiveError) {
        log = logger
        do {
            inotifyFd = try Sys.inotifyInit()
            wakeFd = try Sys.eventfd()
        } catch {
            throw error.hive("cannot set up the watcher")
        }
    }

    public func start() {
        let t = Thread { [self] in loop() }
        t.name = "hivefs-watcher"
        t.start()
    }

    public func stop() {
        lock.lock(); stopped = true; lock.unlock()
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFd, &one, 8)
    }

    /// Calls `cb` once when the process behind `pidfd` exits; the watcher owns the fd
    /// from now on and closes it. Returns the token that `unwatchExit` needs.
    public func watchExit(pidfd: Int32, _ cb: @escaping Callback) -> Int {
        lock.lock()
        nextToken += 1
        let token = nextToken
        exits[pidfd] = (token, cb)
        lock.unlock()
        wake()
        return token
    }

    /// Stops watching an exit without calling back, if that watch (fd and token) is
    /// still registered; a fired watch's fd number may already belong to another.
    public func unwatchExit(pidfd: Int32, token: Int) {
        lock.lock()
        var had = false
        if exits[pidfd]?.token == token { exits.removeValue(forKey: pidfd); had = true }
        lock.unlock()
        if had { Sys.close(pidfd) }
        wake()
    }

    /// Calls `cb` each time the file at `path` is written. Returns the watch id.
    public func watchWrites(_ path: String, _ cb: @escaping Callback) -> Int32? {
        add(path, UInt32(IN_MODIFY), .writes) { _ in cb() }
    }

    public func unwatchWrites(_ id: Int32) {
        lock.lock()
        guard let w = watches.removeValue(forKey: id) else { lock.unlock(); return }
        byWd[w.wd]?.remove(id)
        // Under the lock: an `add` of the same path meanwhile would get this watch back.
        if byWd[w.wd]?.isEmpty ?? true {
            byWd.removeValue(forKey: w.wd)
            inotify_rm_watch(inotifyFd, w.wd)
        }
        lock.unlock()
    }

    /// Calls `cb` each time one of `names` in the directory `path` is written and
    /// closed, or renamed into place (as git replaces HEAD and its index). Returns
    /// the watch id, for `unwatchWrites`.
    public func watchNames(in path: String, _ names: Set<String>, _ cb: @escaping Callback) -> Int32? {
        add(path, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE), .names(names)) { _ in cb() }
    }

    /// Calls `cb` with the name of each file of the directory `path` that is written
    /// and closed, or renamed into it (a file that lands whole). Returns the watch
    /// id, for `unwatchWrites`.
    public func watchLanding(in path: String, _ cb: @escaping NamedCallback) -> Int32? {
        add(path, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO), .everyName, cb)
    }

    private func add(_ path: String, _ mask: UInt32, _ interest: Interest, _ cb: @escaping NamedCallback) -> Int32? {
        // Added to what the path's watch already asks for, never in place of it.
        lock.lock(); defer { lock.unlock() }
        guard let wd = try? Sys.inotifyAdd(inotifyFd, path, mask | UInt32(IN_MASK_ADD)) else { return nil }
        nextWatch += 1
        watches[nextWatch] = (wd, interest, cb)
        byWd[wd, default: []].insert(nextWatch)
        return nextWatch
    }

    /// Calls `cb` once after `ms` milliseconds.
    public func after(ms: Int, _ cb: @escaping Callback) {
        lock.lock()
        nextTimer += 1
        timers.append((Sys.monotonicMS() + Int64(ms), nextTimer, cb))
        timers.sort { $0.deadline < $1.deadline }
        lock.unlock()
        wake()
    }

    private func loop() {
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            lock.lock()
            if stopped { lock.unlock(); return }
            var fds = [pollfd(fd: wakeFd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: inotifyFd, events: Int16(POLLIN), revents: 0)]
            for fd in exits.keys { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            var timeout: Int32 = -1
            if let first = timers.first {
                timeout = Int32(clamping: max(0, first.deadline - Sys.monotonicMS()))
            }
            lock.unlock()

            let rc = poll(&fds, nfds_t(fds.count), timeout)
            if rc < 0 && errno != EINTR { log.error("watcher poll failed: \(errno)"); Sys.sleep(ms: 100) }

            var due: [Callback] = []
            lock.lock()
            let now = Sys.monotonicMS()
            while let first = timers.first, first.deadline <= now { due.append(first.cb); timers.removeFirst() }
            for p in fds.dropFirst(2) where p.revents != 0 {
                if let w = exits.removeValue(forKey: p.fd) { due.append(w.cb); Sys.close(p.fd) }
            }
            lock.unlock()

            if fds[0].revents != 0 {
                var v: UInt64 = 0
                _ = read(wakeFd, &v, 8)
            }
            if fds[1].revents != 0 {
                var wds: Set<Int32> = []
                var named: Set<Int32> = []
                var landings: [(id: Int32, name: String)] = []
                var overflowed = false
                while true {
                    let n = buf.withUnsafeMutableBytes { read(inotifyFd, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    var off = 0
                    while off + 16 <= n {
                        let wd = buf.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off, as: Int32.self) }
                        let mask = buf.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off + 4, as: UInt32.self) }
                        let len = Int(buf.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off + 12, as: UInt32.self) })
                        var name: String?
                        if len > 0, off + 16 + len <= n {
                            name = String(decoding: buf[(off + 16)..<(off + 16 + len)].prefix { $0 != 0 }, as: UTF8.self)
                        }
                        lock.lock()
                        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                            // Events were lost: every watch is told, as of a change it cannot name.
                            overflowed = true
                        } else if mask & UInt32(IN_IGNORED) != 0 {
                            // The path is gone and so is its watch; its number may be given again.
                            for id in byWd.removeValue(forKey: wd) ?? [] { watches.removeValue(forKey: id) }
                        } else {
                            for id in byWd[wd] ?? [] {
                                guard let w = watches[id] else { continue }
                                switch w.interest {
                                case .names(let names):
                                    if let name, names.contains(name) { named.insert(id) }
                                case .writes:
                                    if mask & UInt32(IN_MODIFY) != 0 { wds.insert(id) }
                                case .everyName:
                                    let landed = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO)
                                    if let name, mask & landed != 0, mask & UInt32(IN_ISDIR) == 0 {
                                        landings.append((id, name))
                                    }
                                }
                            }
                        }
                        lock.unlock()
                        off += 16 + len
                    }
                }
                lock.lock()
                if overflowed {
                    // Writes and names are told with "" anyway; a landing watch takes "" as: look at the folder whole.
                    wds.formUnion(watches.keys)
                    landings.removeAll()
                }
                for id in wds.union(named) { if let cb = watches[id]?.cb { due.append { cb("") } } }
                var told: Set<String> = []
                for l in landings where told.insert("\(l.id)/\(l.name)").inserted {
                    if let cb = watches[l.id]?.cb { due.append { cb(l.name) } }
                }
                lock.unlock()
            }
            for cb in due { cb() }
        }
    }
}
