import Foundation
import CFuse

/// One open file: what a read returns comes from here, so one `cat` sees one
/// consistent rendering even across several read calls.
final class OpenFile: @unchecked Sendable {
    let node: Node
    private let lock = NSLock()
    /// The rendering served for small files; refreshed by a read at offset 0.
    private var snapshot: [UInt8] = []
    /// The change counter the snapshot was rendered at, for `poll()`.
    private var version: UInt64 = 0
    /// What has been written so far to a spec file through this handle.
    private var pending: [UInt8] = []
    /// A file descriptor on the state directory for log-like files (set before the handle is shared).
    var diskFd: Int32 = -1
    /// A poll waiting for the next change (guarded by `OpenFiles`).
    var pollHandle: OpaquePointer?

    init(node: Node) { self.node = node }

    func setSnapshot(_ bytes: [UInt8], version v: UInt64) {
        lock.lock(); snapshot = bytes; version = v; lock.unlock()
    }

    var currentVersion: UInt64 { lock.lock(); defer { lock.unlock() }; return version }

    /// Up to `count` bytes of the snapshot from `offset`.
    func slice(from offset: Int, count: Int) -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        let start = min(max(0, offset), snapshot.count)
        return Array(snapshot[start..<min(start + count, snapshot.count)])
    }

    /// The spec value after a write of `bytes` at `offset`, or nil if the write is not
    /// at the start or at the end of what this handle wrote so far.
    func pendingValue(appending bytes: [UInt8], at offset: Int) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        if offset == 0 { return bytes }
        return offset == pending.count ? pending + bytes : nil
    }

    func setPending(_ bytes: [UInt8]) { lock.lock(); pending = bytes; lock.unlock() }
}

/// The open files, by the handle number given to the kernel.
final class OpenFiles: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [UInt64: OpenFile] = [:]
    private var next: UInt64 = 1

    func add(_ f: OpenFile) -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        let fh = next
        next += 1
        files[fh] = f
        return fh
    }

    func get(_ fh: UInt64) -> OpenFile? {
        lock.lock(); defer { lock.unlock() }
        return files[fh]
    }

    func remove(_ fh: UInt64) -> OpenFile? {
        lock.lock(); defer { lock.unlock() }
        return files.removeValue(forKey: fh)
    }

    /// Takes the waiting poll handles of files that show `session` (every file when nil).
    func takePollers(_ session: String?) -> [OpaquePointer] {
        lock.lock(); defer { lock.unlock() }
        var out: [OpaquePointer] = []
        for f in files.values {
            guard let ph = f.pollHandle else { continue }
            if session == nil || f.node.sessionName == session || f.node.sessionName == nil {
                out.append(ph)
                f.pollHandle = nil
            }
        }
        return out
    }

    /// Swaps in a poll handle, returning the one it replaces.
    func setPollHandle(_ f: OpenFile, _ ph: OpaquePointer?) -> OpaquePointer? {
        lock.lock(); defer { lock.unlock() }
        let old = f.pollHandle
        f.pollHandle = ph
        return old
    }
}
