import Foundation
import CFuse
import HiveCore
import HiveRuntime
import Logging

/// The FUSE bridge: maps kernel requests on inodes to the hive's renderings and
/// commands, and errors to errnos. Decisions, stated once:
/// - Every file is `direct_io`: reads always reach us, so sizes that change between
///   `stat` and `read` never cut a read short, and logs read from any offset.
/// - A file's attribute timeout is 0: `stat` is always current (`tail -f` polls it).
/// - Names and directories are cached by the kernel (`Bridge.cacheSeconds`): a name
///   stands for the same node as long as it exists, and a directory's attributes
///   change only when a session of that name is made again. What changes otherwise
///   (a session made, a history entry pruned) is invalidated when it happens, and
///   `summary`, which comes and goes with the session's run, is never cached. This
///   spares a lookup and an attribute request per path component on every open.
/// - Small files are rendered into the open handle; a read at offset 0 renders again.
/// - Slow work (tmux, signals, waiting for processes) runs on runtime queues and
///   replies when done; no libfuse worker waits on it.
/// - Poll wake-ups are sent from a queue of our own, never from a FUSE worker.
public final class Bridge: @unchecked Sendable {
    let hive: Hive
    let inodes = InodeTable()
    let files = OpenFiles()
    let uid = getuid()
    let gid = getgid()
    let log: Logger
    let notifier = DispatchQueue(label: "hivefs.notify")
    let slow = DispatchQueue(label: "hivefs.slow", attributes: .concurrent)
    let mountTime = Timestamp.now()
    /// How long the kernel may keep a name, or a directory's attributes, without asking.
    static let cacheSeconds: Double = 60
    /// The mounted session, for invalidations; nil before mounting and after unmounting.
    private var session: OpaquePointer?
    private let sessionLock = NSLock()

    public init(hive: Hive, logger: Logger) {
        self.hive = hive
        self.log = logger
        hive.onChange = { [weak self] name in self?.changed(name) }
        hive.onTreeChange = { [weak self] change in self?.invalidate(change) }
    }

    /// Set by `Mount.serve` while the kernel has the mount.
    func attach(_ se: OpaquePointer?) {
        sessionLock.lock(); session = se; sessionLock.unlock()
    }

    /// How long the kernel may keep a node's name (entry) and attributes.
    func timeouts(_ node: Node) -> (entry: Double, attr: Double) {
        switch node {
        case .sessionFile(_, .summary), .sessionFile(_, .summaryJSON): return (0, 0)
        case let n where n.isDirectory: return (Self.cacheSeconds, Self.cacheSeconds)
        default: return (Self.cacheSeconds, 0)
        }
    }

    /// Drops what the kernel cached of a changed name, from a thread that serves no request.
    func invalidate(_ change: TreeChange) {
        notifier.async { [self] in
            sessionLock.lock(); defer { sessionLock.unlock() }
            guard let se = session else { return }
            switch change {
            case .sessionMade(let name):
                if let ino = inodes.known(.session(name)) { _ = fuse_lowlevel_notify_inval_inode(se, ino, 0, 0) }
            case .historyEntryGone(let entry):
                if let parent = inodes.known(.history) {
                    _ = fuse_lowlevel_notify_inval_entry(se, parent, entry, entry.utf8.count)
                }
            }
        }
    }

    /// Wakes the polls waiting on a session's files.
    func changed(_ name: String) {
        notifier.async { [self] in
            for ph in files.takePollers(name.isEmpty ? nil : name) {
                fuse_lowlevel_notify_poll(ph)
                fuse_pollhandle_destroy(ph)
            }
        }
    }

    // MARK: names

    func child(of parent: Node, _ name: String) -> Node? {
        switch parent {
        case .root:
            if let f = RootFile(rawValue: name) { return .rootFile(f) }
            if name == "history" { return .history }
            return hive.exists(name) ? .session(name) : nil
        case .session(let s):
            guard hive.exists(s), let f = SessionFile(rawValue: name) else { return nil }
            return .sessionFile(s, f)
        case .history:
            guard !name.hasPrefix("."), Sys.stat(hive.store.historyEntryDir(name)) != nil else { return nil }
            return .historyEntry(name)
        case .historyEntry(let e):
            guard let f = SessionFile(rawValue: name), hive.historyPath(e, f) != nil else { return nil }
            return .historyFile(e, f)
        default:
            return nil
        }
    }

    func listing(_ node: Node) -> [(String, Node)]? {
        switch node {
        case .root:
            var entries: [(String, Node)] = RootFile.allCases.map { ($0.rawValue, .rootFile($0)) }
            entries.append(("history", .history))
            entries += hive.sessionNames().map { ($0, .session($0)) }
            return entries.sorted { $0.0 < $1.0 }
        case .session(let s):
            guard hive.exists(s) else { return nil }
            // The summary is listed once it exists: when the session has ended.
            return SessionFile.allCases.filter { f in
                f != .summary && f != .summaryJSON || hive.diskPath(s, f).map { Sys.stat($0) != nil } == true
            }.map { ($0.rawValue, .sessionFile(s, $0)) }
        case .history:
            return hive.store.historyEntries().map { ($0, .historyEntry($0)) }
        case .historyEntry(let e):
            return SessionFile.frozen.compactMap { f in hive.historyPath(e, f) != nil ? (f.rawValue, .historyFile(e, f)) : nil }
        default:
            return nil
        }
    }

    // MARK: attributes

