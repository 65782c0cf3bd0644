/// Makes directory `name` for the user `uid`, returning the node made.
public typealias MakeDirectory = @Sendable (_ name: String, _ uid: UInt32) throws(HiveError) -> TreeNode

/// Makes directory `name` for the user `uid` and hands the node made, or why not,
/// to `done` once, later: for what is made elsewhere (on another host), which no
/// thread that serves requests should wait for.
public typealias MakeDirectoryLater = @Sendable (_ name: String, _ uid: UInt32,
                                                 _ done: @escaping @Sendable (Result<TreeNode, HiveError>) -> Void) -> Void

/// Whether a directory may be removed, and how.
public enum Removal: Sendable {
    /// Never, with this error.
    case refused(HiveError)
    /// By this, for the user `uid`; `done` is called once it is gone or could not go.
    case remove(@Sendable (_ uid: UInt32, _ done: @escaping Completion) -> Void)
}
