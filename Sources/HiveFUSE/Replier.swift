import HiveCore

/// How the bridge answers one request: exactly one of these, once, from any thread
/// (libfuse lets a request be answered later, from another thread). Implemented over
/// libfuse in `FuseReplier.swift`; tests record the replies instead.
protocol Replier: Sendable {
    /// A name found or made: its node's attributes, and how long the kernel may keep
    /// the name and the attributes.
    func entry(_ attributes: Attributes, entryTimeout: Double, attrTimeout: Double)
    func attr(_ attributes: Attributes, timeout: Double)
    /// An open file or directory: the handle later requests name it by.
    func open(handle: UInt64, directIO: Bool)
    func buf(_ bytes: [UInt8])
    /// A directory's entries from index `offset`, as many as fit in `size` bytes.
    func directory(_ entries: [DirectoryEntry], from offset: Int, size: Int)
    /// A write taken whole: its byte count.
    func write(_ count: Int)
    /// The poll events ready now (POLLIN…), 0 for none.
    func poll(_ events: UInt32)
    func err(_ error: HiveError)
    /// Done, nothing to say (release, rmdir).
    func ok()
}

/// A node's attributes as the bridge replies them; the owner is the mounting user.
struct Attributes: Equatable, Sendable {
    var ino: UInt64
    var isDirectory: Bool
    var mode: FileMode
    var size: Int
    var mtime: Timestamp
}

/// One entry of a directory listing.
struct DirectoryEntry: Equatable, Sendable {
    var name: String
    var ino: UInt64
    var isDirectory: Bool
}

/// A poll waiting for a file to change; woken at most once, from the bridge's
/// notifier queue (never a thread that serves a request).
protocol PollWaiter: AnyObject, Sendable {
    func wake()
}

/// The kernel's cache of names and attributes, told when the tree changed; called
/// from the bridge's notifier queue only.
protocol KernelCache: Sendable {
    /// Drops a node's kept attributes.
    func invalidate(ino: UInt64)
    /// Drops a name kept in a directory.
    func invalidate(parent: UInt64, name: String)
}
