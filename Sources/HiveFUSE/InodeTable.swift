import Foundation
import CFuse

/// Gives each node a stable inode number for the life of the mount. Inodes are
/// never reused for another node, so a stale handle can never reach a new file.
final class InodeTable: @unchecked Sendable {
    private let lock = NSLock()
    private var byNode: [Node: fuse_ino_t] = [.root: 1]
    private var byIno: [fuse_ino_t: Node] = [1: .root]
    private var next: fuse_ino_t = 2

    func ino(_ node: Node) -> fuse_ino_t {
        lock.lock(); defer { lock.unlock() }
        if let i = byNode[node] { return i }
        let i = next
        next += 1
        byNode[node] = i
        byIno[i] = node
        return i
    }

    /// The node's inode if the kernel has been given one, without giving one.
    func known(_ node: Node) -> fuse_ino_t? {
        lock.lock(); defer { lock.unlock() }
        return byNode[node]
    }

    func node(_ ino: fuse_ino_t) -> Node? {
        lock.lock(); defer { lock.unlock() }
        return byIno[ino]
    }
}
