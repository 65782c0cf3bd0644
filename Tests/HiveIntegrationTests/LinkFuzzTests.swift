import Foundation
import HiveCore
import HiveFuzz
import XCTest

/// Hostile clients on a real daemon's `STATE/link.sock`, many connections of
/// random frames and mutated valid ones (huge and absurd sizes, cut messages,
/// wrong versions, walks with '..', '/', NUL and '@', unknown and reused fids,
/// reads at huge offsets, writes to read-only files, flushes of unknown tags):
/// each request is answered (Rlerror where it must) or the connection is closed
/// with EBADMSG, said once and logged, never hung; the daemon serves on, with its
/// sessions steerable, and nothing is made outside its state directory.
/// `make test` runs 120 connections (about 3,300 messages); HIVEFS_FUZZ_SCALE more.
final class LinkFuzzTests: MountedTestCase {
    static var connections: Int { 120 * Fuzz.scale }
    /// A name that nothing may ever make, looked for afterwards.
    static let escape = "hivefs-escape-probe"

    static let names: [String] = [
        "fz", "state", "control", "status", "events", "history", "log", "agent", "..", ".", "/", "", "fz/control",
        "x\u{0}y", "control\u{0}", "fz\u{0}", "\u{0}", "@x", "@", "@fz", ".notices2", String(repeating: "a", count: 255),
        String(repeating: "b", count: 4000), "../" + escape, "../../" + escape, "/tmp/" + escape, escape + "\u{0}ok",
        "history/../../" + escape, "é", "fz ", " fz",
    ]

    /// Lines written to `fz/control`: none is slow (no kill or restart), all are quick to refuse or take.
    static let controlLines = ["pause\n", "resume\n", "send hi\n", "budget 5000\n", "idle-timeout off\n", "fly away\n",
                               "keys Enter\n", "pause\nresume\n", "\u{0}", ""]

    /// A request a hostile client might send, with fids from a small range so they
    /// collide, are reused and are unknown.
    static func request(_ r: inout FuzzRand) -> NinePRequest {
        let fid = { (r: inout FuzzRand) -> UInt32 in r.chance(5) ? r.pick([NineP.noFid, 0x8000_0000, UInt32.max - 1]) : UInt32(r.below(8)) }
        switch r.below(16) {
        case 0:
            return .version(msize: r.pick([0, 16, 511, 512, 8192, NineP.maxMessage, NineP.maxMessage + 1, UInt32.max]),
                            version: r.pick([NineP.version, NineP.version, "9P2000", "9P2000.u", "", "9P2000.L\u{0}", "9P2000.L.x", "9p2000.l"]))
        case 1:
            return .attach(fid: fid(&r), afid: r.pick([NineP.noFid, 0, 3]), uname: r.pick(names), aname: r.pick(names),
                           uid: r.pick([0, 65534, getuid(), UInt32.max]))
        case 2, 3, 4:
            return .walk(fid: fid(&r), newFid: fid(&r), names: (0..<r.pick([0, 1, 1, 2, 2, 3, 5, 16])).map { _ in r.pick(names) })
        case 5:
            return .lopen(fid: fid(&r), flags: r.pick([UInt32(O_RDONLY), UInt32(O_WRONLY), UInt32(O_RDWR), UInt32(O_WRONLY | O_TRUNC),
                                                       UInt32(truncatingIfNeeded: r.next()) & ~LinkFuzzTests.heldFlag]))
        case 6, 7:
            return .read(fid: fid(&r), offset: r.pick([0, 0, 1, 5, 1 << 40, UInt64.max, UInt64(Int64.max), r.next()]),
                         count: r.pick([0, 1, 4096, 65536, NineP.maxMessage, UInt32.max]))
        case 8:
            return .readdir(fid: fid(&r), offset: r.pick([0, 1, 3, 1 << 40, UInt64.max]), count: r.pick([0, 1, 30, 8192, UInt32.max]))
        case 9, 10:
            let data: [UInt8] = r.chance(60) ? Array(r.pick(controlLines).utf8) : r.bytes(r.below(300))
            return .write(fid: fid(&r), offset: r.pick([0, 0, 0, 1, 6, UInt64.max]), data: data)
        case 11:
            return .clunk(fid: fid(&r))
        case 12:
            return .flush(oldTag: UInt16(truncatingIfNeeded: r.next()))
        case 13:
            return r.chance(50) ? .getattr(fid: fid(&r), mask: r.next())
                : .setattr(fid: fid(&r), NinePSetAttributes(valid: r.pick([8, 0, 0xFFFF_FFFF, 1]), size: r.pick([0, 5, UInt64.max])))
        case 14:
            return .mkdir(directoryFid: fid(&r), name: r.pick(names), mode: 0o755, gid: r.pick([0, getgid()]))
        default:
            return r.chance(80) ? .unlinkat(directoryFid: fid(&r), name: r.pick(names), flags: r.pick([0, NineP.removeDirectory, UInt32.max]))
                : .statfs(fid: fid(&r))
        }
    }

