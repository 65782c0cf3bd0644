import Foundation
import HiveCore
import HiveRuntime
import SystemPackage

/// Serves a `TreeTable` over 9P2000.L to one client: the same table the FUSE
/// bridge serves, with the same modes, errnos and writes, for another host's
/// daemon (NineP.swift says what is spoken and why).
///
/// Decisions, stated once:
/// - Requests are taken one at a time, in order, on the connection's queue; a slow
///   source (a terminal's screen) or a refresh (git) answers later, from the
///   table's queues, so nothing waits on slow work. Replies may come in any order;
///   each carries its request's tag.
/// - A fid is a node and, once opened, the open file: rendered files are rendered
///   into it at open and again by a read from offset 0 (as the bridge's `direct_io`
///   handles); files on disk are read at the offset asked, as they are now.
/// - Every user of the link is the user running the daemon: the uid a write is
///   made as is the daemon's, as it is for the local mount.
/// - A file on disk opened with `NineP.follow` (a session's `events`, the root's)
///   is a stream: its reads are answered in order, each with what follows the last
///   answer (the first read's offset says where it starts), and a read at its end is
///   held until it grows. A client keeps several reads waiting, so what is added
///   while an answer travels is sent at once, not a round trip later. The file is
///   read again at every change of the tree (an event appended is announced) and,
///   for what grows unannounced (`log`), every `followCheckMS`. `following`
///   keeps answers of one fid in order.
///
/// Threads: `handle` runs on the connection's queue; `fids` is behind `lock`
/// because deferred replies touch it from other queues.
public final class NinePServer: @unchecked Sendable {
    let tree: TreeTable
    /// Sends one whole message to the client; callable from any thread.
    let send: @Sendable ([UInt8]) -> Void
    let uid: UInt32
    private let lock = NSLock()
    private var fids: [UInt32: Fid] = [:]
    private var paths: [TreeNode: UInt64] = [TreeNode.root: 1]
    private var nextPath: UInt64 = 2
    private var msize = NineP.maxMessage
    private let slow = DispatchQueue(label: "hivefs.link.slow", attributes: .concurrent)

    /// What a fid stands for. Its open state is behind its own lock (deferred
    /// replies touch it from other threads); `notices` and `held` are the server's,
    /// behind the server's lock.
    final class Fid: @unchecked Sendable {
        let node: TreeNode
        private let lock = NSLock()
        private var state = (opened: false, writing: false, follows: false, snapshot: [UInt8](), pending: [UInt8]())
        var opened: Bool { lock.withLock { state.opened } }
        var writing: Bool { lock.withLock { state.writing } }
        var follows: Bool { lock.withLock { state.follows } }
        var snapshot: [UInt8] { lock.withLock { state.snapshot } }
        var pending: [UInt8] { lock.withLock { state.pending } }
        func open(writing: Bool, follows: Bool = false) {
            lock.withLock { state.opened = true; state.writing = writing; state.follows = follows }
        }
        func setSnapshot(_ b: [UInt8]) { lock.withLock { state.snapshot = b } }
        func setPending(_ b: [UInt8]) { lock.withLock { state.pending = b } }
        /// The unfinished last line written to a file of lines (`queue`).
        private var lines = PromptLines()
        func takeLines(_ b: [UInt8]) throws(HiveError) -> [UInt8] {
            lock.lock(); defer { lock.unlock() }
            return try lines.take(b)
        }
        func finishLines() -> [UInt8]? { lock.withLock { lines.finish() } }
        /// `.notices`: lines not yet read, and the read waiting for the next ones.
        var notices: [String] = []
        var held: (tag: UInt16, count: Int)?
        /// A followed file's reads held at its end, in order: answered as it grows.
        var heldReads: [HeldRead] = []
        /// Where a followed file's next answer starts (set by its first read).
        var cursor: UInt64?
        init(node: TreeNode) { self.node = node }
    }

    /// Requests not answered yet, and the `Tflush` tags waiting for each: a flush is
    /// answered only after the request it names (9P's rule), or at once for a held
    /// read, which is dropped.
    private var unanswered: [UInt16: [UInt16]] = [:]

