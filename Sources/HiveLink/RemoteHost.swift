import Foundation
import HiveCore
import HiveRuntime
import Logging

/// One other host under `@NAME`: its link, the mirror of its directories, and
/// the descriptions of its nodes (HostsTable.swift says what is decided and why).
///
/// Threads: the mirror is refreshed on `refreshing`, one directory at a time, in
/// order; requests for contents and writes (and the attributes of files that change
/// unannounced) each run on a queue of their own (`io`: they wait for the link, at
/// most its timeout), never on the caller's thread; other attributes are answered
/// from the mirror at once.
public final class RemoteHost: @unchecked Sendable {
    public let name: String
    public let link: LinkClient
    let mirror = Mirror()
    let log: Logger
    /// Its sessions as its root `status.json` last said (RemoteSessions.swift).
    let seen = SessionsSeen()
    /// Where its `status.json` is read, one read at a time. A serial queue of its
    /// own, so that it has a thread of its own while it waits on the link: blocked
    /// work on the shared concurrent pool runs only as many at once as there are
    /// cores, and four hosts would be asked two at a time.
    let sessionsQueue: DispatchQueue
    /// Its root `events`, followed into this host's (nil: not followed).
    let events: RemoteEvents?
    private let announce: @Sendable (TreeNotice) -> Void
    private let refreshing: DispatchQueue
    /// Where one request that waits on the link runs: a serial queue of its own
    /// each time, so each has a thread while it waits (the shared concurrent pool
    /// runs only as many blocked items at once as there are cores, and the rest of
    /// the daemon's work would wait behind them).
    var io: DispatchQueue { DispatchQueue(label: "hivefs.host.\(name).io") }
    /// Directories whose refresh is asked for and not begun (`[]` for the root and
    /// all); asked for again meanwhile, a refresh runs once.
    private let lock = NSLock()
    private var dirty: Set<[String]> = []
    private var scheduled = false
    /// The delay before the mirror is read again after a failure: 0.5 s to 30 s.
    private var retryMS = 500

    init(name: String, link: LinkClient, log: Logger, events: HostEvents?, announce: @escaping @Sendable (TreeNotice) -> Void) {
        self.name = name
        self.link = link
        self.log = log
        self.events = events.map { RemoteEvents(host: name, link: link, sink: $0, log: log) }
        self.announce = announce
        refreshing = DispatchQueue(label: "hivefs.host.\(name)")
        sessionsQueue = DispatchQueue(label: "hivefs.host.\(name).sessions")
    }

    /// The group changes of the far side's session `s` are announced under here.
    func group(_ s: String?) -> String { "@" + name + (s.map { "/" + $0 } ?? "") }

    func start() {
        link.onState = { [weak self] state in
            guard let self else { return }
            // Up: everything read again. Down: read again too, which fails until the
            // link is back and so tries with a growing delay: it comes back by itself.
            ask([])
            if case .up = state { events?.start() }
            announce(.changed(group: group(nil)))
        }
        link.onNotice = { [weak self] line in self?.heard(line) }
        ask([])
    }

    /// Asks for a directory to be read again (`[]`: the root and every directory),
    /// merged with what is asked already.
    private func ask(_ path: [String], announcing: TreeNotice? = nil) {
        let run = lock.withLock { () -> Bool in
            dirty.insert(path)
            defer { scheduled = true }
            return !scheduled
        }
        guard run else { return }
        refreshing.async { [self] in drain() }
    }

