import Foundation
import HiveCore

/// One open file: what a read returns comes from here, so one `cat` sees one
/// consistent rendering even across several read calls. Any thread: the snapshot
/// and the pending value are behind `lock`; the poll waiter behind `OpenFiles`'.
final class OpenFile: @unchecked Sendable {
    let node: TreeNode
    private let lock = NSLock()
    /// The rendering served for small files; refreshed by a read at offset 0.
    private var snapshot: [UInt8] = []
    /// The change counter the snapshot was rendered at, for `poll()`.
    private var version: UInt64 = 0
    /// What has been written so far to a value file through this handle.
    private var pending: [UInt8] = []
    /// The unfinished last line written to a file of lines (`queue`), and who wrote it.
    private var lines = PromptLines()
    private var linesUID: UInt32 = 0
    /// A file descriptor on the state directory for files served from disk (set
    /// before the handle is shared; closed by `OpenFiles.remove`'s caller).
    var diskFd: Int32 = -1
    /// Set (before the handle is shared) when the handle reads through the kernel's
    /// page cache: its inode and the group whose changes drop it.
    var kept: (ino: UInt64, group: String)?
    /// Set (before the handle is shared) for a file of another host: what reads
    /// past the snapshot ask (the snapshot is set by `setSnapshot(_:fresh:)`).
    var remote: (any RemoteFile)?
    /// Whether the snapshot of a remote file is the whole file, and whether no read
    /// has been answered from it yet (the open's own snapshot serves the first read
    /// from the start).
    private var whole = true
    private var fresh = false
    /// A poll waiting for the next change, and the group whose changes wake it.
    fileprivate var waiter: PollWaiter?
    fileprivate var group: String?

    init(node: TreeNode) { self.node = node }

    func setSnapshot(_ content: FileContent) {
        lock.lock(); snapshot = content.bytes; version = content.version; lock.unlock()
    }

    /// Sets what a remote file's open or re-read fetched.
    func setSnapshot(_ s: RemoteSnapshot, fresh: Bool) {
        lock.lock(); snapshot = s.bytes; version = s.version; whole = s.whole; self.fresh = fresh; lock.unlock()
    }

    /// A remote file's snapshot as a read finds it: its length, whether it is the
    /// whole file, the counter it was fetched at, and whether this is the first read
    /// since (after which it is not).
    func takeRemoteSnapshot() -> (count: Int, whole: Bool, version: UInt64, fresh: Bool) {
        lock.lock(); defer { fresh = false; lock.unlock() }
        return (snapshot.count, whole, version, fresh)
    }

    func setVersion(_ v: UInt64) {
        lock.lock(); snapshot = []; version = v; lock.unlock()
    }

    var currentVersion: UInt64 { lock.lock(); defer { lock.unlock() }; return version }

    /// Up to `count` bytes of the snapshot from `offset`.
    func slice(from offset: Int, count: Int) -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        let start = min(max(0, offset), snapshot.count)
        return Array(snapshot[start..<min(start + max(0, count), snapshot.count)])
    }

    /// The value after a write of `bytes` at `offset`, or nil if the write is not
    /// at the start or at the end of what this handle wrote so far.
    func pendingValue(appending bytes: [UInt8], at offset: Int) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        if offset == 0 { return bytes }
        return offset == pending.count ? pending + bytes : nil
    }

    func setPending(_ bytes: [UInt8]) { lock.lock(); pending = bytes; lock.unlock() }

    /// The complete lines a write to a file of lines finishes (`PromptLines.take`).
    func takeLines(_ bytes: [UInt8], uid: UInt32) throws(HiveError) -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        linesUID = uid
        return try lines.take(bytes)
    }

    /// The unfinished last line, as a line, and its writer; taken once, at release.
    func finishLines() -> (bytes: [UInt8], uid: UInt32)? {
        lock.lock(); defer { lock.unlock() }
        return lines.finish().map { ($0, linesUID) }
    }
}

/// The open files, by the handle number given to the kernel. Any thread; behind `lock`.
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

    /// Forgets a handle, and the poll waiting on it.
    func remove(_ fh: UInt64) -> OpenFile? {
        lock.lock(); defer { lock.unlock() }
        let f = files.removeValue(forKey: fh)
        f?.waiter = nil
        return f
    }

    /// Takes the waiting polls of files of `group` (every file's when nil).
    func takeWaiters(_ group: String?) -> [PollWaiter] {
        lock.lock(); defer { lock.unlock() }
        var out: [PollWaiter] = []
        for f in files.values {
            guard let w = f.waiter else { continue }
            if group == nil || f.group == group || f.group == nil {
                out.append(w)
                f.waiter = nil
            }
        }
        return out
    }

    /// Sets the poll waiting on a file (the one it replaces is dropped).
    func setWaiter(_ f: OpenFile, _ w: PollWaiter?, group: String) {
        lock.lock(); defer { lock.unlock() }
        f.waiter = w
        f.group = group
    }
}
