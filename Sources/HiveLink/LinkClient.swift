import Foundation
import HiveCore
import HiveRuntime
import Logging
import SystemPackage

/// One link to another host's daemon: a command that speaks 9P2000.L on its stdin
/// and stdout (`ssh DEST hivefs serve --stdio`), and the requests sent over it.
///
/// Decisions, stated once:
/// - One connection at a time. It is made when asked for and made again, with a
///   backoff from 0.5 s to 30 s, after it drops; meanwhile every request fails at
///   once with ENOTCONN and the reason (what ssh said, the exit status), so nothing
///   waits on a link that is down.
/// - A request not answered within `timeoutMS` (a write, mkdir or rmdir: 2 minutes,
///   as it is answered once it has taken effect) fails with ENOTCONN, and the link
///   is closed and made again; ssh's keepalive ends a cut link in 10 to 15 s.
/// - The far side's errors come back as its errno (`Rlerror`), with the host in
///   the reason.
/// - `.notices` is read for as long as the link is up; each line goes to `onNotice`.
/// - The requests of one operation (walk, the operation, clunk) leave in one write
///   (`Connection.sendAll`), which ssh carries in one packet: in several, Nagle's
///   algorithm would hold all but the first for the far side's acknowledgement.
///
/// Threads: a request (`read`, `write`, `stat`, …) blocks its caller (never a FUSE worker) until the answer; the
/// reader thread of each connection hands answers to their callers; `lock` guards
/// the connection, the pending requests and the state.
public final class LinkClient: @unchecked Sendable {
    /// How the link stands.
    public enum State: Equatable, Sendable {
        case down(reason: String, since: Timestamp)
        case up(since: Timestamp)
    }

    public let name: String
    public let command: [String]
    let log: Logger
    let timeoutMS: Int
    private let lock = NSLock()
    /// Held while a connection is being made, so only one is (the others wait for it).
    private let connecting = NSLock()
    private var stopped = false
    private var connection: Connection?
    private var current: State
    private var nextTag: UInt16 = 1
    private var nextFid: UInt32 = 2
    private var backoffMS = 500
    private var retryAfterMS: Int64 = 0
    /// Lines of the far side's `.notices`, from the connection's reader thread.
    public var onNotice: (@Sendable (String) -> Void)?
    /// Every change of `state`.
    public var onState: (@Sendable (State) -> Void)?

    /// How long a write, a mkdir or an rmdir may take there.
    static let slowTimeoutMS = 120_000

    public init(name: String, command: [String], logger: Logger, timeoutMS: Int = 5000) {
        self.name = name
        self.command = command
        self.log = logger
        self.timeoutMS = timeoutMS
        current = .down(reason: "not connected yet", since: .now())
    }

    public var state: State { lock.withLock { current } }

    // MARK: requests

    /// A fid no other request of this client holds.
    public func newFid() -> UInt32 {
        lock.withLock {
            defer { nextFid = nextFid == UInt32.max - 1 ? 2 : nextFid + 1 }
            return nextFid
        }
    }

    /// Walks a fid of its own to `path`, sends `ops` on it and clunks it, all at
    /// once (the far side takes a link's requests in order): one round trip; connects
    /// first if need be. A walk cut short is ENOENT; the first refusal of `ops` is its
    /// errno; a link that is down, or gives no answer in time, is ENOTCONN with the
    /// reason. What is answered once it has taken effect there (`slow`: a write, a
    /// mkdir, an rmdir) may take long; a cut link ends it anyway (ssh's keepalive).
    private func on(_ path: [String], slow: Bool = false, _ ops: (UInt32) -> [NinePRequest]) throws(HiveError) -> [NinePResponse] {
        let fid = newFid()
        let requests = [NinePRequest.walk(fid: 0, newFid: fid, names: path)] + ops(fid) + [.clunk(fid: fid)]
        let c = try connected()
        let answers = try c.askAll(requests, timeoutMS: slow ? LinkClient.slowTimeoutMS : timeoutMS)
        if case .failure(let e) = answers[0] { throw e }
        guard case .success(.walk(let qids)) = answers[0], qids.count == path.count else {
            if case .success(.error(let e)) = answers[0], e != .noSuchFileOrDirectory { throw refusal(e) }
            throw .notFound("\(name): /\(path.joined(separator: "/"))")
        }
        var out: [NinePResponse] = []
        for a in answers.dropFirst().dropLast() {
            switch a {
            case .success(.error(let e)): throw refusal(e)
            case .success(let r): out.append(r)
            case .failure(let e): throw e
            }
        }
        return out
    }

