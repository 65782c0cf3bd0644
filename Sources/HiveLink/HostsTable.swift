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
/// - The mirror keeps each file's mode, size and time too, from the getattr of the
///   same listing: attributes answer from it, with no round trip, as of the far
///   side's last announced change (files are `direct_io`: a stale size never cuts
///   a read). A session's `log` and `screen` change unannounced: their attributes
///   go over the link (`RemoteHost.unannounced`).
/// - An open for reading is one round trip: walk, open, one read from 0 of what a
///   message carries, clunk, sent at once (`LinkClient.fetch`); the bridge serves
///   reads from that snapshot, and asks the link past its end only when it was not
///   the whole file, or a change of its session was announced since (the mirror's
///   counter moved), or the file changes unannounced. Reads, writes and opens
///   answer with the link's errno: ENOTCONN, with the reason, while it is down.
///   Nothing of another host is kept by the kernel.
/// - A change the far side announces for its session `S` is announced here as
///   `@NAME/S`'s, so poll() and `tail -f` on its files wake as on local ones.
/// - `mkdir @NAME/S` is answered once the far side made it (at most a write's
///   timeout, 2 minutes, or until ssh finds the link dead), from the link's threads
///   (`makeLater`), as every other request that waits on the link: no FUSE worker
///   waits on the network.
public final class HostsTable: TreeTable, HostControl, @unchecked Sendable {
    private let lock = NSLock()
    private var hosts: [String: RemoteHost] = [:]
    /// Those added at run time (`host add`), by name: their destinations, kept in `savedIn`.
    private var added: [String: String] = [:]
    private var notice: (@Sendable (TreeNotice) -> Void)?
    let log: Logger
    /// Where the hosts added at run time are kept (`NAME DESTINATION` lines), so
    /// they come back after a restart.
    let savedIn: String?
    /// The link's command line for a destination added at run time.
    let command: @Sendable (String) -> [String]
    /// Where the hosts' events go here (nil: nowhere; their own `events` have them).
    let events: HostEvents?

    public init(logger: Logger, savedIn: String? = nil, events: HostEvents? = nil,
                command: @escaping @Sendable (String) -> [String] = { ["ssh", $0, "--", "hivefs serve --stdio"] }) {
        self.log = logger
        self.savedIn = savedIn
        self.events = events
        self.command = command
    }

    /// Adds the hosts added at run time before the last restart.
    public func restore() {
        guard let savedIn, let bytes = Sys.readFile(savedIn) else { return }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard words.count == 2, (try? HostName.validate(words[0])) != nil, (try? HostName.validateDestination(words[1])) != nil,
                  host(words[0]) == nil else {
                log.warning("\(savedIn): line '\(line)' names no host to add (or one the config names); left out")
                continue
            }
            lock.withLock { added[words[0]] = words[1] }
            add(name: words[0], command: command(words[1]))
        }
    }

    // MARK: HostControl

    public func add(name: String, destination: String) throws(HiveError) {
        guard host(name) == nil else { throw .exists("host \(name) exists") }
        lock.withLock { added[name] = destination }
        try save()
        add(name: name, command: command(destination))
    }

    public func remove(name: String) throws(HiveError) {
        guard let h = host(name) else { throw .notFound("no host \(name)") }
        guard lock.withLock({ added[name] != nil }) else {
            throw HiveError(.notPermitted, "host \(name) is named in the config file: remove it there")
        }
        lock.withLock {
            added[name] = nil
            hosts[name] = nil
        }
        try save()
        h.stop()
        tell(.nameChanged(in: .root, name: "@" + name))
        tell(.changed(group: nil))
    }

    private func save() throws(HiveError) {
        guard let savedIn else { return }
        let text = lock.withLock { added.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined() }
        do {
            try Sys.writeFileAtomically(savedIn, Array(text.utf8), mode: 0o600)
        } catch {
            throw error.hive("cannot save \(savedIn)")
        }
    }

    /// Adds a host, `command` being the link's (ssh … hivefs serve --stdio); the
    /// link is made at once, in the background.
    public func add(name: String, command: [String]) {
        let host = RemoteHost(name: name, link: LinkClient(name: name, command: command, logger: log), log: log, events: events) { [weak self] n in
            self?.tell(n)
        }
        lock.withLock { hosts[name] = host }
        host.start()
        tell(.changed(group: nil))
    }

    /// The names of the hosts, without their '@'.
    public var names: [String] { lock.withLock { hosts.keys.sorted() } }

    public func host(_ name: String) -> RemoteHost? { lock.withLock { hosts[name] } }

    /// The hosts, in name order.
    func hostsNow() -> [RemoteHost] { lock.withLock { hosts.sorted { $0.key < $1.key }.map(\.value) } }

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
        guard let (h, path) = split(parent) else { return nil }
        // `@NAME/status` is there even before anything of the host is known (it says why).
        if path.isEmpty, name == "status", !h.mirror.knowsRoot { return parent.child(name, isDirectory: false) }
        guard let isDirectory = h.mirror.kind(path + [name]) else { return nil }
        return parent.child(name, isDirectory: isDirectory)
    }

    public func listing(_ directory: TreeNode) -> [TreeNode]? {
        if directory == .root { return names.map { TreeNode.root.child("@" + $0, isDirectory: true) } }
        guard let (h, path) = split(directory) else { return nil }
        guard let entries = h.mirror.listing(path) else {
            return path.isEmpty ? [directory.child("status", isDirectory: false)] : nil
        }
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