    /// Reads what was asked for; when the link fails, tries again after a delay
    /// (which grows to 30 s), so the mirror catches up by itself once it is back.
    private func drain() {
        let paths = lock.withLock { () -> Set<[String]> in
            defer { dirty = []; scheduled = false }
            return dirty
        }
        var ok = true
        if paths.contains([]) {
            ok = refreshAll()
            if ok { announce(.changed(group: nil)) }
        } else {
            for p in paths.sorted(by: { $0.count < $1.count }) {
                if refresh(p) == nil { ok = false; continue }
                if let s = p.first {
                    mirror.bump(s)
                    announce(.changed(group: group(s)))
                }
            }
            // The root's files (its status, its events) show every session: their
            // sizes are read again with any session's change.
            if ok, refresh([]) == nil { ok = false }
        }
        if ok {
            lock.withLock { retryMS = 500 }
            return
        }
        let wait = lock.withLock { () -> Int in
            defer { retryMS = min(retryMS * 2, 30_000) }
            for p in paths { dirty.insert(p) }
            scheduled = true
            return retryMS
        }
        refreshing.asyncAfter(deadline: .now() + .milliseconds(wait)) { [weak self] in self?.drain() }
    }

    func stop() {
        events?.stop()
        link.stop()
    }

    // MARK: the mirror

    /// Reads the far side's root and each of its directories again; the root's
    /// names are shown once what is under them is known.
    @discardableResult
    private func refreshAll() -> Bool {
        let root: [Mirror.Entry]
        do throws(HiveError) {
            root = try link.list([])
        } catch {
            log.warning("@\(name): cannot read its root: \(error.errnoName) \(error.reason)")
            return false
        }
        for e in root where e.isDirectory { refresh([e.name]) }
        mirror.set([], root)
        mirror.bumpAll()
        return true
    }

    /// Reads one directory of the far side into the mirror; nil when the link failed
    /// (a directory gone there is gone here, and counts as read).
    @discardableResult
    private func refresh(_ path: [String]) -> [Mirror.Entry]? {
        do throws(HiveError) {
            // A session's log and screen are asked for at each stat: not here, where the
            // screen's attributes would cost a capture of the terminal there at every change.
            let entries = try link.list(path, unasked: path.count == 1 ? RemoteHost.unannounced : [])
            mirror.set(path, entries)
            return entries
        } catch {
            if error.errno == .noSuchFileOrDirectory, !path.isEmpty {
                // Gone there (a session removed): gone here, and its parent read again.
                mirror.remove(path)
                ask(Array(path.dropLast()))
                return []
            }
            log.warning("@\(name): cannot read /\(path.joined(separator: "/")): \(error.errnoName) \(error.reason)")
            return nil
        }
    }

    /// A line of the far side's `.notices`: what it names is read again, and its
    /// sessions are asked for again at the next open of the root `status`.
    private func heard(_ line: String) {
        seen.outdate()
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        // Only a directory known here is read alone: a far side cannot grow the mirror
        // with names it never listed.
        if words.count == 2, words[0] == "changed", mirror.kind([words[1]]) == true {
            ask([words[1]])
        } else {
            // `changed *`, a name that stands for something else, `overflow`: read everything again.
            ask([])
        }
    }

    // MARK: descriptions

    func describe(_ path: [String], node: TreeNode) -> NodeDescription? {
        if path.isEmpty {
            // mkdir @NAME/S: a session made there, as `mkdir` there would, answered
            // from `io` once it is (a server that cannot answer later waits for it).
            return .directory(DirectoryDescription(mtime: .now(), cache: .never, make: { [self] dir, _ throws(HiveError) in
                try makeSession(dir, node)
            }, makeLater: { [self] dir, _, done in
                io.async { [self] in
                    do throws(HiveError) { done(.success(try makeSession(dir, node))) } catch { done(.failure(error)) }
                }
            }, removal: .refused(.busy("@\(name) is another host: remove it with `host remove \(name)` in the root control"))))
        }
        // The host's own `status` says why the link is down, and since when, even
        // before anything of it is known.
        if path == ["status"], case .down(let reason, let since) = link.state {
            let text = "host \(name): link down since \(since.rfc3339): \(reason)\n"
            return .file(FileDescription(mode: .readOnly, source: .rendered { _ in FileContent(bytes: Array(text.utf8), mtime: since) },
                                         cache: .never))
        }
        guard let entry = mirror.entry(path) else { return nil }
        if entry.isDirectory {
            return .directory(DirectoryDescription(mode: FileMode(rawValue: entry.mode), mtime: .now(), cache: .never,
                                                   removal: .remove { [self] _, done in
                io.async { [self] in
                    do throws(HiveError) {
                        try link.rmdir(path)
                        ask(Array(path.dropLast()))
                        done(nil)
                    } catch {
                        done(error)
                    }
                }
            }))
        }
        let session = path.count > 1 ? path[0] : nil
        let mode = FileMode(rawValue: entry.mode)
        let announced = !(path.count == 2 && RemoteHost.unannounced.contains(path[1]))
        let file = RemoteFileReference(host: self, path: path, session: session, announced: announced)
        return .file(FileDescription(mode: mode, source: .remote(file), cache: .never,
                                     poll: PollCounter(group: group(session)) { [mirror] in mirror.version(session) },
                                     write: writes(path, mode: mode)))
    }