    /// The root's `.notices`: a file of the server's, not the table's (NineP.swift).
    static let noticesNode = TreeNode([".notices"], isDirectory: false)
    /// Lines kept for a reader who does not read; past it, `overflow` says read everything again.
    static let noticesKept = 10_000
    /// How often followed files are read again while a read waits at their end.
    static let followCheckMS = 1000
    /// Whether the check of followed files is scheduled; behind `lock`.
    private var checking = false
    /// Held while a followed file is read and its answer sent, so that its answers
    /// leave in order whichever thread sends them (taken before `lock`).
    private let following = NSLock()

    /// A read waiting at the end of a followed file.
    struct HeldRead {
        var tag: UInt16
        var path: String
        var count: Int
    }

    public init(tree: TreeTable, uid: UInt32 = getuid(), send: @escaping @Sendable ([UInt8]) -> Void) {
        self.tree = tree
        self.uid = uid
        self.send = send
    }

    /// Answers one whole message; a message that is none ends the link (thrown).
    public func handle(_ message: [UInt8]) throws(HiveError) {
        let (tag, decoded) = try NinePCodec.decodeRequest(message)
        guard case .message(let request) = decoded else {
            return reply(tag, .error(.notSupported))
        }
        if case .flush = request {} else { lock.withLock { unanswered[tag] = unanswered[tag] ?? [] } }
        serve(request, tag)
    }

    private func reply(_ tag: UInt16, _ response: NinePResponse) {
        send(NinePCodec.encode(response, tag: tag))
        let flushes = lock.withLock { unanswered.removeValue(forKey: tag) } ?? []
        for f in flushes { send(NinePCodec.encode(.flush, tag: f)) }
    }

    private func fail(_ tag: UInt16, _ error: HiveError) {
        reply(tag, .error(error.errno))
    }

    private func fid(_ n: UInt32) -> Fid? { lock.withLock { fids[n] } }

    private func qid(_ node: TreeNode, version: UInt64 = 0) -> Qid {
        let path = lock.withLock { () -> UInt64 in
            if let p = paths[node] { return p }
            defer { nextPath += 1 }
            paths[node] = nextPath
            return nextPath
        }
        return Qid(type: node.isDirectory ? Qid.directoryType : Qid.fileType,
                   version: UInt32(truncatingIfNeeded: version), path: path)
    }

