import Foundation
import HiveCore

/// Reading every session back at start.
extension StateStore {
    /// A session read back: its record, how many events were replayed to make it,
    /// and the links found in its folder and set aside.
    public struct Loaded: Sendable {
        public var record: SessionRecord
        public var replayed: Int
        public var links: [String]
    }

    /// Every session's record, read side by side (each session's files are its own),
    /// in name order. A folder with no readable log (a crash between making it and
    /// recording `created`) is set aside under a name starting with '.', never a
    /// session's, so the name is free again.
    public func loadAll() -> [Loaded] {
        let names = sessionNames().sorted()
        let slots = Slots<Loaded>(count: names.count)
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            let links = setAsideLinks(names[i])
            slots.set(i, loadRecord(names[i]).map { Loaded(record: $0.record, replayed: $0.replayed, links: links) })
        }
        var out: [Loaded] = []
        for (i, name) in names.enumerated() {
            if let loaded = slots.get(i) {
                out.append(loaded)
                continue
            }
            let aside = sessionsDir + "/.unreadable-\(name)-\(Timestamp.now().milliseconds)"
            log.warning("session \(name) has no readable log; moved to \(aside)")
            try? Sys.rename(sessionDir(name), aside)
        }
        return out
    }
}

/// Results by index, filled from several threads.
private final class Slots<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T?) { lock.withLock { items[i] = v } }
    func get(_ i: Int) -> T? { lock.withLock { items[i] } }
}
