import HiveCore

/// A line of hivefs's table of files (`HiveTree.rootFiles`, `sessionFiles`,
/// `historyFiles`): one file of a directory of one kind, and how it is served.
/// `HiveTree.describe` turns a row into a `FileDescription` for one directory.
struct FileRow: Sendable {
    /// Its mode, decided when described.
    enum Mode: Sendable {
        case readOnly, readWrite
        /// 0600 while the session is `new`, 0444 after (spec files).
        case whileNew
    }

    /// Which change counter of the session `poll()` compares.
    enum Poll: Sendable {
        /// Always readable.
        case none
        /// The record's: anything shown changed.
        case record
        /// The state's: only a change of state (`state`).
        case state
        /// The record's and git's facts': anything shown changed (`git`).
        case git
    }

    /// What a client may keep of it (`CachePolicy`), decided for each directory.
    enum Cache: Sendable {
        /// The name only: it grows, or changes unannounced (`CachePolicy.name`).
        case name
        /// The name, attributes and content until a change of its directory is
        /// announced (`CachePolicy.content`); the name not when `keepsName` is false.
        case content(keepsName: Bool)

        /// Kept until changed, name and all.
        static let content = Cache.content(keepsName: true)
    }

    /// The writes it takes.
    enum Write: Sendable {
        case none
        /// Control lines, carried out by `Hive.control`.
        case control
        /// Control lines of the root, by `Hive.rootControl`.
        case rootControl
        /// A spec value, set by `Hive.setSpec` with the key of the file's name.
        case spec
        /// Prompts appended to the session's queue, by `Hive.enqueue`.
        case queue
    }

    /// When it is listed and found.
    enum Listed: Sendable {
        case always
        /// Only once its file is on disk (`summary`, which comes when the session ends).
        case whenOnDisk
    }

    /// Where its content comes from, for the directory named `place` (the session's or
    /// history entry's name; empty at the root); nil when it cannot be had.
    typealias Source = @Sendable (_ tree: HiveTree, _ place: String) -> FileSource?

    let name: String
    let mode: Mode
    let source: Source
    let cache: Cache
    let poll: Poll
    let write: Write
    let listed: Listed

    init(_ name: String, _ source: @escaping Source, mode: Mode = .readOnly, cache: Cache = .name,
         poll: Poll = .none, write: Write = .none, listed: Listed = .always) {
        self.name = name
        self.mode = mode
        self.source = source
        self.cache = cache
        self.poll = poll
        self.write = write
        self.listed = listed
    }

    /// A session file's row (a history entry's too), named for it.
    init(_ file: SessionFile, _ source: @escaping Source, mode: Mode = .readOnly, cache: Cache = .name,
         poll: Poll = .none, write: Write = .none, listed: Listed = .always) {
        self.init(file.rawValue, source, mode: mode, cache: cache, poll: poll, write: write, listed: listed)
    }
}
