/// A change to the names in the tree that a mount caching names and directory
/// attributes must hear of: each is followed by the mount dropping its cache entry.
public enum TreeChange: Sendable, Equatable {
    /// A session directory was made; a removed one of the same name may be cached.
    case sessionMade(String)
    /// A history entry was deleted (`prune-history`).
    case historyEntryGone(String)
}