    private func serve(_ request: NinePRequest, _ tag: UInt16) {
        switch request {
        case .version(let asked, let version):
            guard asked >= NineP.minMessage else {
                return fail(tag, .invalid("a message size of \(asked) bytes; at least \(NineP.minMessage)"))
            }
            lock.withLock {
                fids = [:]
                msize = min(asked, NineP.maxMessage)
            }
            reply(tag, .version(msize: min(asked, NineP.maxMessage), version: version == NineP.version ? NineP.version : "unknown"))
        case .attach(let f, _, _, _, _):
            guard lock.withLock({ fids[f] == nil }) else { return fail(tag, HiveError(.badFileDescriptor, "fid \(f) is in use")) }
            lock.withLock { fids[f] = Fid(node: .root) }
            reply(tag, .attach(qid(.root)))
        case .flush(let old):
            // A held read (of `.notices`, of a followed file) is dropped unanswered; a
            // request still being carried out is answered first, then the flush.
            let now = lock.withLock { () -> Bool in
                for fid in fids.values where fid.held?.tag == old || fid.heldReads.contains(where: { $0.tag == old }) {
                    if fid.held?.tag == old { fid.held = nil }
                    fid.heldReads.removeAll { $0.tag == old }
                    unanswered[old] = nil
                }
                guard unanswered[old] != nil else { return true }
                unanswered[old, default: []].append(tag)
                return false
            }
            if now { send(NinePCodec.encode(.flush, tag: tag)) }
        case .walk(let f, let newFid, let names):
            walk(f, newFid, names, tag)
        case .lopen(let f, let flags):
            open(f, flags, tag)
        case .getattr(let f, _):
            guard let fid = fid(f) else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(f)")) }
            attributes(fid.node, tag)
        case .setattr(let f, let a):
            let valid = a.valid, size = a.size
            // A truncation to 0 (`echo x > file` opens with O_TRUNC) is taken, as the bridge takes it.
            guard fid(f) != nil else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(f)")) }
            guard valid & ~UInt32(0x8 | 0x20 | 0x40 | 0x80 | 0x100) == 0, valid & NinePSetAttributes.size == 0 || size == 0 else {
                return fail(tag, HiveError(.notPermitted, "only a truncation to 0 is taken"))
            }
            reply(tag, .setattr)
        case .readdir(let f, let offset, let count):
            readdir(f, offset, count, tag)
        case .read(let f, let offset, let count):
            read(f, offset, count, tag)
        case .write(let f, let offset, let data):
            write(f, offset, data, tag)
        case .clunk(let f):
            let had = lock.withLock { fids.removeValue(forKey: f) }
            guard let had else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(f)")) }
            // Reads held on it are answered, not left waiting for ever.
            for r in lock.withLock({ () -> [HeldRead] in defer { had.heldReads = [] }; return had.heldReads }) {
                fail(r.tag, HiveError(.badFileDescriptor, "fid \(f) was clunked"))
            }
            // A file of lines gets its unfinished last line (a refusal is recorded there).
            if let last = had.finishLines(), case .file(let d)? = tree.describe(had.node), case .lines(let perform) = d.write {
                return perform(last, uid) { [self] _ in reply(tag, .clunk) }
            }
            reply(tag, .clunk)
        case .mkdir(let d, let name, _, _):
            mkdir(d, name, tag)
        case .unlinkat(let d, let name, let flags):
            unlink(d, name, flags, tag)
        case .statfs:
            reply(tag, .statfs(blockSize: 4096, nameLength: 255))
        }
    }

    // MARK: names

    private func walk(_ f: UInt32, _ newFid: UInt32, _ names: [String], _ tag: UInt16) {
        guard let start = fid(f) else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(f)")) }
        var node = start.node
        var qids: [Qid] = []
        for name in names {
            let next: TreeNode?
            if name == ".." {
                next = TreeNode(Array(node.names.dropLast()), isDirectory: true)
            } else if !NinePServer.isName(name) {
                next = nil
            } else if node == .root && name == ".notices" {
                next = NinePServer.noticesNode
            } else if node == .root && name.hasPrefix("@") {
                // Other hosts' trees are this host's view of them, not its own: never
                // served on (two hosts naming each other would loop).
                next = nil
            } else {
                // A symbolic link (the spool) is this host's disk: not served.
                next = node.isDirectory ? tree.lookup(node, name).flatMap { $0.isLink ? nil : $0 } : nil
            }
            guard let found = next else { break }
            node = found
            qids.append(qid(found))
        }
        // The first name not found is ENOENT; a walk cut short later says how far it went.
        if !names.isEmpty && qids.isEmpty { return fail(tag, .notFound(names[0])) }
        if qids.count == names.count {
            let taken = lock.withLock { () -> Bool in
                if newFid != f, fids[newFid] != nil { return false }
                fids[newFid] = Fid(node: node)
                return true
            }
            guard taken else { return fail(tag, HiveError(.badFileDescriptor, "fid \(newFid) is in use")) }
        }
        reply(tag, .walk(qids))
    }

