import Foundation
import XCTest
import HiveCore
@testable import HiveFUSE

/// A file of another host as its link would serve it, counting the round trips it
/// would make: an open's fetch and each read are one; attributes are answered from
/// what it knows (as the mirror does), with none.
final class StubRemoteFile: RemoteFile, @unchecked Sendable {
    let content = Shared(Array("idle 5s\n".utf8))
    let counter = Shared<UInt64>(1)
    /// What one message carries: a fetch holds at most this much.
    let carried = Shared(1 << 20)
    /// Set: every request over the link fails with it.
    let failure = Shared<HiveError?>(nil)
    let opens = Shared(0)
    let reads = Shared<[Int64]>([])
    let announced: Bool

    init(announced: Bool = true) { self.announced = announced }

    var roundTrips: Int { opens.get + reads.get.count }
    var version: UInt64 { counter.get }

    func open(_ done: @escaping @Sendable (Result<RemoteSnapshot, HiveError>) -> Void) {
        opens.update { $0 += 1 }
        let v = version, bytes = content.get, n = carried.get, failed = failure.get
        DispatchQueue.global().async {
            if let failed { return done(.failure(failed)) }
            done(.success(RemoteSnapshot(bytes: Array(bytes.prefix(n)), whole: bytes.count < n, version: v)))
        }
    }

    func attributes(_ done: @escaping @Sendable (Result<RemoteAttributes, HiveError>) -> Void) {
        done(.success(RemoteAttributes(size: content.get.count, mtime: Timestamp(milliseconds: 1_700_000_000_000), version: 0)))
    }

    func read(offset: Int64, count: Int, _ done: @escaping @Sendable (Result<[UInt8], HiveError>) -> Void) {
        reads.update { $0.append(offset) }
        let bytes = content.get, failed = failure.get
        DispatchQueue.global().async {
            if let failed { return done(.failure(failed)) }
            let start = min(Int(offset), bytes.count)
            done(.success(Array(bytes[start..<min(bytes.count, start + count)])))
        }
    }
}

/// Files of another host through the bridge: what a `cat`, a `stat`, `tail -f` and a
/// re-read after poll() cost in round trips, and what they see.
final class BridgeRemoteTests: BridgeTestCase {
    let remote = StubRemoteFile()
    let grows = StubRemoteFile(announced: false)

    override func setUpWithError() throws {
        try super.setUpWithError()
        for (name, file) in [("far", remote), ("farlog", grows)] {
            tree.set(Self.node("s", name), .file(FileDescription(
                mode: .readOnly, source: .remote(file), cache: .never,
                poll: PollCounter(group: "s") { [file] in file.version })))
        }
    }

    func testACatIsOneRoundTripAndAStatNone() {
        let a = ask(.lookup(parent: ino("s"), name: "far")).attributes
        XCTAssertEqual(a?.size, 8, "the size it knows")
        XCTAssertEqual(ask(.getattr(ino: a?.ino ?? 0)).attributes?.size, 8)
        XCTAssertEqual(remote.roundTrips, 0, "attributes never ask the link")

        // cat: lookup, open, a read, a read at the end, fstat, release.
        let h = open("s", "far")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 0)).text, "idle 5s\n")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 8)).text, "", "its end, known from the open")
        XCTAssertNotNil(ask(.getattr(ino: a?.ino ?? 0)).attributes)
        XCTAssertEqual(ask(.release(handle: h)), .ok)
        XCTAssertEqual(remote.roundTrips, 1)
        XCTAssertEqual(remote.opens.get, 1)
    }

    func testAfterAChangeItsEndIsAskedForAndAReadFromTheStartSeesIt() {
        let h = open("s", "far")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 0)).text, "idle 5s\n")
        XCTAssertEqual(ask(.poll(handle: h, waiter: RecordingWaiter())), .poll(0), "nothing changed")
        remote.content.set(Array("idle 5s\nworking\n".utf8))
        remote.counter.set(2)
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 8)).text, "working\n", "tail -f sees what was added")
        XCTAssertEqual(remote.reads.get, [8])
        XCTAssertEqual(ask(.read(handle: h, size: 4, offset: 2)).text, "le 5", "inside the snapshot: from it")
        XCTAssertEqual(ask(.poll(handle: h, waiter: nil)), .poll(Bridge.changedEvents))
        remote.content.set(Array("working\n".utf8))
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 0)).text, "working\n", "a re-read after poll() fetches again")
        XCTAssertEqual(ask(.poll(handle: h, waiter: RecordingWaiter())), .poll(0), "caught up")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 8)).text, "", "the new snapshot's end, at once")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 0)).text, "working\n", "no change: from the snapshot")
        XCTAssertEqual(remote.roundTrips, 3, "the open, the read past its end, the fetch again")
    }

    func testAFileLongerThanOneMessageIsReadOnOverTheLink() {
        remote.carried.set(4)
        let h = open("s", "far")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 0)).text, "idle")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 4)).text, " 5s\n")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 8)).text, "")
        XCTAssertEqual(remote.reads.get, [4, 8], "past a snapshot that is not the whole file, the link")
    }

    func testAFileThatChangesUnannouncedHasItsEndAskedForEachTime() {
        let h = open("s", "farlog")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 0)).text, "idle 5s\n", "the first read, from the open's fetch")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 8)).text, "")
        grows.content.set(Array("idle 5s\nmore\n".utf8))
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 8)).text, "more\n", "grown with no change announced")
        XCTAssertEqual(ask(.read(handle: h, size: 65536, offset: 0)).text, "idle 5s\nmore\n", "a re-read fetches again")
        XCTAssertEqual(grows.opens.get, 2)
        XCTAssertEqual(grows.reads.get, [8, 8])
    }

    func testAnOpenFailsWithTheLinksErrnoAndAWriteOnlyOneAsksNothing() {
        remote.failure.set(HiveError(.socketNotConnected, "link to box is down: cut"))
        XCTAssertEqual(ask(.open(ino: ino("s", "far"), flags: O_RDONLY)).errno, .socketNotConnected)
        remote.failure.set(.notFound("box: /s/far"))
        XCTAssertEqual(ask(.open(ino: ino("s", "far"), flags: O_RDONLY)).errno, .noSuchFileOrDirectory)
        XCTAssertEqual(remote.opens.get, 2)

        tree.set(Self.node("s", "farcontrol"), .file(FileDescription(
            mode: .readWrite, source: .remote(remote), cache: .never,
            write: .commands { _, _, done in done(nil) })))
        let h = open("s", "farcontrol", flags: O_WRONLY)
        XCTAssertEqual(ask(.write(handle: h, bytes: bytes("pause\n"), offset: 0, uid: 1)), .write(6))
        XCTAssertEqual(remote.opens.get, 2, "opened to be written: nothing fetched")
    }
}
