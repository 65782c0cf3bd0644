import Foundation
import HiveCore

/// The sessions the daemon runs, by name, and the root `control`'s last refusal.
///
/// Its lock guards these two only, and is never held while a session's mutex is
/// taken or a queue is waited for.
final class Registry: @unchecked Sendable {
    private let lock = NSLock()
    private var sessions: [String: LiveSession] = [:]
    private var lastRootError: Event?

    /// The live session of that name.
    func get(_ name: String) -> LiveSession? {
        lock.withLock { sessions[name] }
    }

    /// Every session, sorted by name.
    func all() -> [LiveSession] {
        lock.withLock { sessions.sorted { $0.key < $1.key }.map(\.value) }
    }

    /// The names of the sessions, sorted.
    func names() -> [String] {
        lock.withLock { sessions.keys.sorted() }
    }

    func add(_ s: LiveSession) {
        lock.withLock { sessions[s.name] = s }
    }

    func remove(_ name: String) {
        lock.withLock { _ = sessions.removeValue(forKey: name) }
    }

    /// The last write the root `control` refused, shown on reading it.
    var rootError: Event? {
        get { lock.withLock { lastRootError } }
        set { lock.withLock { lastRootError = newValue } }
    }
}
