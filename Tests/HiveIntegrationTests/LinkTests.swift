import Foundation
import HiveCore
import XCTest

/// `hivefs serve --stdio`, which another host's daemon runs over ssh: a client
/// speaking 9P2000.L on its stdin and stdout sees the tree the mount shows, with
/// the same contents, modes, writes and errnos.
final class LinkTests: MountedTestCase {
    func testAClientSeesAndSteersTheTreeAsTheMountDoes() throws {
        newShell("a", "sleep 300")
        _ = waitUntil(5) { self.m.state("a") == "idle" }
        let c = try LinkClient(binary: MountFixture.binary, state: m.state)
        defer { c.close() }
        XCTAssertEqual(try c.ask(.version(msize: 65536, version: NineP.version)), .version(msize: 65536, version: NineP.version))
        guard case .attach(let root) = try c.ask(.attach(fid: 0, afid: NineP.noFid, uname: "", aname: "", uid: getuid())) else {
            return XCTFail("no attach")
        }
        XCTAssertTrue(root.isDirectory)

        // Names: the root's listing is the mount's, but for the spool: a link to this
        // host's disk, which another host cannot reach.
        XCTAssertEqual(try c.ask(.lopen(fid: 0, flags: UInt32(O_RDONLY))).isError, false)
        guard case .readdir(let entries) = try c.ask(.readdir(fid: 0, offset: 0, count: 8192)) else { return XCTFail("no readdir") }
        let mounted = m.sh("ls -A $MNT").out.split(separator: "\n").map(String.init).sorted()
        XCTAssertTrue(mounted.contains("spool"))
        XCTAssertEqual(entries.map(\.name).sorted(), mounted.filter { $0 != "spool" })
        XCTAssertTrue(try c.ask(.walk(fid: 0, newFid: 9, names: ["spool"])).isError, "nor found by name")

        // A file: its content, size and mode as the mount shows them.
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 1, names: ["a", "state"])).walked, 2)
        guard case .getattr(let a) = try c.ask(.getattr(fid: 1, mask: 0x3FFF)) else { return XCTFail("no getattr") }
        XCTAssertEqual(a.mode, UInt32(S_IFREG) | 0o444)
        XCTAssertEqual(a.size, 5)
        XCTAssertFalse(try c.ask(.lopen(fid: 1, flags: UInt32(O_RDONLY))).isError)
        XCTAssertEqual(try c.ask(.read(fid: 1, offset: 0, count: 4096)), .read(Array("idle\n".utf8)))

        // A write to control takes effect before it is answered, as on the mount.
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 2, names: ["a", "control"])).walked, 2)
        XCTAssertFalse(try c.ask(.lopen(fid: 2, flags: UInt32(O_WRONLY))).isError)
        XCTAssertEqual(try c.ask(.write(fid: 2, offset: 0, data: Array("pause\n".utf8))), .write(count: 6))
        XCTAssertEqual(try c.ask(.read(fid: 1, offset: 0, count: 4096)), .read(Array("paused\n".utf8)))
        XCTAssertEqual(m.read("a/state"), "paused\n")

        // Errnos: the same as the mount's, and the refusal recorded where the mount shows it.
        XCTAssertEqual(try c.ask(.write(fid: 2, offset: 0, data: Array("fly away\n".utf8))), .error(.invalidArgument))
        XCTAssertTrue((m.read("a/control") ?? "").contains("EINVAL"), m.read("a/control") ?? "")
        XCTAssertEqual(m.write("a/control", "fly away\n"), EINVAL)
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 3, names: ["nope"])), .error(.noSuchFileOrDirectory))
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 3, names: ["a", "state"])).walked, 2)
        XCTAssertEqual(try c.ask(.lopen(fid: 3, flags: UInt32(O_WRONLY))), .error(.permissionDenied))
        XCTAssertEqual(try c.ask(.unlinkat(directoryFid: 0, name: "a", flags: NineP.removeDirectory)), .error(.resourceBusy))
        XCTAssertEqual(try c.ask(.unlinkat(directoryFid: 0, name: "status", flags: 0)), .error(.notPermitted))

        // Directories made and removed through the link are the mount's.
        XCTAssertFalse(try c.ask(.mkdir(directoryFid: 0, name: "b", mode: 0o755, gid: getgid())).isError)
        XCTAssertTrue(m.sh("ls $MNT").out.contains("b\n"))
        XCTAssertEqual(try c.ask(.mkdir(directoryFid: 0, name: "b", mode: 0o755, gid: getgid())), .error(.fileExists))
        XCTAssertEqual(try c.ask(.unlinkat(directoryFid: 0, name: "b", flags: NineP.removeDirectory)), .unlinkat)
        XCTAssertFalse(m.sh("ls $MNT").out.contains("b\n"))
        XCTAssertEqual(try c.ask(.clunk(fid: 3)), .clunk)
        XCTAssertEqual(try c.ask(.clunk(fid: 3)), .error(.badFileDescriptor))
    }

    func testChangesArePushedToAHeldReadOfNotices() throws {
        newShell("a", "sleep 300")
        _ = waitUntil(5) { self.m.state("a") == "idle" }
        let c = try LinkClient(binary: MountFixture.binary, state: m.state)
        defer { c.close() }
        try c.handshake()
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 1, names: [".notices"])).walked, 1)
        XCTAssertFalse(try c.ask(.lopen(fid: 1, flags: UInt32(O_RDONLY))).isError)
        // A read with nothing to say is held, not answered empty.
        c.send(NinePCodec.encode(.read(fid: 1, offset: 0, count: 4096), tag: 900))
        XCTAssertEqual(try c.ask(.getattr(fid: 0, mask: 0x3FFF)).isError, false, "other requests are answered meanwhile")
        XCTAssertEqual(m.write("a/control", "pause\n"), 0)
        let (tag, pushed) = try c.next()
        XCTAssertEqual(tag, 900)
        guard case .read(let bytes) = pushed else { return XCTFail("\(pushed)") }
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).split(separator: "\n").contains("changed a"),
                      String(decoding: bytes, as: UTF8.self))
        // A held read that is flushed is never answered (a fid opened now has heard nothing yet).
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 2, names: [".notices"])).walked, 1)
        XCTAssertFalse(try c.ask(.lopen(fid: 2, flags: UInt32(O_RDONLY))).isError)
        c.send(NinePCodec.encode(.read(fid: 2, offset: 0, count: 4096), tag: 901))
        XCTAssertEqual(try c.ask(.flush(oldTag: 901)), .flush)
        XCTAssertEqual(m.write("a/control", "resume\n"), 0)
        XCTAssertEqual(try c.ask(.clunk(fid: 2)), .clunk, "the next answer is the clunk's, not the flushed read's")
    }

    func testAFollowedFileHoldsAReadAtItsEndUntilItGrows() throws {
        newShell("a", "sleep 300")
        _ = waitUntil(5) { self.m.state("a") == "idle" }
        let c = try LinkClient(binary: MountFixture.binary, state: m.state)
        defer { c.close() }
        try c.handshake()
        let size = UInt64((m.read("a/events") ?? "").utf8.count)
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 1, names: ["a", "events"])).walked, 2)
        XCTAssertFalse(try c.ask(.lopen(fid: 1, flags: UInt32(O_RDONLY) | NineP.follow)).isError)
        // At its end: held, while other requests are answered.
        c.send(NinePCodec.encode(.read(fid: 1, offset: size, count: 4096), tag: 900))
        XCTAssertEqual(try c.ask(.getattr(fid: 0, mask: 0x3FFF)).isError, false)
        XCTAssertEqual(m.write("a/control", "pause\n"), 0)
        // Answered as it grows: each answer what was added, read on from there until the state's line.
        var bytes: [UInt8] = []
        var tag: UInt16 = 900
        while !String(decoding: bytes, as: UTF8.self).hasSuffix("state paused\n") {
            let (answered, pushed) = try c.next()
            XCTAssertEqual(answered, tag)
            guard case .read(let more) = pushed, !more.isEmpty else { return XCTFail("\(pushed)") }
            bytes += more
            tag += 1
            c.send(NinePCodec.encode(.read(fid: 1, offset: size + UInt64(bytes.count), count: 4096), tag: tag))
        }
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains("control pause"))
        XCTAssertEqual(m.read("a/events")?.utf8.count, Int(size) + bytes.count, "what was added, and only that")
        XCTAssertEqual(try c.ask(.flush(oldTag: tag)), .flush, "the last read is held: flushed, never answered")

        // Reads are a stream: two waiting take what comes next in turn, in order.
        let end = size + UInt64(bytes.count)
        c.send(NinePCodec.encode(.read(fid: 1, offset: end, count: 4096), tag: 910))
        c.send(NinePCodec.encode(.read(fid: 1, offset: end, count: 4096), tag: 911))
        XCTAssertEqual(m.write("a/control", "resume\n"), 0)
        var more: [UInt8] = []
        var tags: [UInt16] = []
        while !String(decoding: more, as: UTF8.self).hasSuffix("state idle\n"), tags.count < 2 {
            let (answered, pushed) = try c.next()
            guard case .read(let piece) = pushed, !piece.isEmpty else { return XCTFail("\(pushed)") }
            tags.append(answered)
            more += piece
        }
        XCTAssertEqual(tags, Array([910, 911].prefix(tags.count)), "answered in the order asked")
        XCTAssertEqual(m.read("a/events").map { Array($0.utf8.dropFirst(Int(end))) }, more, "what followed, once, in order")
        // A read held when its fid is clunked is answered EBADF.
        if tags.count == 2 { c.send(NinePCodec.encode(.read(fid: 1, offset: 0, count: 4096), tag: 902)) }
        let held: UInt16 = tags.count == 2 ? 902 : 911
        c.send(NinePCodec.encode(.clunk(fid: 1), tag: 903))
        let first = try c.next(), second = try c.next()
        XCTAssertEqual(Set([first.tag, second.tag]), [held, 903])
        XCTAssertEqual([first, second].first { $0.tag == held }?.response, .error(.badFileDescriptor))

        // Only a file that grows can be followed.
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 2, names: ["a", "state"])).walked, 2)
        XCTAssertEqual(try c.ask(.lopen(fid: 2, flags: UInt32(O_RDONLY) | NineP.follow)), .error(.invalidArgument))
        // Without the flag, the end is an end of file.
        XCTAssertEqual(try c.ask(.walk(fid: 0, newFid: 3, names: ["a", "events"])).walked, 2)
        XCTAssertFalse(try c.ask(.lopen(fid: 3, flags: UInt32(O_RDONLY))).isError)
        XCTAssertEqual(try c.ask(.read(fid: 3, offset: end + UInt64(more.count), count: 4096)), .read([]))
    }

    func testGarbageClosesTheLinkWithTheReasonAndTheDaemonServesOn() throws {
        let c = try LinkClient(binary: MountFixture.binary, state: m.state)
        defer { c.close() }
        c.send([0xFF, 0xFF, 0xFF, 0x7F, 100, 0, 0])
        XCTAssertEqual(try c.next().response, .error(.badMessage), "said once")
        XCTAssertNil(try? c.next(), "then the link is closed")
        XCTAssertNotNil(m.read("status"), "the daemon serves on")
        let again = try LinkClient(binary: MountFixture.binary, state: m.state)
        defer { again.close() }
        XCTAssertEqual(try again.ask(.version(msize: 8192, version: NineP.version)), .version(msize: 8192, version: NineP.version))
    }

    func testATinyMessageSizeIsRefused() throws {
        let c = try LinkClient(binary: MountFixture.binary, state: m.state)
        defer { c.close() }
        XCTAssertEqual(try c.ask(.version(msize: 16, version: NineP.version)), .error(.invalidArgument))
        XCTAssertEqual(try c.ask(.version(msize: 8192, version: NineP.version)), .version(msize: 8192, version: NineP.version))
        XCTAssertNotNil(m.read("status"), "the daemon serves on")
    }

    func testServeWithoutADaemonSaysSo() {
        let r = m.sh("'\(MountFixture.binary)' serve --stdio --state \(m.root)/nothing-here </dev/null")
        XCTAssertEqual(r.status, 3)
        XCTAssertTrue(r.err.contains("no hivefs daemon is running for \(m.root)/nothing-here on this host"), r.err)
    }
}