    /// `Tlopen` flags no request here may carry (a bit that asks the server to hold reads).
    static let heldFlag: UInt32 = 0x4000_0000

    /// Whether a request could be held unanswered by design (a read of `.notices`,
    /// a followed file): left out, so that every request has an answer to wait for.
    static func mayBeHeld(_ q: NinePRequest) -> Bool {
        switch q {
        case .walk(_, _, let names): return names.contains { $0.hasPrefix(".notices") }
        case .lopen(_, let flags): return flags & heldFlag != 0
        default: return false
        }
    }

    /// What a connection sends, item by item, and what the server must do with it:
    /// answer `answers` messages, or close the link (`breaks`), or wait for the rest
    /// of a message that never comes (`cut`).
    struct Plan {
        var bytes: [UInt8] = []
        var answers = 0
        var breaks = false
        var cut = false
        var sent = 0
        var tags: Set<UInt16> = []
    }

    /// The items of one connection, judged with the server's own framer and decoder.
    /// One connection in three ends with a message that breaks the link; in the
    /// others, an item that would break it is left out.
    static func plan(_ r: inout FuzzRand, _ number: Int) -> Plan {
        var p = Plan()
        let mayBreak = r.chance(33)
        var sim = NinePFramer()
        var tag: UInt16 = 0
        func nextTag() -> UInt16 { tag = tag &+ 1; if tag == NineP.noTag { tag = 0 }; return r.chance(5) ? r.pick([0, 1, tag]) : tag }
        /// Takes an item if the server would: counts its messages, or marks the break.
        /// One that leaves a message waiting for more is taken only as the last (`cut`).
        func add(_ bytes: [UInt8], last: Bool = false) {
            var copy = sim
            var messages: [[UInt8]] = []
            do {
                messages = try copy.take(bytes)
                var decoded: [NinePRequest] = []
                for m in messages {
                    let (t, d) = try NinePCodec.decodeRequest(m)
                    p.tags.insert(t)
                    if case .message(let q) = d { decoded.append(q) }
                }
                if decoded.contains(where: mayBeHeld) || (copy.held > 0 && !last) { return }
                p.answers += messages.count
                p.cut = copy.held > 0
            } catch {
                guard mayBreak else { return }
                p.breaks = true
            }
            sim = copy
            p.bytes += bytes
            p.sent += 1
        }
        if r.chance(85) {
            add(NinePCodec.encode(NinePRequest.version(msize: NineP.maxMessage, version: NineP.version), tag: NineP.noTag))
            add(NinePCodec.encode(.attach(fid: 0, afid: NineP.noFid, uname: "", aname: "", uid: getuid()), tag: nextTag()))
        }
        let items = 15 + r.below(40)
        var tries = 0
        while p.sent < items && !p.breaks && !p.cut && tries < 10 * items {
            tries += 1
            let roll = r.below(100)
            if roll < 55 {
                add(NinePCodec.encode(request(&r), tag: nextTag()))
            } else if roll < 75 {
                var m = Fuzz.mutate(NinePCodec.encode(request(&r), tag: nextTag()), &r)
                if m.count >= 4, r.chance(70) {
                    for b in 0..<4 { m[b] = UInt8(truncatingIfNeeded: UInt32(m.count) >> (8 * UInt32(b))) }
                }
                add(m)
            } else if roll < 85 {
                // A type of any number, its body random, its size right.
                let body = r.bytes(r.below(60))
                let n = UInt32(7 + body.count)
                let t = nextTag()
                add([UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), 0, 0, UInt8(truncatingIfNeeded: r.next()), UInt8(t & 0xFF), UInt8(t >> 8)] + body)
            } else if roll < 97 {
                // Sizes no message has: 4 GiB, 0, under a header, just over the limit; or bytes of no kind.
                let over = NineP.maxMessage + 1
                add(r.pick([[0xFF, 0xFF, 0xFF, 0xFF, 100, 0, 0], [0, 0, 0, 0], [6, 0, 0, 0, 100, 0, 0],
                            [UInt8(over & 0xFF), UInt8(over >> 8 & 0xFF), UInt8(over >> 16 & 0xFF), 0],
                            Array("GET / HTTP/1.1\r\n\r\n".utf8), r.bytes(1 + r.below(16))]))
            } else if number % 10 == 0 {
                // The largest message there is: a write of 1 MiB to a session's control.
                let data = [UInt8](repeating: 0x7A, count: Int(NineP.maxMessage) - 23)
                add(NinePCodec.encode(.walk(fid: 0, newFid: 7, names: ["fz", "control"]), tag: nextTag()))
                add(NinePCodec.encode(.lopen(fid: 7, flags: UInt32(O_WRONLY)), tag: nextTag()))
                add(NinePCodec.encode(.write(fid: 7, offset: 0, data: data), tag: nextTag()))
            }
        }
        if !p.breaks && r.chance(25) {
            // A message cut short, and then nothing more.
            let whole = NinePCodec.encode(request(&r), tag: nextTag())
            add(Array(whole.prefix(1 + r.below(whole.count - 1))), last: true)
        }
        return p
    }

    func testHostileClientsOnTheSocketAreAnsweredOrCutOffAndChangeNothing() throws {
        newShell("fz", "sleep 300")
        newShell("ctl", "sleep 300")
        let outside = filesOutsideTheState()
        let started = Date()
        var r = FuzzRand(state: Fuzz.seed ^ 0x6C69_6E6B)
        var messages = 0, answered = 0, broken = 0, cut = 0
        for i in 0..<Self.connections {
            let p = Self.plan(&r, i)
            messages += p.sent
            let s = try LinkSocket(path: m.state + "/link.sock")
            defer { s.close() }
            s.send(p.bytes)
            let what = "connection \(i) (seed \(Fuzz.seed), HIVEFS_FUZZ_SEED repeats it)"
            if p.breaks {
                broken += 1
                // Said once, with EBADMSG under NOTAG, then closed: never left hanging.
                let got = s.receive(seconds: 5) { _, _ in false }
                XCTAssertTrue(got.ended, "\(what): the link was not closed")
                XCTAssertTrue(got.messages.contains { $0.tag == NineP.noTag && $0.response == .error(.badMessage) }, "\(what): \(got.messages.suffix(3))")
                XCTAssertLessThanOrEqual(got.messages.count, p.answers + 1, what)
                XCTAssertNil(got.garbage, "\(what): the server's own answers are 9P")
                answered += got.messages.count
            } else {
                if p.cut { cut += 1 }
                // Every whole message is answered (each once), within seconds; then, our
                // side closed, the server closes too.
                let got = s.receive(seconds: 10) { all, _ in all.count >= p.answers }
                XCTAssertEqual(got.messages.count, p.answers, "\(what): answers")
                XCTAssertFalse(got.ended, "\(what): closed while every message was whole")
                XCTAssertNil(got.garbage, "\(what): the server's own answers are 9P")
                XCTAssertTrue(got.messages.allSatisfy { p.tags.contains($0.tag) }, "\(what): an answer under a tag never sent")
                answered += got.messages.count
                s.shutdownWrite()
                XCTAssertTrue(s.receive(seconds: 5) { _, _ in false }.ended, "\(what): not closed after the client's end")
            }
            if i % 20 == 19 { XCTAssertTrue(m.daemonRunning, "the daemon died by connection \(i)") }
        }
        let took = Date().timeIntervalSince(started)

        // The daemon serves on: the root's status, a session's control.
        XCTAssertTrue(m.daemonRunning)
        XCTAssertEqual(m.sh("cat $MNT/status").status, 0)
        XCTAssertEqual(m.write("ctl/control", "pause\n"), 0)
        XCTAssertEqual(m.state("ctl"), "paused")
        XCTAssertEqual(m.write("ctl/control", "resume\n"), 0)
        // A well-behaved client still gets its answers.
        let s = try LinkSocket(path: m.state + "/link.sock")
        defer { s.close() }
        s.send(NinePCodec.encode(NinePRequest.version(msize: 8192, version: NineP.version), tag: NineP.noTag))
        let hello = s.receive(seconds: 5) { all, _ in !all.isEmpty }
        XCTAssertEqual(hello.messages.first?.response, .version(msize: 8192, version: NineP.version))

        // Nothing was made outside the state directory and the tree, and nothing named
        // as a hostile client named it anywhere it could have escaped to.
        XCTAssertEqual(filesOutsideTheState(), outside, "files appeared outside the state directory")
        for dir in [m.root, m.state, m.state + "/sessions", m.state + "/history", NSTemporaryDirectory(), "/tmp", "/",
                    FileManager.default.currentDirectoryPath] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/" + Self.escape), "\(dir)/\(Self.escape) was made")
        }
        let sessions = (try? FileManager.default.contentsOfDirectory(atPath: m.state + "/sessions")) ?? []
        XCTAssertTrue(sessions.allSatisfy { SessionName.isValid($0) }, "\(sessions)")

        // Each connection cut off is logged once, with its reason.
        XCTAssertTrue(waitUntil(5) { self.m.daemonLog.components(separatedBy: "link: closing a connection: EBADMSG: not a 9P2000.L message: ").count - 1 == broken },
                      "\(m.daemonLog.components(separatedBy: "link: closing a connection").count - 1) logged, \(broken) cut off; "
                      + (m.daemonLog.split(separator: "\n").first { $0.contains("closing a connection") } ?? ""))
        XCTAssertGreaterThan(broken, Self.connections / 10)
        XCTAssertGreaterThan(cut, 0)
        print("fuzz link: \(Self.connections) connections, \(messages) messages (\(answered) answers, \(broken) cut off for a bad message, \(cut) ending inside one) in \(Int(took * 1000)) ms")
    }

    /// Names from the wire are checked as the kernel checks those of the mount: a
    /// NUL (where a C string would end, naming another file), '/', '', '.' or over
    /// 255 bytes names nothing; '..' goes up but never above the root.
    func testNamesAreCheckedAsTheKernelChecksThem() throws {
        newShell("fz", "sleep 300")
        let s = try LinkSocket(path: m.state + "/link.sock")
        defer { s.close() }
        let ask = s.asker(seconds: 5)
        XCTAssertEqual(ask(.version(msize: 8192, version: NineP.version)), .version(msize: 8192, version: NineP.version))
        guard case .attach(let root)? = ask(.attach(fid: 0, afid: NineP.noFid, uname: "", aname: "", uid: getuid())) else { return XCTFail("no attach") }
        XCTAssertNotNil(ask(.walk(fid: 0, newFid: 9, names: ["history"])).flatMap { $0.isError ? nil : $0 }, "history is there")
        for names in [["history", "\u{0}"], ["history", "\u{0}x"], ["fz\u{0}"], ["fz", "state\u{0}"], ["fz/state"], ["fz", ""], ["."],
                      [String(repeating: "f", count: 256)], ["@fz"]] {
            // Refused at its first name (ENOENT), or cut short before the bad one (9P's partial Rwalk).
            let r = ask(.walk(fid: 0, newFid: 1, names: names))
            XCTAssertTrue(r == .error(.noSuchFileOrDirectory) || (r?.walked ?? -1) == names.count - 1, "\(names): \(String(describing: r))")
        }
        guard case .walk(let up)? = ask(.walk(fid: 0, newFid: 1, names: ["..", "fz", "..", ".."])) else { return XCTFail("no walk") }
        XCTAssertEqual(up.map(\.path), [root.path, up[1].path, root.path, root.path], "'..' stops at the root")
        for name in ["../" + Self.escape, Self.escape + "\u{0}", "\u{0}", "", ".", "..", "a/b"] {
            XCTAssertEqual(ask(.mkdir(directoryFid: 0, name: name, mode: 0o755, gid: getgid())), .error(.invalidArgument), name)
            XCTAssertEqual(ask(.unlinkat(directoryFid: 0, name: name, flags: NineP.removeDirectory)), .error(.noSuchFileOrDirectory), name)
        }
        XCTAssertEqual(ask(.unlinkat(directoryFid: 0, name: "fz\u{0}", flags: NineP.removeDirectory)), .error(.noSuchFileOrDirectory))
        XCTAssertEqual(m.state("fz"), "idle", "fz is as it was")
        XCTAssertFalse(FileManager.default.fileExists(atPath: m.root + "/" + Self.escape))
    }

    /// Every answer fits the message size agreed, whatever count a read or a
    /// readdir asks: a client that agreed on 512 bytes is never sent more.
    func testAnswersFitTheAgreedMessageSize() throws {
        let s = try LinkSocket(path: m.state + "/link.sock")
        defer { s.close() }
        let ask = s.asker(seconds: 10)
        XCTAssertEqual(ask(.version(msize: NineP.minMessage, version: NineP.version)), .version(msize: NineP.minMessage, version: NineP.version))
        XCTAssertFalse(ask(.attach(fid: 0, afid: NineP.noFid, uname: "", aname: "", uid: getuid()))?.isError ?? true)
        // Sessions with long names: the root's listing is well over 512 bytes.
        for i in 0..<12 {
            let name = String(repeating: "s", count: 60) + String(format: "%02d", i)
            XCTAssertEqual(ask(.mkdir(directoryFid: 0, name: name, mode: 0o755, gid: getgid())).map { $0.isError }, false, name)
        }
        XCTAssertEqual(ask(.walk(fid: 0, newFid: 1, names: [])), .walk([]))
        XCTAssertFalse(ask(.lopen(fid: 1, flags: UInt32(O_RDONLY)))?.isError ?? true)
        var offset: UInt64 = 0, names: [String] = []
        while true {
            guard case .readdir(let entries)? = ask(.readdir(fid: 1, offset: offset, count: UInt32.max)) else { return XCTFail("no readdir") }
            XCTAssertLessThanOrEqual(NinePCodec.encode(NinePResponse.readdir(entries), tag: 1).count, Int(NineP.minMessage))
            guard let last = entries.last else { break }
            names += entries.map(\.name)
            offset = last.next
        }
        XCTAssertEqual(names.filter { $0.hasPrefix("sss") }.count, 12, "every entry, over several answers")
        XCTAssertEqual(ask(.walk(fid: 0, newFid: 2, names: ["status"])).map { $0.walked }, 1)
        XCTAssertFalse(ask(.lopen(fid: 2, flags: UInt32(O_RDONLY)))?.isError ?? true)
        guard case .read(let bytes)? = ask(.read(fid: 2, offset: 0, count: UInt32.max)) else { return XCTFail("no read") }
        XCTAssertLessThanOrEqual(NinePCodec.encode(NinePResponse.read(bytes), tag: 1).count, Int(NineP.minMessage))
    }

    /// The files under the test's directory but outside the state directory and the mount.
    private func filesOutsideTheState() -> [String] {
        let skip: Set<String> = [".sh-out", ".sh-err", "daemon.log"]
        let all = (FileManager.default.enumerator(atPath: m.root)?.allObjects as? [String]) ?? []
        return all.filter { !$0.hasPrefix("state") && !$0.hasPrefix("mnt") && !skip.contains($0) }.sorted()
    }

    /// The socket serves the daemon's own user only: another user is refused by
    /// its mode (0600), and, were the mode opened, by its uid, with a line in the log.
    func testAnotherUserIsRefused() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("needs root, setpriv and /usr/bin/python3 to connect as another user")
        }
        let sock = m.state + "/link.sock"
        let client = """
        import socket, struct, sys
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(sys.argv[1])
        except OSError as e:
            print("refused", e.errno); sys.exit(0)
        v = b"9P2000.L"
        s.settimeout(5)
        try:
            s.sendall(struct.pack("<IBHIH", 7 + 6 + len(v), 100, 0xFFFF, 8192, len(v)) + v)
            n = len(s.recv(4096))
            print("answered", n) if n else print("closed")
        except (BrokenPipeError, ConnectionResetError):
            print("closed")
        except OSError as e:
            print("error", e.errno)
        """
        try client.write(toFile: m.root + "/client.py", atomically: false, encoding: .utf8)
        // The script is given inline: the test's directory need not be readable by that user.
        let asNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c \"$(cat \(m.root)/client.py)\" \(sock)"
        let byMode = m.sh(asNobody)
        XCTAssertTrue(byMode.out.hasPrefix("refused \(EACCES)"), byMode.out + byMode.err)

        // The mode opened (as a mistake would): the daemon itself refuses the uid.
        XCTAssertEqual(m.sh("chmod o+rx \(m.root) && chmod o+x \(m.state) && chmod 0666 \(sock)").status, 0)
        let byUid = m.sh(asNobody)
        XCTAssertEqual(byUid.out, "closed\n", "connected, then closed unanswered: " + byUid.out + byUid.err)
        XCTAssertTrue(waitUntil(5) { self.m.daemonLog.contains("link: refused a connection from uid 65534") }, m.daemonLog)
        // The daemon's own user is served as before.
        let mine = m.sh("/usr/bin/python3 \(m.root)/client.py \(sock)")
        XCTAssertEqual(mine.out, "answered 21\n", mine.err)
        XCTAssertTrue(m.daemonRunning)
    }
}

