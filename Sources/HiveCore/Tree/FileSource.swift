/// A file's content as a read sees it, its modification time and change counter.
public struct FileContent: Sendable, Equatable {
    public var bytes: [UInt8]
    public var mtime: Timestamp
    /// The counter the content was rendered at, compared with `PollCounter` by `poll()`.
    public var version: UInt64
    /// When this content changes by itself, with no change announced (a count of
    /// seconds it shows ticks then); nil when only an announced change changes it.
    /// A client keeps it until then at most (`CachePolicy.content`).
    public var expires: Timestamp?

    public init(bytes: [UInt8], mtime: Timestamp, version: UInt64 = 0, expires: Timestamp? = nil) {
        self.bytes = bytes
        self.mtime = mtime
        self.version = version
        self.expires = expires
    }
}

/// Why a file is rendered: for its attributes (`stat`, `ls -l`) or for a read.
/// Some files do more for a read (the root `status.json` refreshes git's facts).
public enum RenderPurpose: Sendable, Equatable {
    case stat
    case read
}

/// Renders a file now; nil when what it shows is gone.
public typealias Render = @Sendable (RenderPurpose) -> FileContent?

/// Asks for slow facts to be refreshed; `done` is called once, when a read may go on.
public typealias Refresh = @Sendable (_ done: @escaping @Sendable () -> Void) -> Void

/// Where a file's content comes from, which decides where a server may get it.
public enum FileSource: Sendable {
    /// A file on disk, served as it is at any offset (logs, which only grow); its
    /// attributes are the disk file's.
    case disk(String)
    /// Rendered in memory, fast enough for any thread.
    case rendered(Render)
    /// Rendered only by slow work (a terminal captured from tmux): never on a thread
    /// that serves requests, for its attributes too, since its size is known only then.
    case slow(Render)
    /// Rendered from facts kept in memory that slow work refreshes (git's): an open
    /// waits for `refresh` (which answers within a bound) before rendering; a read
    /// from the start renders at once, then asks for a refresh without waiting.
    case refreshed(Render, refresh: Refresh)
    /// A file of another host's tree, reached through a link: its attributes and its
    /// bytes at any offset are asked for and answered later, or refused with an
    /// errno (ENOTCONN while the link is down). Never kept by a client.
    case remote(any RemoteFile)
}

/// What a file on another host says of itself.
public struct RemoteAttributes: Sendable, Equatable {
    public var size: Int
    public var mtime: Timestamp
    /// Its change counter there, for `poll()`.
    public var version: UInt64

    public init(size: Int, mtime: Timestamp, version: UInt64) {
        self.size = size
        self.mtime = mtime
        self.version = version
    }
}

/// A file of another host's tree. Every answer comes later, from the link's
/// threads, exactly once.
public protocol RemoteFile: Sendable {
    func attributes(_ done: @escaping @Sendable (Result<RemoteAttributes, HiveError>) -> Void)
    func read(offset: Int64, count: Int, _ done: @escaping @Sendable (Result<[UInt8], HiveError>) -> Void)
}
