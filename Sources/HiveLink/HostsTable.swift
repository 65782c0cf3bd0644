import Foundation
import HiveCore
import HiveRuntime
import Logging

/// Other hosts' trees, each under `@NAME` at the root (the local `HiveTree`
/// hands it every node under a name starting with '@'). A host's tree is the one
/// its daemon serves (`hivefs serve --stdio` over ssh), with the same names,
/// modes, writes and errnos.
///
/// Decisions, stated once:
/// - Names come from a mirror of the far side's directories (`RemoteHost`),
///   refreshed when the link comes up and when its `.notices` says a directory
///   changed; a lookup or a listing never waits on the network.
/// - Contents, attributes and writes go over the link each time
///   (`FileSource.remote`), and answer with its errno: ENOTCONN, with the reason,
///   while it is down. Nothing of another host is kept by the kernel.
/// - A change the far side announces for its session `S` is announced here as
///   `@NAME/S`'s, so poll() and `tail -f` on its files wake as on local ones.
/// - `mkdir @NAME/S` waits for the far side on the FUSE worker (at most the link's
///   timeout): the table's `MakeDirectory` answers at once. Every other request
///   answers from the link's threads.
public final class HostsTable: TreeTable, @unchecked Sendable {
    private let lock = NSLock()
    private var hosts: [String: RemoteHost] = [:]
    private var notice: (@Sendable (TreeNotice) -> Void)?
    let log: Logger

    public init(logger: Logger) { self.log = logger }

    /// Adds a host, `command` being the link's (ssh … hivefs serve --stdio); the
    /// link is made at once, in the background.
    public func add(name: String, command: [String]) {
        let host = RemoteHost(name: name, link: LinkClient(name: name, command: command, logger: log), log: log) { [weak self] n in
            self?.tell(n)
        }
        lock.withLock { hosts[name] = host }
        host.start()
        tell(.changed(group: nil))
    }

    /// The names of the hosts, without their '@'.
    public var names: [String] { lock.withLock { hosts.keys.sorted() } }

    public func host(_ name: String) -> RemoteHost? { lock.withLock { hosts[name] } }

    /// Stops every link.
    public func stop() {
        for h in lock.withLock({ Array(hosts.values) }) { h.stop() }
    }

    private func tell(_ n: TreeNotice) {
        lock.withLock { notice }?(n)
    }

    /// The host a node is under, and the node's names there.
    private func split(_ node: TreeNode) -> (RemoteHost, [String])? {
        guard let first = node.names.first, first.hasPrefix("@"), let h = host(String(first.dropFirst())) else { return nil }
        return (h, Array(node.names.dropFirst()))
    }

    // MARK: TreeTable

    public func lookup(_ parent: TreeNode, _ name: String) -> TreeNode? {
        if parent == .root {
            guard name.hasPrefix("@"), host(String(name.dropFirst())) != nil else { return nil }
            return parent.child(name, isDirectory: true)
        }
        guard let (h, path) = split(parent), let isDirectory = h.mirror.kind(path + [name]) else { return nil }
        return parent.child(name, isDirectory: isDirectory)
    }

    public func listing(_ directory: TreeNode) -> [TreeNode]? {
        if directory == .root { return names.map { TreeNode.root.child("@" + $0, isDirectory: true) } }
        guard let (h, path) = split(directory), let entries = h.mirror.listing(path) else { return nil }
        return entries.map { directory.child($0.name, isDirectory: $0.isDirectory) }
    }

    public func describe(_ node: TreeNode) -> NodeDescription? {
        guard let (h, path) = split(node) else { return nil }
        return h.describe(path, node: node)
    }

    public func watch(_ notice: @escaping @Sendable (TreeNotice) -> Void) {
        lock.withLock { self.notice = notice }
    }
}
