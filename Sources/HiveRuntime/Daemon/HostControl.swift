import HiveCore

/// What the root control's `host add` and `host remove` change: the other hosts
/// the tree shows (HiveLink's `HostsTable`), which the daemon wires in.
public protocol HostControl: AnyObject, Sendable {
    /// Shows the host as `@NAME`, reached by ssh at `destination`, now and after restarts.
    func add(name: String, destination: String) throws(HiveError)
    /// Stops showing a host added so (one named in the config file stays: EPERM).
    func remove(name: String) throws(HiveError)
}

/// Other hosts' sessions as the root `status` and `status.json` show them, next to
/// this host's (HiveLink's `HostsTable`, which the daemon wires in).
public protocol FleetView: AnyObject, Sendable {
    /// Asks every host whose link is up for its sessions again; `done` is called
    /// once, when all have answered or a bound has passed (never more than seconds).
    func refreshSessions(_ done: @escaping @Sendable () -> Void)
    /// What is known of each host now, by name.
    func sessions() -> [HostSessions]
}

/// One other host's part of the root `status` and `status.json`.
public enum HostSessions: Sendable {
    /// Its sessions: each an object of its root `status.json`, named `@HOST/NAME`.
    case sessions(host: String, objects: [[UInt8]])
    /// Its link is down: why, and since when, in words.
    case down(host: String, reason: String)
}