/// A 9P2000.L client of `hivefs serve --stdio`, one request at a time.
final class LinkClient {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var framer = NinePFramer()
    var ready: [[UInt8]] = []
    var tag: UInt16 = 0

    /// Agrees on the dialect and a message size, and attaches fid 0 to the root.
    func handshake(msize: UInt32 = 65536) throws {
        _ = try ask(.version(msize: msize, version: NineP.version))
        _ = try ask(.attach(fid: 0, afid: NineP.noFid, uname: "", aname: "", uid: getuid()))
    }

    init(binary: String, state: String) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--stdio", "--state", state]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    func send(_ bytes: [UInt8]) {
        input.fileHandleForWriting.write(Data(bytes))
    }

    /// The next message from the server.
    func next() throws -> (tag: UInt16, response: NinePResponse) {
        while ready.isEmpty {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw HiveError(.socketNotConnected, "the link closed") }
            ready += try framer.take(Array(chunk))
        }
        return try NinePCodec.decodeResponse(ready.removeFirst())
    }

    func ask(_ request: NinePRequest) throws -> NinePResponse {
        tag &+= 1
        send(NinePCodec.encode(request, tag: tag))
        let (t, response) = try next()
        XCTAssertEqual(t, tag, "the answer to this request")
        return response
    }

    func close() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

extension NinePResponse {
    var isError: Bool { if case .error = self { return true } else { return false } }
    var walked: Int { if case .walk(let q) = self { return q.count } else { return -1 } }
}
