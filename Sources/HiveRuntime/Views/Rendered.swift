import Foundation
import HiveCore

/// A file's content as a read sees it, and its modification time.
public struct Rendered: Sendable {
    public var bytes: [UInt8]
    public var mtime: Timestamp
    /// The session's change counter when rendered, for `poll()`.
    public var version: UInt64
    /// When it changes with the clock, unannounced (`status` while a second it shows ticks).
    public var until: Timestamp? = nil
}

/// What a session's `status` shows besides its record (whose version changes with
/// every event and token count) and the clock: the terminal's last output and git's
/// branch.
struct StatusKey: Equatable {
    var version: UInt64
    var output: Int64?
    var branch: String?
    var changed: Int?
}

/// A cached `status` still good, or what to render it again from.
enum CacheLookup {
    case hit(Rendered)
    /// What to render it from: the record, its context, and its processes while it runs.
    /// Its cgroup and launcher, when it has one, measure it instead of /proc.
    case stale(StatusKey, SessionRecord, RenderContext, ProcessTree.Scope?, SessionCgroup?, pid_t?)
}

/// A rendered `status`, served again while its key holds and before `until`, the
/// next tick of a count of seconds it shows.
struct CachedStatus {
    var key: StatusKey
    var until: Timestamp?
    var rendered: Rendered
}

/// A rendered `diff` or `diff.stat`, served again for `SessionDiff.reuseMS` while the
/// record is at the same version (the lookup, open and read of one `cat` run git once).
struct CachedDiff {
    var version: UInt64
    /// When it was rendered (monotonic ms).
    var madeMS: Int64
    var content: FileContent
}
