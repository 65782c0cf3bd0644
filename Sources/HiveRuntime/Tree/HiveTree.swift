import Foundation
import HiveCore

/// hivefs's tree as data (DESIGN.md §1, §8), over the `Hive`:
///
///     /                  the root: `rootFiles`, `history/`, `spool`, one directory per session
///     /spool             a symbolic link to the state directory's `spool/` (Spool.swift)
///     /history/          one directory per removed session, named NAME-TIME
///     /history/ENTRY/    `historyFiles`: those the entry kept
///     /NAME/             `sessionFiles`
///
/// Decisions, stated once:
/// - A name found stands for the same node while it exists; directories change only
///   when a session of the same name is made again (`TreeNotice.attributesChanged`)
///   or a history entry is pruned (`nameChanged`), so names and directories may be
///   kept. Files that change only by a session's announced change (`Hive.onChange`,
///   told as `TreeNotice.changed` of the session's name) are kept whole, content
///   and all (`CachePolicy.content`, group: the session's name): spec files, `state`,
///   `files`, `permission`, `git`, `summary`, and `status` while nothing it shows
///   ticks. History entries' files never change (group `history/ENTRY`, never
///   announced; pruning drops them). Logs, `control`, the screen and the root's
///   files grow or change unannounced: only their names are kept. `summary`, which
///   comes when a run ends and goes when it starts again, keeps no name.
/// - A session's files are described without asking whether the session still
///   exists: each source answers for itself when it is gone (a render is nil, a disk
///   file is missing), as a handle opened before an `rmdir` expects.
/// - Only the root takes `mkdir` (a `new` session), and only a session's directory
///   takes `rmdir` (to history); history is never removed.
/// - `spool` is a symbolic link to a real folder (STATE/spool), not a directory of
///   the tree: what is written there is the disk's, and only the spool reads it
///   (the decision and its reasons: Spool.swift).
/// - `@NAME` at the root is another host's whole tree: every node under a name
///   starting with '@' is `hosts`'s (HiveLink's `HostsTable`), which no session
///   name can take.
///
/// Threads: it holds nothing that changes, so any thread may ask it anything; what
/// it serves is the `Hive`'s, under the Hive's lock.
public final class HiveTree: TreeTable, Sendable {
    public let hive: Hive
    /// The time of the root, `history/`, and a screen never ended.
    public let mountTime: Timestamp
    /// Who hears of changes: the mount's bridge, the link's servers (shared with
    /// the tree `withoutFleet` gives).
    let watchers: TreeWatchers
    /// Other hosts' trees, under `@NAME`.
    public let hosts: (any TreeTable)?
    /// Other hosts' sessions, for the root `status` and `status.json`.
    public let fleet: (any FleetView)?

    public convenience init(hive: Hive, hosts: (any TreeTable)? = nil, fleet: (any FleetView)? = nil, mountTime: Timestamp = .now()) {
        self.init(hive: hive, hosts: hosts, fleet: fleet, mountTime: mountTime, watchers: TreeWatchers())
    }

    private init(hive: Hive, hosts: (any TreeTable)?, fleet: (any FleetView)?, mountTime: Timestamp, watchers: TreeWatchers) {
        self.hive = hive
        self.hosts = hosts
        self.fleet = fleet
        self.mountTime = mountTime
        self.watchers = watchers
    }

    /// The same tree, whose root `status` and `status.json` show this host's
    /// sessions only: what the link serves. Each host asks every other itself; a
    /// host's answer holding its own hosts' would show them twice, and two hosts
    /// that name each other would ask round in a circle.
    public func withoutFleet() -> HiveTree {
        HiveTree(hive: hive, hosts: hosts, fleet: nil, mountTime: mountTime, watchers: watchers)
    }

    static let historyName = "history"
    static let history = TreeNode([historyName], isDirectory: true)
    static let spoolName = "spool"
    static let spool = TreeNode([spoolName], isDirectory: false, isLink: true)

    /// The root's own names, which no session may take.
    static let rootNames: Set<String> = Set(rootFiles.map(\.name) + [historyName, spoolName])

    /// What a node is, by the shape of the tree.
    private enum Place {
        case root, history, spool
        case rootFile(FileRow)
        case session(String)
        case sessionFile(String, FileRow)
        case historyEntry(String)
        case historyFile(String, FileRow)

        var isDirectory: Bool {
            switch self {
            case .root, .history, .session, .historyEntry: return true
            case .spool, .rootFile, .sessionFile, .historyFile: return false
            }
        }

