/// A kernel request as the bridge serves it: what libfuse passed, as Swift values.
/// `Operations.swift` builds these; tests build them too, with no mount.
enum Request: Sendable {
    case lookup(parent: UInt64, name: String)
    case getattr(ino: UInt64)
    /// A symbolic link's target.
    case readlink(ino: UInt64)
    /// `handle` is the open file's, when the change comes through one (`ftruncate`).
    case setattr(ino: UInt64, changes: AttributeChanges, handle: UInt64?)
    /// `flags` as open(2) takes them.
    case open(ino: UInt64, flags: Int32)
    case read(handle: UInt64, size: Int, offset: Int64)
    case write(handle: UInt64, bytes: [UInt8], offset: Int64, uid: UInt32)
    case release(handle: UInt64)
    case opendir(ino: UInt64)
    case readdir(ino: UInt64, size: Int, offset: Int64)
    case releasedir(handle: UInt64)
    /// `waiter` wakes the caller's poll later; nil when it asked for no wake-up.
    case poll(handle: UInt64, waiter: PollWaiter?)
    case mkdir(parent: UInt64, name: String, uid: UInt32)
    case rmdir(parent: UInt64, name: String, uid: UInt32)
    case unlink(parent: UInt64, name: String)
    /// mknod or create: a file made by name.
    case create
    /// symlink or link.
    case link
    case rename
}

/// What a `setattr` asks to change, as far as the bridge cares.
struct AttributeChanges: Sendable, Equatable {
    /// The size asked for, when a truncation is asked.
    var size: Int64?
    /// Whether anything but the size and the times is asked (a mode, an owner).
    var other: Bool

    init(size: Int64? = nil, other: Bool = false) {
        self.size = size
        self.other = other
    }
}
