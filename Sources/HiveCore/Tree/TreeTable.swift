/// A tree of files described as data (DESIGN.md §8): every server of it (the FUSE
/// bridge, a test's stub) asks the table, and none names a file.
///
/// Lookups and listings see what exists now; `describe` says how to serve a node
/// the server was given, and is asked again whenever what it says may have changed
/// (a file's mode, whether a terminal is live). Every method may be called from
/// any thread.
public protocol TreeTable: AnyObject, Sendable {
    /// The node `name` in directory `parent`, if it exists now.
    func lookup(_ parent: TreeNode, _ name: String) -> TreeNode?
    /// A directory's nodes in listing order; nil when it is gone or not a directory.
    func listing(_ directory: TreeNode) -> [TreeNode]?
    /// How to serve a node now; nil when it is gone.
    func describe(_ node: TreeNode) -> NodeDescription?
    /// Tells `notice` of changes a server must pass on, from threads that serve
    /// no request. Each call adds a watcher (the mount's bridge, the link's servers);
    /// watchers are told in the order they came, and stay for the table's life.
    func watch(_ notice: @escaping @Sendable (TreeNotice) -> Void)
}

/// A change a server of the tree must hear of.
public enum TreeNotice: Sendable, Equatable {
    /// Files of `group` changed (every file's when nil): wake the polls waiting on them.
    case changed(group: String?)
    /// A node's kept attributes are stale (a directory made again under its name).
    case attributesChanged(TreeNode)
    /// A name in a directory no longer stands for what it did (a history entry pruned).
    case nameChanged(in: TreeNode, name: String)
}
