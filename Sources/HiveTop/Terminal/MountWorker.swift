import CLinux
import Dispatch
import Foundation
import HiveCore
import SystemPackage

/// Runs the mount's reads and writes off the terminal's thread, one at a time, so
/// that a daemon that stops answering (stopped, hung) leaves the keys working: the
/// dashboard says how long the mount has been silent, and `q` still quits.
final class MountWorker: @unchecked Sendable {
    private let queue = DispatchQueue(label: "hivefs.top.mount")
    private let lock = NSLock()
    private var finished: [(id: Int, result: any Sendable)] = []
    private var started: [Int: Int64] = [:]
    /// Readable when a job has finished (an eventfd).
    let wake: Int32

    /// What to do with each job's result, on the terminal's thread; only that thread touches it.
    private var handlers: [Int: (any Sendable) -> Void] = [:]
    private var nextID = 0

    init() throws(HiveError) {
        wake = hive_eventfd()
        guard wake >= 0 else { throw HiveError(Errno(rawValue: errno), "cannot make an eventfd") }
    }

    deinit { close(wake) }

    /// Runs `work` on the worker thread; `then` gets its result on the terminal's
    /// thread, from `collect()`.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T, then: @escaping (T) -> Void) {
        let id = nextID
        nextID += 1
        handlers[id] = { any in if let r = any as? T { then(r) } }
        lock.lock(); started[id] = TTY.monotonic(); lock.unlock()
        queue.async { [self] in
            let r = work()
            lock.lock()
            finished.append((id, r))
            started[id] = nil
            lock.unlock()
            var one: UInt64 = 1
            _ = write(wake, &one, 8)
        }
    }

    /// Hands each finished job's result to its `then`.
    func collect() {
        var count: UInt64 = 0
        _ = read(wake, &count, 8)
        lock.lock(); let done = finished; finished = []; lock.unlock()
        for (id, result) in done { handlers.removeValue(forKey: id)?(result) }
    }

    /// How many jobs have not finished.
    var pending: Int { lock.lock(); defer { lock.unlock() }; return started.count }

    /// Milliseconds the oldest unfinished job has waited; 0 when none waits.
    var silentFor: Int64 {
        lock.lock(); defer { lock.unlock() }
        return started.values.min().map { TTY.monotonic() - $0 } ?? 0
    }
}
