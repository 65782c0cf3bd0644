import HiveCore
import HiveFuzz
import SystemPackage
import XCTest

/// The link's wire format: every message spoken round-trips, the bytes are 9P2000.L's
/// (checked against messages written out by hand from the protocol's definition),
/// and no input, however broken, crashes the decoder or is taken for a message.
final class NinePCodecTests: XCTestCase {
    static let requests: [NinePRequest] = [
        .version(msize: NineP.maxMessage, version: NineP.version),
        .attach(fid: 0, afid: NineP.noFid, uname: "me", aname: "", uid: 1000),
        .flush(oldTag: 7),
        .walk(fid: 0, newFid: 1, names: ["fix-db", "state"]),
        .walk(fid: 1, newFid: 1, names: []),
        .lopen(fid: 1, flags: UInt32(O_RDONLY)),
        .getattr(fid: 1, mask: 0x3FFF),
        .setattr(fid: 1, NinePSetAttributes(valid: NinePSetAttributes.size, size: 0)),
        .readdir(fid: 0, offset: 3, count: 8192),
        .read(fid: 1, offset: 1 << 40, count: 65536),
        .write(fid: 2, offset: 0, data: Array("pause\n".utf8)),
        .write(fid: 2, offset: 9, data: []),
        .clunk(fid: 2),
        .mkdir(directoryFid: 0, name: "new-one", mode: 0o755, gid: 0),
        .unlinkat(directoryFid: 0, name: "old", flags: NineP.removeDirectory),
        .statfs(fid: 0),
    ]

    static let responses: [NinePResponse] = {
        var a = NinePAttributes(qid: Qid(type: Qid.fileType, version: 3, path: 42), mode: 0o100444)
        a.size = 5; a.mtimeSeconds = 1_765_000_000; a.mtimeNanoseconds = 123_000_000; a.dataVersion = 9; a.uid = 1000; a.gid = 1000
        return [
            .version(msize: 8192, version: NineP.version),
            .attach(Qid(type: Qid.directoryType, path: 1)),
            .error(.noSuchFileOrDirectory),
            .error(.socketNotConnected),
            .flush,
            .walk([Qid(type: Qid.directoryType, path: 2), Qid(type: Qid.fileType, version: 1, path: 3)]),
            .walk([]),
            .lopen(Qid(type: Qid.fileType, path: 3), iounit: 65536),
            .getattr(a),
            .setattr,
            .readdir([NinePDirectoryEntry(qid: Qid(type: Qid.directoryType, path: 2), next: 1, type: 4, name: "fix-db"),
                      NinePDirectoryEntry(qid: Qid(type: Qid.fileType, path: 5), next: 2, type: 8, name: "status")]),
            .readdir([]),
            .read(Array("idle\n".utf8)),
            .write(count: 6),
            .clunk,
            .mkdir(Qid(type: Qid.directoryType, path: 9)),
            .unlinkat,
            .statfs(blockSize: 4096, nameLength: 255),
        ]
    }()

    func testEveryRequestAndResponseRoundTrips() throws {
        for (i, q) in Self.requests.enumerated() {
            let bytes = NinePCodec.encode(q, tag: UInt16(i))
            let (tag, back) = try NinePCodec.decodeRequest(bytes)
            XCTAssertEqual(tag, UInt16(i))
            XCTAssertEqual(back, .message(q))
        }
        for (i, r) in Self.responses.enumerated() {
            let bytes = NinePCodec.encode(r, tag: UInt16(i))
            let (tag, back) = try NinePCodec.decodeResponse(bytes)
            XCTAssertEqual(tag, UInt16(i))
            XCTAssertEqual(back, r)
        }
    }

    func testTheBytesAreThoseOf9P2000L() throws {
        // size[4] Tversion(100) tag[2]=NOTAG msize[4]=8192 version[s]="9P2000.L"
        XCTAssertEqual(NinePCodec.encode(NinePRequest.version(msize: 8192, version: "9P2000.L"), tag: NineP.noTag),
                       [21, 0, 0, 0, 100, 0xFF, 0xFF, 0x00, 0x20, 0, 0, 8, 0] + Array("9P2000.L".utf8))
        // size[4] Twalk(110) tag[2] fid[4] newfid[4] nwname[2] wname[s]
        XCTAssertEqual(NinePCodec.encode(NinePRequest.walk(fid: 1, newFid: 2, names: ["ab"]), tag: 3),
                       [21, 0, 0, 0, 110, 3, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 2, 0, 97, 98])
        // size[4] Rlerror(7) tag[2] ecode[4]: ENOENT is 2
        XCTAssertEqual(NinePCodec.encode(NinePResponse.error(.noSuchFileOrDirectory), tag: 5), [11, 0, 0, 0, 7, 5, 0, 2, 0, 0, 0])
        // size[4] Rread(117) tag[2] count[4] data
        XCTAssertEqual(NinePCodec.encode(NinePResponse.read([0x68, 0x69]), tag: 1), [13, 0, 0, 0, 117, 1, 0, 2, 0, 0, 0, 0x68, 0x69])
        // Rgetattr is 160 bytes: header, valid, qid, then 3 u32 and 16 u64 fields.
        XCTAssertEqual(NinePCodec.encode(NinePResponse.getattr(NinePAttributes(qid: Qid(type: 0, path: 1), mode: 0o100444)), tag: 1).count,
                       7 + 8 + 13 + 3 * 4 + 15 * 8)
    }