    func stat(_ node: Node, ino: fuse_ino_t, size: Int, mode: mode_t, mtime: Timestamp) -> stat {
        var st = Glibc.stat()
        st.st_ino = ino_t(ino)
        st.st_mode = mode
        st.st_nlink = (mode & modeTypeMask) == modeDirectory ? 2 : 1
        st.st_uid = uid
        st.st_gid = gid
        st.st_size = off_t(size)
        st.st_blksize = 4096
        st.st_blocks = blkcnt_t((size + 511) / 512)
        let ts = timespec(tv_sec: mtime.seconds, tv_nsec: mtime.nanosecondsPart)
        st.st_mtim = ts
        st.st_ctim = ts
        st.st_atim = ts
        return st
    }

    /// The attributes of a node, or an errno. `nil` size means "render to know".
    func attributes(_ node: Node, ino: fuse_ino_t) -> Result<stat, HiveError> {
        let dirMode = modeDirectory | 0o755
        switch node {
        case .root, .history:
            return .success(stat(node, ino: ino, size: 0, mode: dirMode, mtime: mountTime))
        case .session(let s):
            guard let (r, _) = hive.snapshot(s) else { return .failure(.notFound(s)) }
            return .success(stat(node, ino: ino, size: 0, mode: dirMode, mtime: r.created))
        case .historyEntry(let e):
            guard let st = Sys.stat(hive.store.historyEntryDir(e)) else { return .failure(.notFound(e)) }
            return .success(stat(node, ino: ino, size: 0, mode: dirMode,
                                 mtime: Timestamp(milliseconds: Int64(st.st_mtim.tv_sec) * 1000)))
        case .rootFile(.events):
            return diskAttr(node, ino: ino, path: hive.store.rootEventsPath)
        case .rootFile(.status):
            let r = hive.renderRootStatus()
            return .success(stat(node, ino: ino, size: r.bytes.count, mode: modeRegular | 0o444, mtime: r.mtime))
        case .rootFile(.statusJSON):
            let r = hive.renderRootStatusJSON(reading: false)
            return .success(stat(node, ino: ino, size: r.bytes.count, mode: modeRegular | 0o444, mtime: r.mtime))
        case .rootFile(.control):
            let r = hive.renderRootControl()
            return .success(stat(node, ino: ino, size: r.bytes.count, mode: modeRegular | 0o600, mtime: r.mtime))
        case .historyFile(let e, let f):
            guard let path = hive.historyPath(e, f) else { return .failure(.notFound(f.rawValue)) }
            return diskAttr(node, ino: ino, path: path)
        case .sessionFile(let s, let f):
            if f.isOnDisk, let path = hive.diskPath(s, f) { return diskAttr(node, ino: ino, path: path) }
            if f == .screen {
                // Not live (a live screen is sized by capturing it): the saved final screen.
                let size = Sys.stat(hive.store.screenPath(s)).map { Int($0.st_size) } ?? 0
                return .success(stat(node, ino: ino, size: size, mode: modeRegular | 0o444, mtime: hive.snapshot(s)?.0.ended ?? mountTime))
            }
            guard let r = hive.render(s, f) else { return .failure(.notFound(s)) }
            let mode: mode_t = f == .control ? 0o600 : (f.specKey != nil && hive.isWritable(s, f) ? 0o600 : 0o444)
            return .success(stat(node, ino: ino, size: r.bytes.count, mode: modeRegular | mode, mtime: r.mtime))
        }
    }

    func diskAttr(_ node: Node, ino: fuse_ino_t, path: String) -> Result<stat, HiveError> {
        guard let st = Sys.stat(path) else { return .failure(.notFound(path)) }
        let mtime = Timestamp(milliseconds: Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000)
        return .success(stat(node, ino: ino, size: Int(st.st_size), mode: modeRegular | 0o444, mtime: mtime))
    }

    /// The screen of a live session is captured from tmux, so its size is known only then.
    func isLiveScreen(_ node: Node) -> Bool {
        guard case .sessionFile(let s, .screen) = node, let (r, _) = hive.snapshot(s) else { return false }
        return r.state.isLive
    }

    // MARK: content

    /// Renders a small file's content now (not logs, not a live screen).
    func content(_ node: Node) -> (bytes: [UInt8], version: UInt64)? {
        switch node {
        case .rootFile(.status): return (hive.renderRootStatus().bytes, 0)
        case .rootFile(.statusJSON): return (hive.renderRootStatusJSON(reading: true).bytes, 0)
        case .rootFile(.control): return (hive.renderRootControl().bytes, 0)
        case .sessionFile(let s, .screen): return (hive.screen(s), 0)
        case .sessionFile(let s, let f):
            guard let r = hive.render(s, f) else { return nil }
            return (r.bytes, r.version)
        default: return nil
        }
    }

    /// The path a log-like node reads from.
    func diskPath(_ node: Node) -> String? {
        switch node {
        case .rootFile(.events): return hive.store.rootEventsPath
        case .sessionFile(let s, let f) where f.isOnDisk: return hive.diskPath(s, f)
        case .historyFile(let e, let f): return hive.historyPath(e, f)
        default: return nil
        }
    }

    /// Whether a node may be opened for writing.
    func writable(_ node: Node) -> Bool {
        switch node {
        case .rootFile(.control): return true
        case .sessionFile(let s, let f): return hive.isWritable(s, f)
        default: return false
        }
    }

    /// The current change counter of a file, for `poll()`.
    func version(_ node: Node) -> UInt64? {
        guard case .sessionFile(let s, let f) = node, f != .screen, !f.isOnDisk, let (r, _) = hive.snapshot(s) else { return nil }
        return f == .state ? r.stateVersion : r.version
    }
}
