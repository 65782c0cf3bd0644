/// How `poll()` learns that a file changed: a change counter, and the group whose
/// changes are announced (`TreeNotice.changed`) to wake the polls waiting on it.
public struct PollCounter: Sendable {
    /// The name changes are announced under (a session's).
    public var group: String
    /// The counter now; nil when nothing can be waited for (the file is always readable).
    public var version: @Sendable () -> UInt64?

    public init(group: String, version: @escaping @Sendable () -> UInt64?) {
        self.group = group
        self.version = version
    }
}
