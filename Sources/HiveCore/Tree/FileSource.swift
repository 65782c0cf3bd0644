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
    /// A file of another host's tree, reached through a link: an open fetches its
    /// start (`RemoteFile.open`) and reads are answered from that snapshot where it
    /// holds them; the rest is asked for and answered later, or refused with an errno
    /// (ENOTCONN while the link is down). Never kept by a client.
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

/// What an open of a file of another host fetched: its start, in one round trip.
public struct RemoteSnapshot: Sendable, Equatable {
    public var bytes: [UInt8]
    /// Whether `bytes` is the whole file (the read came back short of what one
    /// message carries): reads past it find its end, unless it changed since.
    public var whole: Bool
    /// The file's change counter (`RemoteFile.version`) as it was before the fetch,
    /// so that a change announced meanwhile counts as one since.
    public var version: UInt64

    public init(bytes: [UInt8], whole: Bool, version: UInt64) {
        self.bytes = bytes
        self.whole = whole
        self.version = version
    }
}

/// A file of another host's tree. Answers that need the link come later, from its
/// threads; those it knows already (attributes kept from the last listing) may
/// come at once, on the caller's thread. Each comes exactly once.
public protocol RemoteFile: Sendable {
    /// Its change counter now, known without the link: it moves when a change of the
    /// file is announced there.
    var version: UInt64 { get }
    /// Whether every change of the file is announced there, so that an unmoved
    /// `version` means an unchanged file; false for those that grow unannounced (a
    /// terminal's log), whose end is always asked for.
    var announced: Bool { get }
    /// Fetches its start, as an open there reads it: one round trip. Fails as the open
    /// would (ENOENT, or ENOTCONN with the reason).
    func open(_ done: @escaping @Sendable (Result<RemoteSnapshot, HiveError>) -> Void)
    func attributes(_ done: @escaping @Sendable (Result<RemoteAttributes, HiveError>) -> Void)
    func read(offset: Int64, count: Int, _ done: @escaping @Sendable (Result<[UInt8], HiveError>) -> Void)
}