    /// The far side's errno, as its refusal here. One no system call returns (0,
    /// negative, 512 and up: the kernel would refuse it from FUSE and leave the
    /// caller waiting) is EIO, saying which it was.
    private func refusal(_ e: Errno) -> HiveError {
        guard (1..<512).contains(e.rawValue) else { return HiveError(.ioError, "\(name) answered errno \(e.rawValue), which is none") }
        return HiveError(e, "\(name): \(String(cString: strerror(e.rawValue)))")
    }

    /// A far side that breaks the protocol in a message that decodes (a listing
    /// that never ends, more bytes than asked): the link is closed with `reason`,
    /// which `@NAME/status` shows, and the request fails with ENOTCONN.
    private func fault(_ reason: String) -> HiveError {
        lock.withLock { connection }?.close(because: reason)
        return HiveError(.socketNotConnected, reason)
    }

    /// The whole of a file of the far side's tree: one round trip for up to 1 MiB
    /// (a read shorter than asked is its end); EFBIG past `wholeLimit`.
    public func read(_ path: [String]) throws(HiveError) -> [UInt8] {
        var out: [UInt8] = []
        let most = 1 << 20
        while true {
            let chunk = try read(path, offset: Int64(out.count), count: most)
            out += chunk
            if chunk.count < most { return out }
            guard out.count < LinkClient.wholeLimit else {
                throw HiveError(.fileTooLarge, "\(name): /\(path.joined(separator: "/")) is over \(LinkClient.wholeLimit >> 20) MiB")
            }
        }
    }

    /// The most a whole read takes in (a far side that never ends a file is cut there).
    static let wholeLimit = 64 << 20
    /// The most entries a directory of the far side may list.
    static let listingLimit = 100_000

    /// Writes `bytes` to a file of the far side's tree in one write, as `echo` does:
    /// answered once it has taken effect there.
    public func write(_ path: [String], _ bytes: [UInt8]) throws(HiveError) {
        _ = try on(path, slow: true) { fid in
            [.lopen(fid: fid, flags: UInt32(O_WRONLY | O_TRUNC)), .write(fid: fid, offset: 0, data: bytes)]
        }
    }

    /// A node's attributes.
    public func stat(_ path: [String]) throws(HiveError) -> NinePAttributes {
        guard case .getattr(let a)? = try on(path, { [.getattr(fid: $0, mask: NinePAttributes.validMask)] }).first else {
            throw HiveError(.badMessage, "\(name): a getattr answered with something else")
        }
        return a
    }

    /// Bytes of a file at an offset, as a read of a file opened now gives them.
    public func read(_ path: [String], offset: Int64, count: Int) throws(HiveError) -> [UInt8] {
        let answers = try on(path) { fid in
            [.lopen(fid: fid, flags: UInt32(O_RDONLY)), .read(fid: fid, offset: UInt64(max(0, offset)), count: UInt32(clamping: count))]
        }
        guard case .read(let bytes)? = answers.last else { throw HiveError(.badMessage, "\(name): a read answered with something else") }
        guard bytes.count <= count else {
            throw fault("\(name) answered a read of \(count) bytes with \(bytes.count)")
        }
        return bytes
    }

    /// The start of a file as an open of it now reads it, in one round trip (walk,
    /// open, one read from 0 of what one message carries, clunk), and whether that is
    /// the whole file (the read came back short of what the far side said one read
    /// carries).
    public func fetch(_ path: [String]) throws(HiveError) -> (bytes: [UInt8], whole: Bool) {
        let count = NineP.maxMessage - 24
        let answers = try on(path) { fid in
            [.lopen(fid: fid, flags: UInt32(O_RDONLY)), .read(fid: fid, offset: 0, count: count)]
        }
        guard case .lopen(_, let iounit)? = answers.first, case .read(let bytes)? = answers.last else {
            throw HiveError(.badMessage, "\(name): an open and read answered with something else")
        }
        let carried = iounit > 0 ? min(count, iounit) : count
        return (bytes, bytes.count < Int(carried))
    }