        var isLink: Bool {
            if case .spool = self { return true }
            return false
        }
    }

    private static let rootRows = Dictionary(uniqueKeysWithValues: rootFiles.map { ($0.name, $0) })
    private static let sessionRows = Dictionary(uniqueKeysWithValues: sessionFiles.map { ($0.name, $0) })
    private static let historyRows = Dictionary(uniqueKeysWithValues: historyFiles.map { ($0.name, $0) })

    private func place(_ node: TreeNode) -> Place? {
        let n = node.names
        switch n.count {
        case 0: return .root
        case 1:
            if n[0] == Self.historyName { return .history }
            if n[0] == Self.spoolName { return .spool }
            if let row = Self.rootRows[n[0]] { return .rootFile(row) }
            return .session(n[0])
        case 2:
            if n[0] == Self.historyName { return .historyEntry(n[1]) }
            return Self.sessionRows[n[1]].map { .sessionFile(n[0], $0) }
        case 3:
            guard n[0] == Self.historyName else { return nil }
            return Self.historyRows[n[2]].map { .historyFile(n[1], $0) }
        default:
            return nil
        }
    }

    // MARK: names

    /// Whether a node is another host's (under `@NAME`).
    static func isRemote(_ node: TreeNode) -> Bool { node.names.first?.hasPrefix("@") == true }

    public func lookup(_ parent: TreeNode, _ name: String) -> TreeNode? {
        if let hosts, Self.isRemote(parent) || (parent == .root && name.hasPrefix("@")) { return hosts.lookup(parent, name) }
        guard parent.isDirectory, let p = place(parent) else { return nil }
        switch p {
        case .root:
            if Self.rootRows[name] != nil { return parent.child(name, isDirectory: false) }
            if name == Self.historyName { return Self.history }
            if name == Self.spoolName { return Self.spool }
            return hive.exists(name) ? parent.child(name, isDirectory: true) : nil
        case .session(let s):
            guard hive.exists(s), let row = Self.sessionRows[name], isPresent(row, s) else { return nil }
            return parent.child(name, isDirectory: false)
        case .history:
            guard !name.hasPrefix("."), Sys.stat(hive.store.historyEntryDir(name)) != nil else { return nil }
            return parent.child(name, isDirectory: true)
        case .historyEntry(let e):
            guard let row = Self.historyRows[name], isPresent(row, e) else { return nil }
            return parent.child(name, isDirectory: false)
        default:
            return nil
        }
    }

    public func listing(_ directory: TreeNode) -> [TreeNode]? {
        if let hosts, Self.isRemote(directory) { return hosts.listing(directory) }
        guard directory.isDirectory, let p = place(directory) else { return nil }
        switch p {
        case .root:
            var nodes = Self.rootFiles.map { directory.child($0.name, isDirectory: false) }
            nodes.append(Self.history)
            nodes.append(Self.spool)
            nodes += hive.sessionNames().map { directory.child($0, isDirectory: true) }
            nodes += hosts?.listing(.root) ?? []
            return nodes.sorted { $0.name < $1.name }
        case .session(let s):
            guard hive.exists(s) else { return nil }
            return Self.sessionFiles.filter { isPresent($0, s) }.map { directory.child($0.name, isDirectory: false) }
        case .history:
            return hive.store.historyEntries().map { directory.child($0, isDirectory: true) }
        case .historyEntry(let e):
            return Self.historyFiles.filter { isPresent($0, e) }.map { directory.child($0.name, isDirectory: false) }
        default:
            return nil
        }
    }

    /// Whether a row's file is there to list and find in the directory `place`.
    private func isPresent(_ row: FileRow, _ place: String) -> Bool {
        guard let source = row.source(self, place) else { return false }
        guard row.listed == .whenOnDisk else { return true }
        if case .disk(let path) = source { return Sys.stat(path) != nil }
        return true
    }

    // MARK: descriptions