    func testATypeTheLinkDoesNotSpeakIsSaidSoWithItsTag() throws {
        // Tsymlink (16): fid[4] name[s] symtgt[s] gid[4]
        var msg: [UInt8] = [0, 0, 0, 0, 16, 9, 0, 1, 0, 0, 0, 1, 0, 97, 1, 0, 98, 0, 0, 0, 0]
        msg[0] = UInt8(msg.count)
        let (tag, decoded) = try NinePCodec.decodeRequest(msg)
        XCTAssertEqual(tag, 9)
        XCTAssertEqual(decoded, .unsupported(16))
    }

    func testBrokenMessagesAreRefusedWithTheReason() {
        let good = NinePCodec.encode(.walk(fid: 1, newFid: 2, names: ["fix-db"]), tag: 3)
        func refused(_ bytes: [UInt8], _ words: String, line: UInt = #line) {
            do {
                _ = try NinePCodec.decodeRequest(bytes)
                XCTFail("taken: \(bytes)", line: line)
            } catch {
                XCTAssertEqual(error.errno, .badMessage, line: line)
                XCTAssertTrue(error.reason.contains(words), error.reason, line: line)
            }
        }
        refused(Array(good.prefix(5)), "shorter than a header")
        var short = Array(good.dropLast())
        short[0] -= 1
        refused(short, "ends inside a field")
        var long = good + [0]
        long[0] += 1
        refused(long, "after its last field")
        refused(Array(good.dropLast()), "its size says")
        var notUTF8 = good
        notUTF8[notUTF8.count - 1] = 0xFF
        refused(notUTF8, "not UTF-8")
        var many = NinePCodec.encode(.walk(fid: 1, newFid: 2, names: []), tag: 3)
        many[15] = 17
        refused(many, "at most 16")
    }

    func testTheFramerCutsAStreamAtAnyPointAndRefusesAbsurdSizes() throws {
        let stream = Self.requests.enumerated().flatMap { NinePCodec.encode($0.element, tag: UInt16($0.offset)) }
        for chunk in [1, 2, 3, 7, 64, stream.count] {
            var framer = NinePFramer()
            var got: [NinePRequest] = []
            var at = 0
            while at < stream.count {
                for m in try framer.take(stream[at..<min(stream.count, at + chunk)]) {
                    if case .message(let r) = try NinePCodec.decodeRequest(m).request { got.append(r) }
                }
                at += chunk
            }
            XCTAssertEqual(got, Self.requests, "in chunks of \(chunk)")
            XCTAssertEqual(framer.held, 0)
        }
        var framer = NinePFramer(limit: 8192)
        XCTAssertThrowsError(try framer.take([0x01, 0x20, 0, 0, 100])) { XCTAssertTrue("\($0)".contains("more than the 8192 agreed"), "\($0)") }
        var tiny = NinePFramer()
        XCTAssertThrowsError(try tiny.take([3, 0, 0, 0])) { XCTAssertTrue("\($0)".contains("shorter than a header"), "\($0)") }
    }

    /// Seeded: random bytes, and real messages with bytes flipped, cut and grown.
    func testFuzzedInputNeverCrashesAndIsNeverTakenHalfway() {
        var rng = FuzzRand(state: 0x9F2000)
        let seeds = Self.requests.enumerated().map { NinePCodec.encode($0.element, tag: UInt16($0.offset)) }
            + Self.responses.enumerated().map { NinePCodec.encode($0.element, tag: UInt16($0.offset)) }
        var decoded = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 4 == 0 {
                bytes = rng.bytes(rng.below(64))
            } else {
                bytes = rng.pick(seeds)
                for _ in 0..<(1 + rng.below(3)) {
                    switch rng.below(3) {
                    case 0 where !bytes.isEmpty: bytes[rng.below(bytes.count)] = UInt8(truncatingIfNeeded: rng.next())
                    case 1 where !bytes.isEmpty: bytes.removeLast(rng.below(bytes.count))
                    default: bytes += rng.bytes(rng.below(8))
                    }
                }
            }
            if let (tag, r) = try? NinePCodec.decodeRequest(bytes), case .message(let q) = r {
                // What decodes is a whole message: encoding it again gives the same bytes.
                XCTAssertEqual(NinePCodec.encode(q, tag: tag), bytes, "\(q)")
                decoded += 1
            }
            _ = try? NinePCodec.decodeResponse(bytes)
            var framer = NinePFramer(limit: 4096)
            _ = try? framer.take(bytes)
        }
        XCTAssertGreaterThan(decoded, 0, "some mutations are still messages")
    }
}
