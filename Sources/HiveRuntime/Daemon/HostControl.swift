import HiveCore

/// What the root control's `host add` and `host remove` change: the other hosts
/// the tree shows (HiveLink's `HostsTable`), which the daemon wires in.
public protocol HostControl: AnyObject, Sendable {
    /// Shows the host as `@NAME`, reached by ssh at `destination`, now and after restarts.
    func add(name: String, destination: String) throws(HiveError)
    /// Stops showing a host added so (one named in the config file stays: EPERM).
    func remove(name: String) throws(HiveError)
}
