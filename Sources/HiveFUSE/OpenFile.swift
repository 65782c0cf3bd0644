import Foundation
import CFuse

/// One open file: what a read returns comes from here, so one `cat` sees one
/// consistent rendering even across several read calls.
final class OpenFile: @unchecked Sendable {
    let node: Node
    /// The rendering served for small files; refreshed by a read at offset 0.
    var snapshot: [UInt8] = []
    /// The change counter the snapshot was rendered at, for `poll()`.
    var version: UInt64 = 0
    /// A file descriptor on the state directory for log-like files.
    var diskFd: Int32 = -1
    /// What has been written so far to a spec file through this handle.
    var pending: [UInt8] = []
    /// A poll waiting for the next change.
    var pollHandle: OpaquePointer?

    init(node: Node) { self.node = node }
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
