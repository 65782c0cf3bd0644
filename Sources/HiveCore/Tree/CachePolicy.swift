/// What a client of the tree (the kernel, for a mount) may keep of a node without
/// asking again. Whatever is kept is dropped when the tree says it changed
/// (`TreeNotice`), so "kept" means "until invalidated", within the server's bound.
public enum CachePolicy: Sendable, Equatable {
    /// Nothing: the node comes and goes on its own.
    case never
    /// The name, not the attributes: size and mtime change, and `stat` must be
    /// current (`tail -f` polls it). Files that grow or change unannounced: the
    /// logs, `control`, the screen, the root's files.
    case name
    /// The name and the attributes: they change only when the node is made again
    /// (directories).
    case nameAndAttributes
    /// The attributes and the content too (the name as well when `keepsName`), for
    /// files that change rarely and never unannounced: every change of what they show
    /// is followed by `TreeNotice.changed` of `group` (or of every group). A server
    /// then renders again what it gave out and drops what is no longer true, before
    /// the announcement returns (so a write answered after it is never followed by a
    /// stale read), and checks again at each open that what it kept is what the file
    /// says now. Content that expires (`FileContent.expires`: a count of seconds
    /// ticking) is kept until then, and checked again at that time as if a change
    /// had been announced: it changes with the clock, unannounced. A name that
    /// comes and goes (a summary) is not kept (`keepsName` false).
    case content(group: String, keepsName: Bool = true)
}