    /// Makes session `dir` there (at most a write's timeout), and reads it and the
    /// root into the mirror before answering, so the new directory can be looked up
    /// at once.
    private func makeSession(_ dir: String, _ root: TreeNode) throws(HiveError) -> TreeNode {
        try link.mkdir([dir])
        refresh([dir])
        refresh([])
        return root.child(dir, isDirectory: true)
    }

    /// The files of a session that change with no change announced there (the
    /// terminal's log grows, the screen is captured when read): their attributes and
    /// their end are always asked for over the link.
    static let unannounced: Set<String> = [SessionFile.log.rawValue, SessionFile.screen.rawValue, SessionFile.screenANSI.rawValue]

    private func writes(_ path: [String], mode: FileMode) -> WriteKind {
        guard mode.isWritable else { return .none }
        let perform: Perform = { [self] bytes, _, done in
            io.async { [self] in
                do throws(HiveError) {
                    try link.write(path, bytes)
                    // Taken there: the next root `status` asks again, not the answer before it.
                    seen.outdate()
                    done(nil)
                } catch {
                    done(error)
                }
            }
        }
        switch path.last {
        case "control": return .commands(perform)
        // Complete lines only, assembled here as there.
        case SessionFile.queue.rawValue: return .lines(perform)
        default: return .value(perform)
        }
    }

    /// Runs `body` on the I/O queue and hands its outcome to `done`.
    fileprivate func async<T: Sendable>(_ body: @escaping @Sendable () throws(HiveError) -> T,
                                        _ done: @escaping @Sendable (Result<T, HiveError>) -> Void) {
        io.async {
            do throws(HiveError) { done(.success(try body())) } catch { done(.failure(error)) }
        }
    }
}

/// A file of a host's tree: its attributes from the mirror (those of files that
/// change unannounced from the link), its start fetched by an open in one round
/// trip, the rest read through the link.
struct RemoteFileReference: RemoteFile {
    let host: RemoteHost
    let path: [String]
    /// The session it is of (nil: the root's), whose announced changes move `version`.
    let session: String?
    let announced: Bool

    var version: UInt64 { host.mirror.version(session) }

    func open(_ done: @escaping @Sendable (Result<RemoteSnapshot, HiveError>) -> Void) {
        // Taken before the fetch: a change announced during it counts as one since.
        let version = version
        host.async({ [host, path] () throws(HiveError) -> RemoteSnapshot in
            let (bytes, whole) = try host.link.fetch(path)
            return RemoteSnapshot(bytes: bytes, whole: whole, version: version)
        }, done)
    }