    public func describe(_ node: TreeNode) -> NodeDescription? {
        if let hosts, Self.isRemote(node) { return hosts.describe(node) }
        guard let p = place(node), node.isDirectory == p.isDirectory, node.isLink == p.isLink else { return nil }
        switch p {
        case .root:
            return .directory(DirectoryDescription(mtime: mountTime, make: { [self] name, uid throws(HiveError) in
                if Self.rootNames.contains(name) { throw .exists("'\(name)' is the root's own") }
                try hive.mkdir(name, uid: uid)
                return TreeNode.root.child(name, isDirectory: true)
            }, removal: .refused(.busy("the root is the mount"))))
        case .history:
            return .directory(DirectoryDescription(mtime: mountTime, removal: .refused(.denied("history is never deleted"))))
        case .spool:
            return .link(LinkDescription(target: hive.store.spoolDir, mtime: mountTime))
        case .session(let s):
            guard let (r, _) = hive.snapshot(s) else { return nil }
            return .directory(DirectoryDescription(mtime: r.created, removal: .remove { [hive] uid, done in
                hive.rmdir(s, uid: uid, reply: done)
            }))
        case .historyEntry(let e):
            guard let st = Sys.stat(hive.store.historyEntryDir(e)) else { return nil }
            return .directory(DirectoryDescription(mtime: Timestamp(milliseconds: Int64(st.st_mtim.tv_sec) * 1000),
                                                   removal: .refused(.denied("history is never deleted; nothing here can be removed"))))
        case .rootFile(let row):
            return file(row, "", group: "")
        case .sessionFile(let s, let row):
            return file(row, s, group: s)
        case .historyFile(let e, let row):
            return file(row, e, group: Self.historyName + "/" + e)
        }
    }

    /// A row described for the directory named `place`, whose files' changes are
    /// announced as `group`'s.
    private func file(_ row: FileRow, _ place: String, group: String) -> NodeDescription? {
        guard let source = row.source(self, place) else { return nil }
        let mode: FileMode
        switch row.mode {
        case .readOnly: mode = .readOnly
        case .readWrite: mode = .readWrite
        case .whileNew:
            let writable = SessionFile(rawValue: row.name).map { hive.views.isWritable(place, $0) } ?? false
            mode = writable ? .readWrite : .readOnly
        }
        let cache: CachePolicy
        switch row.cache {
        case .name: cache = .name
        case .content(let keepsName): cache = .content(group: group, keepsName: keepsName)
        }
        return .file(FileDescription(mode: mode, source: source, cache: cache,
                                     poll: poll(row.poll, place), write: write(row, place)))
    }

    private func poll(_ counter: FileRow.Poll, _ s: String) -> PollCounter? {
        switch counter {
        case .none: return nil
        case .record: return PollCounter(group: s) { [hive] in hive.snapshot(s)?.0.version }
        case .state: return PollCounter(group: s) { [hive] in hive.snapshot(s)?.0.stateVersion }
        case .git: return PollCounter(group: s) { [hive] in hive.views.gitVersion(s) }
        }
    }

    private func write(_ row: FileRow, _ s: String) -> WriteKind {
        switch row.write {
        case .none:
            return .none
        case .control:
            return .commands { [hive] bytes, uid, done in hive.control(s, bytes, uid: uid, reply: done) }
        case .rootControl:
            return .commands { [hive] bytes, uid, done in
                guard bytes.count <= ControlParser.maxWrite else {
                    return done(.tooBig("a write to control holds at most \(ControlParser.maxWrite) bytes; this one held \(bytes.count)"))
                }
                hive.rootControl(bytes, uid: uid, reply: done)
            }
        case .spec:
            guard let key = SpecKey(rawValue: row.name) else { return .none }
            return .value { [hive] bytes, uid, done in hive.setSpec(s, key, bytes, uid: uid, reply: done) }
        case .queue:
            return .lines { [hive] bytes, uid, done in hive.enqueue(s, bytes, uid: uid, reply: done) }
        }
    }

    // MARK: changes

    /// Adds a watcher of the Hive's `onChange` and `onTreeChange`: call it before `Hive.start`.
    public func watch(_ notice: @escaping @Sendable (TreeNotice) -> Void) {
        let first = watchers.add(notice)
        guard first else { return }
        hosts?.watch { [watchers] in watchers.tell($0) }
        hive.onChange = { [watchers] name in watchers.tell(.changed(group: name.isEmpty ? nil : name)) }
        hive.onTreeChange = { [watchers] change in
            switch change {
            case .sessionMade(let name): watchers.tell(.attributesChanged(TreeNode.root.child(name, isDirectory: true)))
            case .historyEntryGone(let entry): watchers.tell(.nameChanged(in: HiveTree.history, name: entry))
            }
        }
    }
}

/// The watchers of a tree, told in the order they came.
final class TreeWatchers: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [@Sendable (TreeNotice) -> Void] = []

    /// Adds one; true when it is the first.
    func add(_ w: @escaping @Sendable (TreeNotice) -> Void) -> Bool {
        lock.withLock {
            all.append(w)
            return all.count == 1
        }
    }

    func tell(_ notice: TreeNotice) {
        for w in lock.withLock({ all }) { w(notice) }
    }
}
