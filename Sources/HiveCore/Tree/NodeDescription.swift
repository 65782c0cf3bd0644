/// What is at a node now, described so that a server serves it without knowing it.
public enum NodeDescription: Sendable {
    case directory(DirectoryDescription)
    case file(FileDescription)
    /// A symbolic link to a path outside the tree (the root `spool`, a folder on disk):
    /// the kernel follows it, so what is done there is the disk's file system's.
    case link(LinkDescription)
}

/// A symbolic link: where it points and its time. Its node is `TreeNode.isLink`.
public struct LinkDescription: Sendable, Equatable {
    /// The path it holds, absolute.
    public var target: String
    public var mtime: Timestamp

    public init(target: String, mtime: Timestamp) {
        self.target = target
        self.mtime = mtime
    }
}

/// A directory: its time, what may be kept of it, and what may be done to it.
public struct DirectoryDescription: Sendable {
    public var mode: FileMode
    public var mtime: Timestamp
    public var cache: CachePolicy
    /// How a directory is made in this one (mkdir); nil when none may be.
    public var make: MakeDirectory?
    /// The same, answered later; a server that can answer later uses it instead
    /// of `make` when it is set.
    public var makeLater: MakeDirectoryLater?
    /// Whether this directory may be removed (rmdir), and how.
    public var removal: Removal

    public init(mode: FileMode = .directory, mtime: Timestamp, cache: CachePolicy = .nameAndAttributes,
                make: MakeDirectory? = nil, makeLater: MakeDirectoryLater? = nil, removal: Removal) {
        self.mode = mode
        self.mtime = mtime
        self.cache = cache
        self.make = make
        self.makeLater = makeLater
        self.removal = removal
    }
}

/// A file: its mode, where its content comes from, what may be kept of it, how
/// its changes are waited for, and the writes it takes.
public struct FileDescription: Sendable {
    /// Writable (`isWritable`) exactly when it may be opened for writing now.
    public var mode: FileMode
    public var source: FileSource
    public var cache: CachePolicy
    /// How `poll()` waits on it; nil when it is always readable.
    public var poll: PollCounter?
    public var write: WriteKind

    public init(mode: FileMode, source: FileSource, cache: CachePolicy = .name,
                poll: PollCounter? = nil, write: WriteKind = .none) {
        self.mode = mode
        self.source = source
        self.cache = cache
        self.poll = poll
        self.write = write
    }
}