    func attributes(_ done: @escaping @Sendable (Result<RemoteAttributes, HiveError>) -> Void) {
        guard announced else {
            return host.async({ [host, path] () throws(HiveError) -> RemoteAttributes in
                let a = try host.link.stat(path)
                return RemoteAttributes(size: Int(clamping: a.size), mtime: Mirror.Entry.time(a), version: a.dataVersion)
            }, done)
        }
        guard let e = host.mirror.entry(path), !e.isDirectory else {
            return done(.failure(.notFound("\(host.name): /\(path.joined(separator: "/"))")))
        }
        done(.success(RemoteAttributes(size: e.size, mtime: e.mtime, version: e.dataVersion)))
    }

    func read(offset: Int64, count: Int, _ done: @escaping @Sendable (Result<[UInt8], HiveError>) -> Void) {
        host.async({ [host, path] () throws(HiveError) -> [UInt8] in
            try host.link.read(path, offset: offset, count: count)
        }, done)
    }
}

/// The far side's directories as last read: names, kinds, modes, and each file's
/// size and time, and a change counter per session for poll() and for reads of
/// snapshots. Any thread; behind its lock.
final class Mirror: @unchecked Sendable {
    struct Entry: Sendable, Equatable {
        var name: String
        var isDirectory: Bool
        var mode: UInt16
        /// A file's size, modification time and change counter there, as of the
        /// listing (0 and the epoch for a directory).
        var size: Int = 0
        var mtime = Timestamp(milliseconds: 0)
        var dataVersion: UInt64 = 0
    }

    private let lock = NSLock()
    private var directories: [[String]: [Entry]] = [:]
    private var versions: [String: UInt64] = [:]
    /// Added to every counter: moved when everything is read again.
    private var epoch: UInt64 = 0

    func set(_ path: [String], _ entries: [Entry]) { lock.withLock { directories[path] = entries } }

    func remove(_ path: [String]) {
        lock.withLock { directories = directories.filter { !$0.key.starts(with: path) } }
    }

    func listing(_ path: [String]) -> [Entry]? { lock.withLock { directories[path] } }

    func entry(_ path: [String]) -> Entry? {
        guard let last = path.last else { return nil }
        return lock.withLock { directories[Array(path.dropLast())]?.first { $0.name == last } }
    }

    /// Whether the node is a directory; nil when the mirror knows no such node.
    func kind(_ path: [String]) -> Bool? { entry(path)?.isDirectory }

    /// Whether anything of the root is known.
    var knowsRoot: Bool { lock.withLock { directories[[]] != nil } }

    /// A session's files changed; so did the root's, which show every session.
    func bump(_ session: String) {
        lock.withLock {
            versions[session, default: 0] &+= 1
            versions["", default: 0] &+= 1
        }
    }

    /// Everything was read again: any file may have changed.
    func bumpAll() { lock.withLock { epoch &+= 1 } }

    /// The counter of a session's files (the root's when nil).
    func version(_ session: String?) -> UInt64 { lock.withLock { versions[session ?? "", default: 0] &+ epoch } }
}

extension Mirror.Entry {
    /// An entry of a listing, with the attributes its getattr answered (nil: none,
    /// and the file is shown read-only).
    init(_ e: NinePDirectoryEntry, attributes a: NinePAttributes?) {
        if e.qid.isDirectory {
            self.init(name: e.name, isDirectory: true, mode: 0o755)
        } else if let a {
            self.init(name: e.name, isDirectory: false, mode: UInt16(a.mode & 0o777), size: Int(clamping: a.size),
                      mtime: Mirror.Entry.time(a), dataVersion: a.dataVersion)
        } else {
            self.init(name: e.name, isDirectory: false, mode: 0o444)
        }
    }

    /// The modification time a getattr answered; the far side's numbers, whatever
    /// they are, never trap here: clamped to what a stat can say.
    static func time(_ a: NinePAttributes) -> Timestamp {
        let seconds = Int64(min(a.mtimeSeconds, UInt64(Int64.max / 1000 - 1)))
        return Timestamp(milliseconds: seconds * 1000 + Int64(min(a.mtimeNanoseconds, 999_999_999) / 1_000_000))
    }
}
