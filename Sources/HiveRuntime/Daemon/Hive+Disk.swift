import Foundation
import HiveCore

/// The state directory refusing writes (full, read-only, failing). Events are then
/// held in memory by the store and written, in order, once it takes writes again;
/// meanwhile every session's `status` says so (`disk`), a retry runs every two
/// seconds (only while there is trouble), and each session is told with a `disk`
/// event when it is over.
extension Hive {
    static let diskRetryMS = 2000

    /// Acts on what became of an append.
    func noteDisk(_ outcome: AppendOutcome) {
        switch outcome {
        case .written:
            return
        case .held:
            let first = diskRetrying.withLock { was in defer { was = true }; return !was }
            guard first else { return }
            onChange?("")
            for name in sessionNames() { onChange?(name) }
            scheduleDiskRetry()
        case .recovered(let t):
            diskRetrying.withLock { $0 = false }
            let all = registry.all()
            let detail = "the state directory takes writes again after \(t.errno) since \(t.since.rfc3339); "
                + "\(t.held) event\(t.held == 1 ? "" : "s") held in memory meanwhile written"
            log.notice("\(detail)")
            for s in all { step(s, .record(Event(session: s.name, kind: EventKind.disk, detail: detail, errno: t.errno), durable: false)) }
            onChange?("")
        }
    }

    private func scheduleDiskRetry() {
        watcher.after(ms: Hive.diskRetryMS) { [self] in
            // Off the watcher's thread: writing the held events may take a while.
            DispatchQueue.global(qos: .utility).async { [self] in
                let outcome = store.retryHeld()
                if case .held = outcome { return scheduleDiskRetry() }
                if case .written = outcome { diskRetrying.withLock { $0 = false }; return }
                noteDisk(outcome)
            }
        }
    }
}
