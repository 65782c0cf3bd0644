import Foundation
import HiveCore

/// Gives each node a stable inode number for the life of the mount. Inodes are
/// never reused for another node, so a stale handle can never reach a new file.
/// Any thread; its maps are behind `lock`.
final class InodeTable: @unchecked Sendable {
    private let lock = NSLock()
    private var byNode: [TreeNode: UInt64] = [.root: InodeTable.rootIno]
    private var byIno: [UInt64: TreeNode] = [InodeTable.rootIno: .root]
    private var next: UInt64 = InodeTable.rootIno + 1

    /// The root's inode, as FUSE fixes it (FUSE_ROOT_ID).
    static let rootIno: UInt64 = 1

    func ino(_ node: TreeNode) -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        if let i = byNode[node] { return i }
        let i = next
        next += 1
        byNode[node] = i
        byIno[i] = node
        return i
    }

    /// The node's inode if the kernel has been given one, without giving one.
    func known(_ node: TreeNode) -> UInt64? {
        lock.lock(); defer { lock.unlock() }
        return byNode[node]
    }

    func node(_ ino: UInt64) -> TreeNode? {
        lock.lock(); defer { lock.unlock() }
        return byIno[ino]
    }
}