    /// Whether a name from the wire can name a file of the tree, as one from the
    /// kernel can: not empty, '.' or '..', no '/' or NUL (a C string would end there
    /// and name another file), at most 255 bytes.
    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 255
            && !name.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "/") })
    }

    private func attributes(_ node: TreeNode, _ tag: UInt16) {
        if node == NinePServer.noticesNode {
            var a = NinePAttributes(qid: qid(node), mode: UInt32(S_IFREG) | 0o444)
            set(&a, .now())
            return reply(tag, .getattr(a))
        }
        switch tree.describe(node) {
        case nil:
            fail(tag, .notFound(node.description))
        case .link?:
            // A symbolic link points at this host's disk (the spool), which another host cannot reach: not served.
            fail(tag, .notFound(node.description))
        case .directory(let d)?:
            var a = NinePAttributes(qid: qid(node), mode: UInt32(S_IFDIR) | UInt32(d.mode.rawValue))
            a.nlink = 2
            set(&a, d.mtime)
            reply(tag, .getattr(a))
        case .file(let d)?:
            let sized: @Sendable (UInt64, Timestamp, UInt64) -> Void = { [self] size, mtime, version in
                var a = NinePAttributes(qid: qid(node, version: version), mode: UInt32(S_IFREG) | UInt32(d.mode.rawValue))
                a.size = size
                a.dataVersion = version
                set(&a, mtime)
                reply(tag, .getattr(a))
            }
            switch d.source {
            case .disk(let path):
                guard let st = Sys.stat(path) else { return fail(tag, .notFound(node.description)) }
                let ms = Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000
                sized(UInt64(st.st_size), Timestamp(milliseconds: ms), UInt64(st.st_size))
            case .rendered(let render), .refreshed(let render, _):
                guard let c = render(.stat) else { return fail(tag, .notFound(node.description)) }
                sized(UInt64(c.bytes.count), c.mtime, c.version)
            case .slow(let render):
                slow.async { [self] in
                    guard let c = render(.stat) else { return fail(tag, .notFound(node.description)) }
                    sized(UInt64(c.bytes.count), c.mtime, c.version)
                }
            case .remote(let file):
                file.attributes { [self] r in
                    switch r {
                    case .success(let a): sized(UInt64(a.size), a.mtime, a.version)
                    case .failure(let e): fail(tag, e)
                    }
                }
            }
        }
    }

    private func set(_ a: inout NinePAttributes, _ t: Timestamp) {
        a.mtimeSeconds = UInt64(max(0, t.milliseconds / 1000))
        a.mtimeNanoseconds = UInt64(max(0, t.milliseconds % 1000)) * 1_000_000
        a.uid = uid
        a.gid = getgid()
    }

    private func readdir(_ f: UInt32, _ offset: UInt64, _ count: UInt32, _ tag: UInt16) {
        guard let fid = fid(f) else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(f)")) }
        guard let all = tree.listing(fid.node) else { return fail(tag, HiveError(.notDirectory, fid.node.description)) }
        // Other hosts' trees are not passed on; nor are symbolic links (the spool), whose
        // targets are paths of this host's disk.
        let nodes = all.filter { !($0.names.count == 1 && $0.names[0].hasPrefix("@")) && !$0.isLink }
        var entries: [NinePDirectoryEntry] = []
        var used = 0
        // The answer fits the message size agreed, whatever count asks (Rreaddir's header is 11 bytes).
        let room = Int(min(count, msizeNow() - 11))
        for (i, node) in nodes.enumerated().dropFirst(Int(min(offset, UInt64(nodes.count)))) {
            let name = node.names.last ?? ""
            let size = 13 + 8 + 1 + 2 + name.utf8.count
            guard used + size <= room else { break }
            used += size
            entries.append(NinePDirectoryEntry(qid: qid(node), next: UInt64(i + 1), type: node.isDirectory ? 4 : 8, name: name))
        }
        reply(tag, .readdir(entries))
    }

    // MARK: files

    private func open(_ f: UInt32, _ flags: UInt32, _ tag: UInt16) {
        guard let fid = fid(f) else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(f)")) }
        let accmode = Int32(bitPattern: flags) & O_ACCMODE
        let iounit = msizeNow() - 24
        if fid.node == NinePServer.noticesNode {
            guard accmode == O_RDONLY else { return fail(tag, .denied("read-only file")) }
            fid.open(writing: false)
            return reply(tag, .lopen(qid(fid.node), iounit: iounit))
        }
        switch tree.describe(fid.node) {
        case nil:
            fail(tag, .notFound(fid.node.description))
        case .link?:
            fail(tag, .notFound(fid.node.description))
        case .directory?:
            guard accmode == O_RDONLY else { return fail(tag, HiveError(.isDirectory, fid.node.description)) }
            fid.open(writing: false)
            reply(tag, .lopen(qid(fid.node), iounit: iounit))
        case .file(let d)?:
            if accmode != O_RDONLY && !d.mode.isWritable { return fail(tag, .denied("read-only file")) }
            let follows = flags & NineP.follow != 0
            if follows {
                guard case .disk = d.source, accmode == O_RDONLY else {
                    return fail(tag, .invalid("only a file that grows (events, log) can be followed, and only read"))
                }
            }
            fid.open(writing: accmode != O_RDONLY, follows: follows)
            let done: @Sendable (FileContent?) -> Void = { [self] c in
                if let c { fid.setSnapshot(c.bytes) }
                reply(tag, .lopen(qid(fid.node), iounit: iounit))
            }
            switch d.source {
            case .disk(let path):
                guard Sys.stat(path) != nil else { return fail(tag, .notFound(fid.node.description)) }
                done(nil)
            case .rendered(let render):
                done(accmode == O_WRONLY ? nil : render(.read))
            case .slow(let render):
                slow.async { done(render(.read)) }
            case .refreshed(let render, let refresh):
                refresh { done(render(.read)) }
            case .remote(let file):
                file.attributes { [self] r in
                    if case .failure(let e) = r { return fail(tag, e) }
                    done(nil)
                }
            }
        }
    }

    private func msizeNow() -> UInt32 { lock.withLock { msize } }

    private func read(_ f: UInt32, _ offset: UInt64, _ count: UInt32, _ tag: UInt16) {
        guard let fid = fid(f), fid.opened else { return fail(tag, HiveError(.badFileDescriptor, "fid \(f) is not open")) }
        let count = Int(min(count, msizeNow() - 24))
        if fid.node == NinePServer.noticesNode { return readNotices(fid, count, tag) }
        guard case .file(let d)? = tree.describe(fid.node) else { return fail(tag, .notFound(fid.node.description)) }
        let slice: @Sendable () -> Void = { [self] in
            let s = fid.snapshot
            let from = Int(min(offset, UInt64(s.count)))
            reply(tag, .read(Array(s[from..<min(s.count, from + count)])))
        }
        switch d.source {
        case .disk(let path):
            if fid.follows { return follow(fid, HeldRead(tag: tag, path: path, count: count), from: offset) }
            do throws(HiveError) {
                reply(tag, .read(try NinePServer.read(path, offset: offset, count: count)))
            } catch {
                fail(tag, error)
            }
        case .rendered(let render):
            // A read from the start sees the file as it is now.
            if offset == 0, let c = render(.read) { fid.setSnapshot(c.bytes) }
            slice()
        case .refreshed(let render, let refresh):
            if offset == 0, let c = render(.read) { fid.setSnapshot(c.bytes) }
            if offset == 0 { refresh {} }
            slice()
        case .remote(let file):
            file.read(offset: Int64(clamping: offset), count: count) { [self] r in
                switch r {
                case .success(let bytes): reply(tag, .read(bytes))
                case .failure(let e): fail(tag, e)
                }
            }
        case .slow(let render):
            guard offset == 0 else { return slice() }
            slow.async {
                if let c = render(.read) { fid.setSnapshot(c.bytes) }
                slice()
            }
        }
    }

    private func write(_ f: UInt32, _ offset: UInt64, _ data: [UInt8], _ tag: UInt16) {
        guard let fid = fid(f), fid.opened, fid.writing else { return fail(tag, HiveError(.badFileDescriptor, "fid \(f) is not open for writing")) }
        guard case .file(let d)? = tree.describe(fid.node) else { return fail(tag, .notFound(fid.node.description)) }
        let count = UInt32(data.count)
        switch d.write {
        case .none:
            fail(tag, .denied("read-only file"))
        case .commands(let perform):
            perform(data, uid) { [self] err in
                if let err { fail(tag, err) } else { reply(tag, .write(count: count)) }
            }
        case .lines(let perform):
            let complete: [UInt8]
            do throws(HiveError) { complete = try fid.takeLines(data) } catch { return fail(tag, error) }
            guard !complete.isEmpty else { return reply(tag, .write(count: count)) }
            perform(complete, uid) { [self] err in
                if let err { fail(tag, err) } else { reply(tag, .write(count: count)) }
            }
        case .value(let perform):
            // Written whole from the start, in one write or several that go on where the last ended.
            guard offset == UInt64(fid.pending.count) || offset == 0 else {
                return fail(tag, .invalid("spec files are written whole, from the start"))
            }
            let value = (offset == 0 ? [] : fid.pending) + data
            perform(value, uid) { [self] err in
                if let err { return fail(tag, err) }
                fid.setPending(value)
                reply(tag, .write(count: count))
            }
        }
    }

    /// Bytes of a file on disk at an offset, as it is now.
    private static func read(_ path: String, offset: UInt64, count: Int) throws(HiveError) -> [UInt8] {
        do throws(Errno) {
            let fd = try Sys.openRead(path)
            defer { try? fd.close() }
            return try Sys.pread(fd.rawValue, count: count, offset: Int64(clamping: offset))
        } catch {
            throw error == .tooManySymbolicLinkLevels ? .io("\(path) is a symbolic link") : error.hive("read failed")
        }
    }

    // MARK: followed files

    /// ESTALE when a followed file is shorter than the offset read: it was made anew
    /// (a state directory replaced), and what it holds now is not what was read.
    private static func shrunk(_ path: String, below offset: UInt64) -> HiveError? {
        guard let st = Sys.stat(path), UInt64(max(0, st.st_size)) < offset else { return nil }
        return HiveError(.staleNFSFileHandle, "\(path) has \(st.st_size) bytes, fewer than the \(offset) read: it was made anew")
    }

    /// Takes a read of a followed file: after those waiting, in order; answered at
    /// once when the file has more than was sent, else held.
    private func follow(_ fid: Fid, _ read: HeldRead, from offset: UInt64) {
        let schedule = lock.withLock { () -> Bool in
            if fid.cursor == nil { fid.cursor = offset }
            fid.heldReads.append(read)
            defer { checking = true }
            return !checking
        }
        if schedule { slow.asyncAfter(deadline: .now() + .milliseconds(NinePServer.followCheckMS)) { [weak self] in self?.tick() } }
        answerFollowed(fid)
    }

    /// Reads the followed files again every `followCheckMS` while a read waits.
    private func tick() {
        checkFollowed()
        let again = lock.withLock { () -> Bool in
            checking = fids.values.contains { !$0.heldReads.isEmpty }
            return checking
        }
        if again { slow.asyncAfter(deadline: .now() + .milliseconds(NinePServer.followCheckMS)) { [weak self] in self?.tick() } }
    }

    /// Answers the held reads of every followed file that has grown.
    private func checkFollowed() {
        for fid in lock.withLock({ fids.values.filter { !$0.heldReads.isEmpty } }) { answerFollowed(fid) }
    }

    /// Answers a followed file's waiting reads, in order, while it has more than was
    /// sent; one that shrank below what was sent (made anew) fails them all, ESTALE.
    private func answerFollowed(_ fid: Fid) {
        following.lock()
        defer { following.unlock() }
        while let (r, at) = lock.withLock({ () -> (HeldRead, UInt64)? in
            guard let first = fid.heldReads.first, let at = fid.cursor else { return nil }
            return (first, at)
        }) {
            let bytes: [UInt8]
            do throws(HiveError) {
                bytes = try NinePServer.read(r.path, offset: at, count: r.count)
            } catch {
                return failFollowed(fid, error)
            }
            if bytes.isEmpty {
                if let shrunk = NinePServer.shrunk(r.path, below: at) { failFollowed(fid, shrunk) }
                return
            }
            // Still waiting (not flushed meanwhile): answered here, and the cursor moves on.
            let mine = lock.withLock { () -> Bool in
                guard fid.heldReads.first?.tag == r.tag else { return false }
                fid.heldReads.removeFirst()
                fid.cursor = at + UInt64(bytes.count)
                return true
            }
            if mine { reply(r.tag, .read(bytes)) }
        }
    }

    /// Fails every read waiting on a followed file; call holding `following`.
    private func failFollowed(_ fid: Fid, _ error: HiveError) {
        for r in lock.withLock({ () -> [HeldRead] in defer { fid.heldReads = [] }; return fid.heldReads }) { fail(r.tag, error) }
    }

    // MARK: notices

    /// Passes a change of the tree to the readers of `.notices`: a line each
    /// (`changed SESSION`, `changed *`, `attributes PATH`, `name PATH`).
    public func heard(_ notice: TreeNotice) {
        let line: String
        switch notice {
        case .changed(let group?) where group.hasPrefix("@"): return  // another host's, not served on
        case .attributesChanged(let node) where node.names.first?.hasPrefix("@") == true: return
        case .nameChanged(let dir, let name) where (dir.names.first ?? name).hasPrefix("@"): return
        case .changed(let group): line = "changed " + (group ?? "*")
        case .attributesChanged(let node): line = "attributes /" + node.names.joined(separator: "/")
        case .nameChanged(let dir, let name): line = "name /" + (dir.names + [name]).joined(separator: "/")
        }
        let answers = lock.withLock { () -> [(UInt16, [UInt8])] in
            var out: [(UInt16, [UInt8])] = []
            for fid in fids.values where fid.node == NinePServer.noticesNode && fid.opened {
                fid.notices.append(line)
                if fid.notices.count > NinePServer.noticesKept { fid.notices = ["overflow"] }
                if let held = fid.held {
                    fid.held = nil
                    out.append((held.tag, takeNotices(fid, held.count)))
                }
            }
            return out
        }
        for (tag, bytes) in answers { reply(tag, .read(bytes)) }
        checkFollowed()
    }

    /// A read of `.notices`: the lines waiting, or held until there are some.
    private func readNotices(_ fid: Fid, _ count: Int, _ tag: UInt16) {
        var older: UInt16?
        let bytes = lock.withLock { () -> [UInt8]? in
            if fid.notices.isEmpty {
                older = fid.held?.tag
                fid.held = (tag, count)
                return nil
            }
            return takeNotices(fid, count)
        }
        // One read is held per fid: an older one is told so, not left unanswered.
        if let older { fail(older, .busy("a newer read of .notices took its place")) }
        if let bytes { reply(tag, .read(bytes)) }
    }

    /// Whole lines, as many as `count` bytes hold (at least one); call under `lock`.
    private func takeNotices(_ fid: Fid, _ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        while let first = fid.notices.first, out.isEmpty || out.count + first.utf8.count + 1 <= count {
            out += Array(first.utf8) + [0x0A]
            fid.notices.removeFirst()
        }
        return out
    }

    // MARK: directories

    private func mkdir(_ d: UInt32, _ name: String, _ tag: UInt16) {
        guard let dir = fid(d) else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(d)")) }
        guard NinePServer.isName(name) else { return fail(tag, .invalid("'\(Text.printable(name))' is no name")) }
        guard case .directory(let desc)? = tree.describe(dir.node), let make = desc.make else {
            return fail(tag, .denied("no directory can be made here"))
        }
        do throws(HiveError) {
            reply(tag, .mkdir(qid(try make(name, uid))))
        } catch {
            fail(tag, error)
        }
    }

    private func unlink(_ d: UInt32, _ name: String, _ flags: UInt32, _ tag: UInt16) {
        guard let dir = fid(d) else { return fail(tag, HiveError(.badFileDescriptor, "no fid \(d)")) }
        guard NinePServer.isName(name), let node = tree.lookup(dir.node, name) else { return fail(tag, .notFound(Text.printable(name))) }
        guard flags & NineP.removeDirectory != 0 else { return fail(tag, HiveError(.notPermitted, "hivefs never deletes files")) }
        guard node.isDirectory, case .directory(let desc)? = tree.describe(node) else { return fail(tag, HiveError(.notDirectory, name)) }
        switch desc.removal {
        case .refused(let e):
            fail(tag, e)
        case .remove(let remove):
            remove(uid) { [self] err in
                if let err { fail(tag, err) } else { reply(tag, .unlinkat) }
            }
        }
    }
}