/// A client of a daemon's `link.sock`, for tests: sends raw bytes, reads whole
/// messages with a deadline, never blocks for ever nor dies of SIGPIPE.
final class LinkSocket {
    let fd: Int32
    private var framer = NinePFramer()
    private var tag: UInt16 = 0

    /// One request at a time: sends it under the next tag and waits at most
    /// `seconds` for the first answer (nil: none came).
    func asker(seconds: Double) -> (NinePRequest) -> NinePResponse? {
        { [self] q in
            tag += 1
            send(NinePCodec.encode(q, tag: tag))
            return receive(seconds: seconds) { all, _ in !all.isEmpty }.messages.first?.response
        }
    }

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HiveError(.ioError, "socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw HiveError.invalid("\(path) is too long for a socket's address") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw HiveError(.ioError, "cannot connect to \(path): \(String(cString: strerror(e)))")
        }
    }

    /// Sends everything it can; a server that closed its end stops it (no SIGPIPE).
    func send(_ bytes: [UInt8]) {
        var at = 0
        while at < bytes.count {
            let n = bytes[at...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            at += n
        }
    }

    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    struct Received {
        var messages: [(tag: UInt16, response: NinePResponse)] = []
        /// The server closed its end.
        var ended = false
        /// Why the server's bytes were not 9P, if they were not.
        var garbage: String?
    }

    /// Reads answers until `enough` says so, the server closes, or `seconds` pass.
    func receive(seconds: Double, until enough: ([(tag: UInt16, response: NinePResponse)], Bool) -> Bool) -> Received {
        var got = Received()
        let deadline = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while !enough(got.messages, got.ended) {
            let left = Int32(max(0, deadline.timeIntervalSinceNow * 1000))
            if left == 0 { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, left) <= 0 { continue }
            let n = Glibc.read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { got.ended = true; break }
            do {
                for m in try framer.take(buf[0..<n]) {
                    let (tag, response) = try NinePCodec.decodeResponse(m)
                    got.messages.append((tag, response))
                }
            } catch {
                got.garbage = "\(error)"
                break
            }
        }
        return got
    }

    func close() { Glibc.close(fd) }
}
