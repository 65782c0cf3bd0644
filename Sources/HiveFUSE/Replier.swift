import Foundation
import HiveCore

/// How the bridge answers one request: exactly one of these, once, from any thread
/// (libfuse lets a request be answered later, from another thread). Implemented over
/// libfuse in `FuseReplier.swift`; tests record the replies instead.
protocol Replier: Sendable {
    /// A name found or made: its node's attributes, and how long the kernel may keep
    /// the name and the attributes.
    func entry(_ attributes: Attributes, entryTimeout: Double, attrTimeout: Double)
    func attr(_ attributes: Attributes, timeout: Double)
    /// An open file or directory: the handle later requests name it by; whether
    /// reads bypass the kernel's page cache (`directIO`), and, if not, whether the
    /// pages it keeps of the file are still the file's (`keepCache`).
    func open(handle: UInt64, directIO: Bool, keepCache: Bool)
    func buf(_ bytes: [UInt8])
    /// A symbolic link's target.
    func readlink(_ target: String)
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
    /// A symbolic link (`NodeDescription.link`); never a directory too.
    var isLink: Bool = false
}

/// One entry of a directory listing.
struct DirectoryEntry: Equatable, Sendable {
    var name: String
    var ino: UInt64
    var isDirectory: Bool
    var isLink: Bool = false
}

/// A poll waiting for a file to change; woken at most once, from the bridge's
/// notifier queue (never a thread that serves a request).
protocol PollWaiter: AnyObject, Sendable {
    func wake()
}

/// The kernel's cache of names, attributes and pages, told when the tree changed;
/// called from the bridge's notifier queue, or from a thread that serves no FUSE
/// request (`Bridge.heard`), under the bridge's `kernelLock`.
protocol KernelCache: Sendable {
    /// Drops a node's kept attributes and pages.
    func invalidate(ino: UInt64)
    /// Drops a name kept in a directory.
    func invalidate(parent: UInt64, name: String)
}

/// A reply sent from `queue` once what is queued there before it is done: the
/// answer to a write or a mkdir, held back until the kernel has been told to drop
/// what the change made stale (`Bridge.serve`).
struct AfterNotices: Replier {
    let reply: Replier
    let queue: DispatchQueue

    func entry(_ attributes: Attributes, entryTimeout: Double, attrTimeout: Double) {
        queue.async { reply.entry(attributes, entryTimeout: entryTimeout, attrTimeout: attrTimeout) }
    }
    func attr(_ attributes: Attributes, timeout: Double) { queue.async { reply.attr(attributes, timeout: timeout) } }
    func open(handle: UInt64, directIO: Bool, keepCache: Bool) {
        queue.async { reply.open(handle: handle, directIO: directIO, keepCache: keepCache) }
    }
    func buf(_ bytes: [UInt8]) { queue.async { reply.buf(bytes) } }
    func readlink(_ target: String) { queue.async { reply.readlink(target) } }
    func directory(_ entries: [DirectoryEntry], from offset: Int, size: Int) {
        queue.async { reply.directory(entries, from: offset, size: size) }
    }
    func write(_ count: Int) { queue.async { reply.write(count) } }
    func poll(_ events: UInt32) { queue.async { reply.poll(events) } }
    func err(_ error: HiveError) { queue.async { reply.err(error) } }
    func ok() { queue.async { reply.ok() } }
}
