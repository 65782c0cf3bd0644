import Foundation
import HiveCore

/// What a file showed, as the kernel keeps it: the attributes `stat` shows, and a
/// digest of the bytes a read returned.
struct Stamp: Equatable, Sendable {
    var size: Int
    var mtime: Timestamp
    var mode: FileMode
    var digest: UInt64

    /// Rendered content: the digest is of its bytes.
    init(mode: FileMode, content: FileContent) {
        size = content.bytes.count
        mtime = content.mtime
        self.mode = mode
        digest = Stamp.fnv1a(content.bytes)
    }

    /// A file on disk: the digest is of the file's identity and time, which a
    /// rewrite (in place or by rename) changes.
    init(mode: FileMode, disk st: stat) {
        size = Int(st.st_size)
        mtime = Timestamp(milliseconds: Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000)
        self.mode = mode
        var words: [UInt64] = [UInt64(st.st_dev), UInt64(st.st_ino), UInt64(bitPattern: Int64(st.st_mtim.tv_sec)),
                               UInt64(bitPattern: Int64(st.st_mtim.tv_nsec)), UInt64(bitPattern: Int64(st.st_size))]
        digest = words.withUnsafeMutableBytes { Stamp.fnv1a(Array($0)) }
    }

    /// What `stat` shows agrees.
    func sameAttributes(_ other: Stamp) -> Bool { size == other.size && mtime == other.mtime && mode == other.mode }

    /// What a read returns agrees.
    func sameBytes(_ other: Stamp) -> Bool { size == other.size && digest == other.digest }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }
}

/// What the kernel keeps of the files served `CachePolicy.content`, by inode: the
/// attributes it was given with a timeout, and what the pages it was given showed.
/// Checked when a change is announced (`Bridge.recheck`) and at each open.
///
/// It may say the kernel keeps more than it does (the kernel drops pages on its
/// own), never less: a record is made before the reply it stands for is sent, and
/// forgotten only just before the kernel is told to drop the inode; a reply sent
/// meanwhile answered a request made before that drop, which the kernel then
/// drops or ignores. A record made from a rendering that a change of its group,
/// announced meanwhile, may have outdated is refused: the caller then gives
/// nothing to keep (a timeout of 0) or has the inode dropped after its reply.
///
/// Any thread; behind `lock`.
final class KeptFiles: @unchecked Sendable {
    struct Entry: Sendable {
        var node: TreeNode
        var group: String
        /// The attributes last given with a timeout.
        var attributes: Stamp?
        /// What the pages given showed, when they all showed the same.
        var pages: Stamp?
        /// Pages of different contents were given: they agree with no file.
        var mixedPages = false
    }

    private let lock = NSLock()
    private var entries: [UInt64: Entry] = [:]
    /// Counts announcements; `announced` holds, per group, the count at its last one.
    private var clock: UInt64 = 0
    private var announced: [String: UInt64] = [:]
    private var announcedToAll: UInt64 = 0

    /// A mark taken before rendering, for `keepAttributes` and `keepPages`.
    func mark() -> UInt64 {
        lock.lock(); defer { lock.unlock() }
        return clock
    }

    /// Records attributes given with a timeout; false, recording nothing, when a
    /// change of the group was announced since `mark`.
    func keepAttributes(_ ino: UInt64, _ node: TreeNode, group: String, _ stamp: Stamp, since mark: UInt64) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard unchanged(group, since: mark) else { return false }
        entries[ino, default: Entry(node: node, group: group)].attributes = stamp
        return true
    }

    /// Records pages given; false, recording nothing, when a change of the group was
    /// announced since `mark`.
    func keepPages(_ ino: UInt64, _ node: TreeNode, group: String, _ stamp: Stamp, since mark: UInt64) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard unchanged(group, since: mark) else { return false }
        var e = entries[ino] ?? Entry(node: node, group: group)
        if let p = e.pages, !p.sameBytes(stamp) { e.mixedPages = true }
        e.pages = stamp
        entries[ino] = e
        return true
    }

    func entry(_ ino: UInt64) -> Entry? {
        lock.lock(); defer { lock.unlock() }
        return entries[ino]
    }

    /// A change of `group` (of every group when nil) is announced: from now on a
    /// record from an earlier rendering is refused. Returns the entries to check.
    func announce(_ group: String?) -> [(ino: UInt64, entry: Entry)] {
        lock.lock(); defer { lock.unlock() }
        clock += 1
        if let group { announced[group] = clock } else { announcedToAll = clock }
        return entries.filter { group == nil || $0.value.group == group }.map { (ino: $0.key, entry: $0.value) }
    }

    /// Every inode kept.
    func all() -> [UInt64] {
        lock.lock(); defer { lock.unlock() }
        return Array(entries.keys)
    }

    /// Forgets what the kernel is about to be told to drop.
    func forget(_ inos: [UInt64]) {
        lock.lock(); defer { lock.unlock() }
        for ino in inos { entries.removeValue(forKey: ino) }
    }

    /// The inodes kept of the node named `names` and of the nodes under it.
    func under(_ names: [String]) -> [UInt64] {
        lock.lock(); defer { lock.unlock() }
        return entries.filter { $0.value.node.names.starts(with: names) }.map(\.key)
    }

    private func unchanged(_ group: String, since mark: UInt64) -> Bool {
        max(announced[group] ?? 0, announcedToAll) <= mark
    }
}
