/// What a client of the tree (the kernel, for a mount) may keep of a node without
/// asking again. Whatever is kept is dropped when the tree says it changed
/// (`TreeNotice`), so "kept" means "until invalidated", within the server's bound.
public enum CachePolicy: Sendable, Equatable {
    /// Nothing: the node comes and goes on its own (a session's `summary`).
    case never
    /// The name, not the attributes: size and mtime change, and `stat` must be
    /// current (`tail -f` polls it). Most files.
    case name
    /// The name and the attributes: they change only when the node is made again
    /// (directories).
    case nameAndAttributes
}