    /// A directory's entries, with their kinds, permission bits, sizes and times: two
    /// round trips, one for the names and one for every file's attributes.
    ///
    /// A listing that does not move on (an entry's next offset not past the last) or
    /// passes `listingLimit` entries closes the link; a name no file can have here
    /// ('', '.', '..', with '/' or NUL, over 255 bytes; '@…' at the root) is left
    /// out and logged.
    /// The files named in `unasked` are not asked for their attributes (whose
    /// answer would cost the far side work, and is asked for at each `stat`
    /// anyway): they are listed read-only, size 0.
    func list(_ path: [String], unasked: Set<String> = []) throws(HiveError) -> [Mirror.Entry] {
        var names: [NinePDirectoryEntry] = []
        var offset: UInt64 = 0
        var seen = 0
        while true {
            let answers = try on(path) { fid in
                [.lopen(fid: fid, flags: UInt32(O_RDONLY)), .readdir(fid: fid, offset: offset, count: 1 << 16)]
            }
            guard case .readdir(let some)? = answers.last else { throw HiveError(.badMessage, "\(name): a readdir answered with something else") }
            guard let last = some.last else { break }
            seen += some.count
            guard last.next > offset, seen <= LinkClient.listingLimit else {
                throw fault("\(name)'s listing of /\(path.joined(separator: "/")) never ends (\(seen) entries, the last offset \(last.next) after \(offset))")
            }
            offset = last.next
            for e in some {
                // '@' names at its root would be hosts of that host's: never shown on (as the server never serves them).
                if LinkClient.isName(e.name) && !(path.isEmpty && e.name.hasPrefix("@")) { names.append(e) } else {
                    log.warning("@\(name): /\(path.joined(separator: "/")) lists '\(Text.printable(e.name))', which is no name: left out")
                }
            }
        }
        let files = names.filter { !$0.qid.isDirectory && !unasked.contains($0.name) }
        var attributes: [String: NinePAttributes] = [:]
        var gone: Set<String> = []
        if !files.isEmpty {
            let c = try connected()
            var requests: [NinePRequest] = []
            var fids: [UInt32] = []
            for f in files {
                let fid = newFid()
                fids.append(fid)
                requests += [.walk(fid: 0, newFid: fid, names: path + [f.name]), .getattr(fid: fid, mask: NinePAttributes.validMask), .clunk(fid: fid)]
            }
            let answers = try c.askAll(requests, timeoutMS: timeoutMS)
            for (i, f) in files.enumerated() {
                switch answers[3 * i + 1] {
                case .success(.getattr(let a)): attributes[f.name] = a
                // The link ended meanwhile: the listing failed (never read-only files that are not).
                case .failure(let e): throw e
                // Gone since the names were read (or refused): left out, as a listing now would.
                default: gone.insert(f.name)
                }
            }
        }
        return names.filter { !gone.contains($0.name) }.map { Mirror.Entry($0, attributes: attributes[$0.name]) }
    }

