import Foundation
import HiveCore

/// Pruning `history/`: the only way anything hivefs keeps is deleted.
extension StateStore {
    /// Deletes the history entries removed more than `olderThan` seconds ago (the time
    /// in their names); each is told in the root events, and to `gone`.
    func pruneHistory(olderThan: Int64, uid: UInt32, gone: (String) -> Void) {
        let cutoff = Timestamp.now().milliseconds - olderThan * 1000
        var removed = 0
        for entry in historyEntries() {
            guard let removedAt = StateStore.historyTime(entry), removedAt.milliseconds < cutoff else { continue }
            do {
                try FileManager.default.removeItem(atPath: historyEntryDir(entry))
                removed += 1
                gone(entry)
                appendRootOnly(Event(session: "-", kind: EventKind.historyPruned, detail: entry, uid: uid))
            } catch {
                appendRootOnly(Event(session: "-", kind: EventKind.error, detail: "EIO cannot delete history/\(entry): \(error)", uid: uid))
            }
        }
        appendRootOnly(Event(session: "-", kind: EventKind.historyPruned,
                             detail: "\(removed) entr\(removed == 1 ? "y" : "ies") removed more than \(olderThan)s ago", uid: uid))
    }

    /// When a history entry was removed, from its name: `NAME-YYYYMMDDTHHMMSSZ[-N]`.
    static func historyTime(_ entry: String) -> Timestamp? {
        let parts = entry.split(separator: "-")
        guard let stamp = parts.last(where: { $0.count == 16 && $0.hasSuffix("Z") && $0.contains("T") }) else { return nil }
        let s = String(stamp)
        let iso = "\(s.prefix(4))-\(s.dropFirst(4).prefix(2))-\(s.dropFirst(6).prefix(2))T\(s.dropFirst(9).prefix(2)):\(s.dropFirst(11).prefix(2)):\(s.dropFirst(13).prefix(2))Z"
        return Timestamp(rfc3339: iso)
    }
}