    /// Whether a name of the far side's can be a name here: what the kernel takes
    /// from a file system (not empty, '.' or '..', no '/' or NUL, at most 255 bytes).
    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s != "." && s != ".." && s.utf8.count <= 255 && !s.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "/") })
    }

    /// Makes a directory (a session) at `path`.
    public func mkdir(_ path: [String]) throws(HiveError) {
        guard let last = path.last else { throw HiveError(.fileExists, "\(name): the root exists") }
        _ = try on(Array(path.dropLast()), slow: true) { [.mkdir(directoryFid: $0, name: last, mode: 0o755, gid: getgid())] }
    }

    /// Removes a directory (a session, to its history) at `path`.
    public func rmdir(_ path: [String]) throws(HiveError) {
        guard let last = path.last else { throw HiveError(.resourceBusy, "\(name): the root cannot be removed") }
        _ = try on(Array(path.dropLast()), slow: true) { [.unlinkat(directoryFid: $0, name: last, flags: NineP.removeDirectory)] }
    }

    /// Follows a file of the far side that grows (`NineP.follow`) from `offset`: each
    /// piece added there goes to `onBytes`, in order, with the offset it starts at,
    /// pushed as it comes (the far side holds a read at the end), until `onBytes`
    /// says to stop or the connection ends (`onEnd`, with why). Returns once the
    /// file is open there (one round trip; connects first if need be) with what
    /// stops it (its fid clunked there, which answers the held read), or throws
    /// its refusal.
    public func follow(_ path: [String], from offset: Int64,
                       onBytes: @escaping @Sendable (Int64, [UInt8]) -> Bool,
                       onEnd: @escaping @Sendable (HiveError) -> Void) throws(HiveError) -> @Sendable () -> Void {
        let c = try connected()
        let fid = newFid()
        let answers = try c.askAll([.walk(fid: 0, newFid: fid, names: path), .lopen(fid: fid, flags: UInt32(O_RDONLY) | NineP.follow)],
                                   timeoutMS: timeoutMS)
        for a in answers {
            switch a {
            case .success(.error(let e)):
                c.send(.clunk(fid: fid)) { _ in }
                throw refusal(e)
            case .failure(let e): throw e
            case .success: continue
            }
        }
        // Several reads wait there, so what is added while an answer travels comes at once.
        let position = FollowPosition(max(0, offset))
        for _ in 0..<LinkClient.followAhead { readFollowed(c, fid: fid, position, onBytes: onBytes, onEnd: onEnd) }
        return { c.send(.clunk(fid: fid)) { _ in } }
    }

    /// How many reads of a followed file wait at the far side at once.
    static let followAhead = 2

    /// Sends one more read of a followed file; its answer is the piece after the last
    /// one answered (the far side answers a followed fid's reads in order), and
    /// sends the next read.
    private func readFollowed(_ c: Connection, fid: UInt32, _ position: FollowPosition,
                              onBytes: @escaping @Sendable (Int64, [UInt8]) -> Bool,
                              onEnd: @escaping @Sendable (HiveError) -> Void) {
        c.send(.read(fid: fid, offset: UInt64(position.next), count: 1 << 16)) { [self] r in
            switch r {
            case .success(.read(let bytes)) where bytes.isEmpty:
                // A far side that answers the end at once does not follow (an older hivefs).
                c.send(.clunk(fid: fid)) { _ in }
                onEnd(HiveError(.protocolNotSupported, "\(name) does not hold a read at the end of a followed file"))
            case .success(.read(let bytes)):
                guard onBytes(position.take(bytes.count), bytes) else { return c.send(.clunk(fid: fid)) { _ in } }
                readFollowed(c, fid: fid, position, onBytes: onBytes, onEnd: onEnd)
            case .success(.error(let e)):
                c.send(.clunk(fid: fid)) { _ in }
                onEnd(refusal(e))
            case .success(let other):
                onEnd(HiveError(.badMessage, "\(name): a read answered with \(other)"))
            case .failure(let e):
                onEnd(e)
            }
        }
    }

    // MARK: the connection

    /// The connection, made now if there is none and the backoff allows; one
    /// caller makes it, the others wait for that.
    private func connected() throws(HiveError) -> Connection {
        if let existing = lock.withLock({ connection }) { return existing }
        connecting.lock()
        defer { connecting.unlock() }
        let (existing, down, stop) = lock.withLock { () -> (Connection?, State, Bool) in (connection, current, stopped) }
        if stop { throw HiveError(.socketNotConnected, "the link to \(name) was closed") }
        if let existing { return existing }
        let wait = lock.withLock { retryAfterMS } - Sys.monotonicMS()
        if wait > 0, case .down(let reason, let since) = down {
            throw HiveError(.socketNotConnected, "link to \(name) is down since \(since.rfc3339): \(reason)")
        }
        return try connect()
    }

    private func connect() throws(HiveError) -> Connection {
        let c: Connection
        do throws(HiveError) {
            c = try Connection(command: command, client: self)
            let version = try c.ask(.version(msize: NineP.maxMessage, version: NineP.version), tag: NineP.noTag, timeoutMS: timeoutMS)
            switch version {
            case .version(let msize, NineP.version) where msize >= NineP.minMessage:
                break
            case .version(let msize, NineP.version):
                c.close()
                throw HiveError(.protocolNotSupported, "\(name) offers messages of \(msize) bytes, fewer than \(NineP.minMessage)")
            case .version(_, let other):
                c.close()
                throw HiveError(.protocolNotSupported, "\(name) speaks '\(Text.printable(other))', not \(NineP.version)")
            case .error(let e):
                c.close()
                throw HiveError(.protocolNotSupported, "\(name) refused \(NineP.version): \(String(cString: strerror(e.rawValue)))")
            default:
                c.close()
                throw HiveError(.protocolNotSupported, "\(name) answered Tversion with \(version)")
            }
            guard case .attach = try c.ask(.attach(fid: 0, afid: NineP.noFid, uname: "", aname: "", uid: getuid()), timeoutMS: timeoutMS) else {
                c.close()
                throw HiveError(.badMessage, "\(name) refused the attach")
            }
        } catch {
            let reason = error.reason
            dropped(nil, reason: reason)
            throw HiveError(.socketNotConnected, "link to \(name) is down: \(reason)")
        }
        lock.withLock {
            connection = c
            backoffMS = 500
            current = .up(since: .now())
        }
        log.info("link to \(name) is up")
        onState?(.up(since: .now()))
        followNotices(c)
        return c
    }

    /// Reads `.notices` for as long as the connection lasts; a read is always waiting there.
    private func followNotices(_ c: Connection) {
        let fid: UInt32 = 1
        c.send(.walk(fid: 0, newFid: fid, names: [".notices"])) { [self] r in
            guard case .success(.walk(let q)) = r, q.count == 1 else { return }
            c.send(.lopen(fid: fid, flags: UInt32(O_RDONLY))) { [self] r in
                guard case .success(.lopen) = r else { return }
                readNotices(c, fid: fid)
            }
        }
    }

    private func readNotices(_ c: Connection, fid: UInt32) {
        c.send(.read(fid: fid, offset: 0, count: 1 << 16)) { [self] r in
            guard case .success(.read(let bytes)) = r else { return }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") { onNotice?(String(line)) }
            readNotices(c, fid: fid)
        }
    }

    /// A connection ended (or could not be made): every request waiting on it fails,
    /// and the next is made after the backoff.
    fileprivate func dropped(_ c: Connection?, reason: String) {
        let changed = lock.withLock { () -> Bool in
            if let c, connection !== c { return false }
            connection = nil
            retryAfterMS = Sys.monotonicMS() + Int64(backoffMS)
            backoffMS = min(backoffMS * 2, 30_000)
            if case .down(let was, _) = current, was == reason { return false }
            current = .down(reason: reason, since: .now())
            return true
        }
        guard changed else { return }
        log.warning("link to \(name) is down: \(reason)")
        onState?(state)
    }

    /// Closes the link for good: requests fail, and it is never made again.
    public func stop() {
        let c = lock.withLock { () -> Connection? in
            stopped = true
            defer { connection = nil }
            return connection
        }
        c?.close(because: "the link to \(name) was closed")
    }

    fileprivate func tag() -> UInt16 {
        lock.withLock {
            defer { nextTag = nextTag >= NineP.noTag - 1 ? 1 : nextTag + 1 }
            return nextTag
        }
    }

    /// One run of the command: its pipes, the requests waiting for answers, and the
    /// thread that reads its answers.
    final class Connection: @unchecked Sendable {
        let child: Spawn.Piped
        weak var client: LinkClient?
        private let lock = NSLock()
        /// Held while a message is written, and while stdin is closed: messages never interleave.
        private let writing = NSLock()
        /// Each request waiting, by tag: the type its answer must have (or Rlerror), and who gets it.
        private var waiting: [UInt16: (expects: UInt8, done: @Sendable (Result<NinePResponse, HiveError>) -> Void)] = [:]
        /// The first bytes the far side sent, and whether a message came: a far side
        /// whose first bytes are no message is told by them (a login script's greeting).
        private var began: [UInt8] = []
        private var answered = false
        private var closed: String?
        private var inputClosed = false
        private var said: [UInt8] = []

        init(command: [String], client: LinkClient) throws(HiveError) {
            child = try Spawn.piped(command)
            self.client = client
            let out = Thread { [self] in readAnswers() }
            out.name = "hivefs-link-\(client.name)"
            out.start()
            let err = Thread { [self] in readErrors() }
            err.name = "hivefs-link-err"
            err.start()
        }

        /// Sends a request (under `tag`, else the next one); `done` gets its answer,
        /// or the link's end.
        func send(_ request: NinePRequest, tag: UInt16? = nil,
                  _ done: @escaping @Sendable (Result<NinePResponse, HiveError>) -> Void) {
            sendAll([request], [done], tags: tag.map { [$0] })
        }

        /// Sends requests in one write, so that ssh carries them in one packet (not
        /// one each, every one held up by the one before); `dones[i]` gets the answer
        /// to `requests[i]`, or the link's end. Each goes under `tags[i]` if given,
        /// else the client's next tag.
        func sendAll(_ requests: [NinePRequest], _ dones: [@Sendable (Result<NinePResponse, HiveError>) -> Void],
                     tags given: [UInt16]? = nil) {
            var bytes: [UInt8] = []
            var tags: [(tag: UInt16, expects: UInt8)] = []
            for (i, r) in requests.enumerated() {
                let t = given?[i] ?? client?.tag() ?? 1
                let message = NinePCodec.encode(r, tag: t)
                // A T-message's answer is the R-message numbered one past it.
                tags.append((t, message[4] &+ 1))
                bytes += message
            }
            let refused = lock.withLock { () -> String? in
                if let closed { return closed }
                for (t, done) in zip(tags, dones) { waiting[t.tag] = (t.expects, done) }
                return nil
            }
            if let refused {
                for done in dones { done(.failure(HiveError(.socketNotConnected, refused))) }
                return
            }
            let failed = writing.withLock { () -> Errno? in
                guard !inputClosed else { return .socketNotConnected }
                do throws(Errno) {
                    try Sys.writeAll(child.input, bytes)
                    return nil
                } catch {
                    return error
                }
            }
            if let failed { close(because: "cannot write to \(client?.name ?? "the link"): \(failed)") }
        }

        /// Sends requests at once, in one write (`sendAll`), then waits at most
        /// `timeoutMS` for all their answers.
        func askAll(_ requests: [NinePRequest], timeoutMS: Int) throws(HiveError) -> [Result<NinePResponse, HiveError>] {
            let boxes = requests.map { _ in AnswerBox() }
            sendAll(requests, boxes.map { b in { b.set($0) } })
            let deadline = Sys.monotonicMS() + Int64(timeoutMS)
            var out: [Result<NinePResponse, HiveError>] = []
            for b in boxes {
                guard let answer = b.wait(ms: Int(max(0, deadline - Sys.monotonicMS()))) else {
                    let why = "no answer from \(client?.name ?? "the far side") in \(timeoutMS / 1000) s"
                    close(because: why)
                    throw HiveError(.socketNotConnected, why)
                }
                out.append(answer)
            }
            return out
        }

        /// Sends a request and waits at most `timeoutMS` for its answer.
        func ask(_ request: NinePRequest, tag: UInt16? = nil, timeoutMS: Int) throws(HiveError) -> NinePResponse {
            let box = AnswerBox()
            send(request, tag: tag) { box.set($0) }
            guard let answer = box.wait(ms: timeoutMS) else {
                let why = "no answer from \(client?.name ?? "the far side") in \(timeoutMS / 1000) s"
                close(because: why)
                throw HiveError(.socketNotConnected, why)
            }
            return try answer.get()
        }

        private func readAnswers() {
            var framer = NinePFramer()
            // This thread alone reads stdout, and closes it when done.
            defer { try? child.output.close() }
            while true {
                let chunk: [UInt8]
                do { chunk = try Sys.readSome(child.output) } catch { break }
                if chunk.isEmpty { break }
                lock.withLock { if began.count < 32 { began += chunk.prefix(32 - began.count) } }
                do {
                    for m in try framer.take(chunk) {
                        let (tag, response) = try NinePCodec.decodeResponse(m)
                        if tag == NineP.noTag, case .error(let e) = response, lock.withLock({ waiting[tag] == nil }) {
                            // The far side closes the link, saying why.
                            return close(because: "the far side closed the link: \(String(cString: strerror(e.rawValue)))")
                        }
                        // An answer to no request, or of another type than its request's,
                        // is a far side that does not speak the protocol: the link ends.
                        let type = m[4]
                        let (expects, done) = lock.withLock { () -> (UInt8?, (@Sendable (Result<NinePResponse, HiveError>) -> Void)?) in
                            answered = true
                            guard let w = waiting[tag], type == w.expects || type == NineP.Kind.rlerror.rawValue else { return (waiting[tag]?.expects, nil) }
                            waiting[tag] = nil
                            return (w.expects, w.done)
                        }
                        guard let done else {
                            let far = client?.name ?? "the far side"
                            guard let expects else { return close(because: "\(far) answered tag \(tag), which no request has: not a 9P2000.L server") }
                            return close(because: "\(far) answered a \(Self.kindName(expects &- 1)) with \(Self.kindName(type)): not a 9P2000.L server")
                        }
                        done(.success(response))
                    }
                } catch {
                    let far = client?.name ?? "the far side"
                    let start = lock.withLock { answered ? nil : began }
                    // Nothing of 9P yet: what it sent instead says most (a greeting, an error page);
                    // text there is most often a login script's.
                    let shown = start.map { b in
                        let text = b.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
                        return "; its output began \"\(Text.printable(String(decoding: b, as: UTF8.self), limit: 32))\""
                            + (text ? " (does a login script there print something?)" : "")
                    } ?? ""
                    return close(because: "\(far) sent what is not 9P2000.L: \(error.reason)\(shown)")
                }
            }
            close(because: ended())
        }

        /// What the command said on stderr, kept for the reason it ended.
        private func readErrors() {
            defer { try? child.errors.close() }
            while let chunk = try? Sys.readSome(child.errors), !chunk.isEmpty {
                lock.withLock { said = Array((said + chunk).suffix(4096)) }
            }
        }

        /// Why the command ended: its exit, and the last of what it said.
        private func ended() -> String {
            var status: Int32 = 0
            var code: Int32?
            for _ in 0..<50 {
                if waitpid(child.pid, &status, WNOHANG) == child.pid { code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f); break }
                Sys.sleep(ms: 10)
            }
            Sys.sleep(ms: 20)
            let text = lock.withLock { String(decoding: said, as: UTF8.self) }
            let last = Text.printable(text.split(separator: "\n").last.map { String($0).trimmingWhitespace() } ?? "", limit: 200)
            var why = code.map { "`\(commandText)` exited \($0)" } ?? "`\(commandText)` closed its output"
            if code == 127 || last.contains("command not found") || last.contains("No such file") {
                why = "hivefs is not installed on \(client?.name ?? "the far side") (`\(commandText)`: \(last))"
            } else if !last.isEmpty {
                why += ": " + last
            }
            return why
        }

        private var commandText: String { (client?.command ?? []).joined(separator: " ") }

        /// A message type's name (`Twalk`, `Rread`), or its number.
        static func kindName(_ type: UInt8) -> String {
            guard let k = NineP.Kind(rawValue: type) else { return "type \(type)" }
            let s = "\(k)"
            return s.prefix(1).uppercased() + s.dropFirst()
        }

        /// Ends the connection: its requests fail with `reason`, the command is killed.
        func close(because reason: String = "closed") {
            let pending = lock.withLock { () -> [@Sendable (Result<NinePResponse, HiveError>) -> Void]? in
                guard closed == nil else { return nil }
                closed = reason
                defer { waiting = [:] }
                return waiting.values.map(\.done)
            }
            guard let pending else { return }
            kill(-child.pid, SIGTERM)
            writing.withLock {
                inputClosed = true
                try? child.input.close()
            }
            for done in pending { done(.failure(HiveError(.socketNotConnected, reason))) }
            client?.dropped(self, reason: reason)
            // Reaped here, or by `ended` if it comes first (then waitpid says ECHILD).
            DispatchQueue.global().async { [child] in Spawn.reap(child.pid, graceMS: 2000, group: true) }
        }
    }
}

/// An answer handed from the reader thread to a waiting caller.
final class AnswerBox: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: Result<NinePResponse, HiveError>?

    func set(_ v: Result<NinePResponse, HiveError>) {
        lock.withLock { value = v }
        ready.signal()
    }

    func wait(ms: Int) -> Result<NinePResponse, HiveError>? {
        guard ready.wait(timeout: .now() + .milliseconds(ms)) == .success else { return nil }
        return lock.withLock { value }
    }
}

/// Where a followed file's next piece starts, as its answers arrive. Any thread;
/// behind its lock.
final class FollowPosition: @unchecked Sendable {
    private let lock = NSLock()
    private var at: Int64

    init(_ at: Int64) { self.at = at }

    var next: Int64 { lock.withLock { at } }

    /// The offset of a piece of `count` bytes just answered, and past it for the next.
    func take(_ count: Int) -> Int64 {
        lock.withLock {
            defer { at += Int64(count) }
            return at
        }
    }
}
