import HiveCore
import HiveFuzz
import SystemPackage
import XCTest

/// The link's decoders against what a hostile peer can send, message type by
/// message type: every type number with random bodies, random messages of every
/// kind each side decodes (the server's requests, the client's responses) and
/// their mutations, and streams cut anywhere. Nothing crashes, nothing is taken
/// halfway (what decodes encodes back to the same message), and a size the
/// framer refuses is refused before its bytes are held. Seeded (HIVEFS_FUZZ_SEED);
/// HIVEFS_FUZZ_SCALE multiplies the cases.
final class NinePFuzzTests: XCTestCase {
    /// A name as a hostile peer would pick one.
    static let awkwardNames = ["", ".", "..", "/", "a/b", "../../etc", "x\u{0}y", "\u{0}", "@x", ".notices",
                               String(repeating: "n", count: 300), "é", "🐝", "status", "control"]

    static func string(_ r: inout FuzzRand) -> String {
        switch r.below(3) {
        case 0: return r.pick(awkwardNames)
        case 1: return String(decoding: r.bytes(r.below(24)), as: UTF8.self)  // invalid bytes become U+FFFD
        default: return String(repeating: "z", count: r.below(400))
        }
    }

    static func u32(_ r: inout FuzzRand) -> UInt32 {
        r.pick([0, 1, 0xFFFF_FFFF, 0x7FFF_FFFF, UInt32(truncatingIfNeeded: r.next())])
    }

    static func u64(_ r: inout FuzzRand) -> UInt64 { r.pick([0, 1, UInt64.max, UInt64(Int64.max), r.next()]) }

    static func qid(_ r: inout FuzzRand) -> Qid {
        Qid(type: UInt8(truncatingIfNeeded: r.next()), version: u32(&r), path: u64(&r))
    }

    /// A request of each kind the server decodes, in turn, with random fields.
    static func request(_ i: Int, _ r: inout FuzzRand) -> NinePRequest {
        switch i % 14 {
        case 0: return .version(msize: u32(&r), version: r.chance(50) ? NineP.version : string(&r))
        case 1: return .attach(fid: u32(&r), afid: u32(&r), uname: string(&r), aname: string(&r), uid: u32(&r))
        case 2: return .flush(oldTag: UInt16(truncatingIfNeeded: r.next()))
        case 3: return .walk(fid: u32(&r), newFid: u32(&r), names: (0..<r.below(17)).map { _ in string(&r) })
        case 4: return .lopen(fid: u32(&r), flags: u32(&r))
        case 5: return .getattr(fid: u32(&r), mask: u64(&r))
        case 6:
            var a = NinePSetAttributes(valid: u32(&r), size: u64(&r))
            a.mode = u32(&r); a.uid = u32(&r); a.gid = u32(&r)
            a.times = [u64(&r), u64(&r), u64(&r), u64(&r)]
            return .setattr(fid: u32(&r), a)
        case 7: return .readdir(fid: u32(&r), offset: u64(&r), count: u32(&r))
        case 8: return .read(fid: u32(&r), offset: u64(&r), count: u32(&r))
        case 9: return .write(fid: u32(&r), offset: u64(&r), data: r.bytes(r.below(3000)))
        case 10: return .clunk(fid: u32(&r))
        case 11: return .mkdir(directoryFid: u32(&r), name: string(&r), mode: u32(&r), gid: u32(&r))
        case 12: return .unlinkat(directoryFid: u32(&r), name: string(&r), flags: u32(&r))
        default: return .statfs(fid: u32(&r))
        }
    }

    /// A response of each kind the client decodes, in turn, with random fields.
    static func response(_ i: Int, _ r: inout FuzzRand) -> NinePResponse {
        switch i % 15 {
        case 0: return .version(msize: u32(&r), version: r.chance(50) ? NineP.version : string(&r))
        case 1: return .attach(qid(&r))
        case 2: return .error(Errno(rawValue: Int32(bitPattern: u32(&r))))
        case 3: return .flush
        case 4: return .walk((0..<r.below(17)).map { _ in qid(&r) })
        case 5: return .lopen(qid(&r), iounit: u32(&r))
        case 6:
            var a = NinePAttributes(qid: qid(&r), mode: u32(&r))
            a.uid = u32(&r); a.gid = u32(&r); a.nlink = u64(&r); a.size = u64(&r)
            a.mtimeSeconds = u64(&r); a.mtimeNanoseconds = u64(&r); a.dataVersion = u64(&r)
            return .getattr(a)
        case 7: return .setattr
        case 8:
            return .readdir((0..<r.below(20)).map { _ in
                NinePDirectoryEntry(qid: qid(&r), next: u64(&r), type: UInt8(truncatingIfNeeded: r.next()), name: string(&r))
            })
        case 9: return .read(r.bytes(r.below(3000)))
        case 10: return .write(count: u32(&r))
        case 11: return .clunk
        case 12: return .mkdir(qid(&r))
        case 13: return .unlinkat
        default: return .statfs(blockSize: u32(&r), nameLength: u32(&r))
        }
    }

    /// Both decoders on one message: no crash, and what decodes is a whole message
    /// (encoding it again gives the same bytes, or for a response the same value).
    /// Returns how many of the two took it for a message (a type the server does
    /// not speak, which it answers EOPNOTSUPP, is not counted).
    @discardableResult
    static func decodeBoth(_ bytes: [UInt8], _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) -> Int {
        var took = 0
        if let (tag, d) = try? NinePCodec.decodeRequest(bytes) {
            switch d {
            case .message(let q):
                took += 1
                XCTAssertEqual(NinePCodec.encode(q, tag: tag), bytes, "\(what()): \(q)", file: file, line: line)
            case .unsupported(let type):
                XCTAssertEqual(type, bytes[4], file: file, line: line)
                XCTAssertTrue(NineP.Kind(rawValue: type).map { $0.rawValue % 2 == 1 || $0 == .rlerror } ?? true,
                              "a request type the server speaks was called unsupported: \(type)", file: file, line: line)
            }
        }
        if let (tag, response) = try? NinePCodec.decodeResponse(bytes) {
            took += 1
            XCTAssertEqual(bytes[4] % 2 == 1 || bytes[4] == NineP.Kind.rlerror.rawValue, true, "a response of request type \(bytes[4])",
                           file: file, line: line)
            let again = try? NinePCodec.decodeResponse(NinePCodec.encode(response, tag: tag))
            XCTAssertEqual(again?.response, response, "\(what())", file: file, line: line)
            XCTAssertEqual(again?.tag, tag, file: file, line: line)
        }
        return took
    }

    /// A header in front of a body: its size right, or (`lie`) any.
    static func framed(_ type: UInt8, tag: UInt16, _ body: [UInt8], size: UInt32? = nil) -> [UInt8] {
        let n = size ?? UInt32(truncatingIfNeeded: 7 + body.count)
        return [UInt8(truncatingIfNeeded: n), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n >> 16),
                UInt8(truncatingIfNeeded: n >> 24), type, UInt8(truncatingIfNeeded: tag), UInt8(truncatingIfNeeded: tag >> 8)] + body
    }

    /// Every type number, 0 to 255, with random bodies under a right size: each
    /// branch of each decoder meets fields cut short, too long, and of any value.
    func testEveryTypeNumberWithRandomBodies() {
        var r = FuzzRand(state: Fuzz.seed ^ 0x7479_7065)
        let perType = 48 * Fuzz.scale
        var cases = 0, taken = 0
        for type in 0...255 {
            for k in 0..<perType {
                // Lengths around those of real messages (a qid is 13 bytes, Rgetattr's body 153).
                let length = k < 24 ? k : r.pick([r.below(40), 13, 17, 153, 160, r.below(300)])
                var body = r.bytes(length)
                // A string or count field that says more than there is, or exactly what there is.
                if body.count >= 2, r.chance(30) { body[0] = UInt8(truncatingIfNeeded: body.count - 2); body[1] = 0 }
                let message = Self.framed(UInt8(type), tag: UInt16(truncatingIfNeeded: r.next()), body)
                taken += Self.decodeBoth(message, "type \(type) body \(body.prefix(24))")
                cases += 1
            }
        }
        XCTAssertGreaterThan(taken, 0, "some random bodies are messages")
        print("fuzz 9P: \(cases) messages of every type number with random bodies, \(taken) decodes")
    }

    /// Random messages of every kind: each round-trips; then mutated (bytes flipped,
    /// cut, grown, the size field kept right or not) each is refused or decodes to
    /// a whole message.
    func testRandomMessagesOfEveryKindAndTheirMutations() throws {
        var r = FuzzRand(state: Fuzz.seed ^ 0x6B69_6E64)
        let count = 2_800 * Fuzz.scale
        var mutants = 0
        for i in 0..<count {
            let tag = UInt16(truncatingIfNeeded: r.next())
            let original: [UInt8]
            if i % 2 == 0 {
                let q = Self.request(i / 2, &r)
                original = NinePCodec.encode(q, tag: tag)
                let back = try NinePCodec.decodeRequest(original)
                XCTAssertEqual(back.tag, tag)
                XCTAssertEqual(back.request, .message(q))
            } else {
                let a = Self.response(i / 2, &r)
                original = NinePCodec.encode(a, tag: tag)
                let back = try NinePCodec.decodeResponse(original)
                XCTAssertEqual(back.tag, tag)
                XCTAssertEqual(back.response, a)
            }
            for _ in 0..<4 {
                var m = Fuzz.mutate(original, &r)
                if m.count >= 4, r.chance(60) {
                    // The size made right again: the body's own fields must catch it.
                    let n = UInt32(m.count)
                    for b in 0..<4 { m[b] = UInt8(truncatingIfNeeded: n >> (8 * UInt32(b))) }
                }
                Self.decodeBoth(m, "message \(i) mutated")
                mutants += 1
            }
        }
        print("fuzz 9P: \(count) random messages of every kind round-tripped, \(mutants) mutations decoded or refused")
    }

    /// A stream of messages cut at random points gives them back whole and in
    /// order; garbage within it is refused where it begins; a size over the limit
    /// (4 GiB) or under a header is refused from its 4 bytes, nothing held for it.
    func testStreamsCutAnywhereAndAbsurdSizes() throws {
        var r = FuzzRand(state: Fuzz.seed ^ 0x7374_7265)
        for round in 0..<(200 * Fuzz.scale) {
            let messages = (0..<(1 + r.below(12))).map { k in NinePCodec.encode(Self.response(round + k, &r), tag: UInt16(k)) }
            var stream = messages.flatMap { $0 }
            let garbage = r.chance(30)
            if garbage { stream += r.pick([[0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [6, 0, 0, 0], Array("Welcome to box\n".utf8)]) }
            var framer = NinePFramer()
            var got: [[UInt8]] = []
            var refused = false
            var at = 0
            while at < stream.count {
                let n = 1 + r.below(300)
                do {
                    got += try framer.take(stream[at..<min(stream.count, at + n)])
                } catch {
                    XCTAssertEqual(error.errno, .badMessage)
                    refused = true
                    break
                }
                at += n
            }
            XCTAssertEqual(refused, garbage, "round \(round)")
            // Whole and in order; once refused, those of the refused piece are dropped with it.
            if garbage {
                XCTAssertTrue(messages.starts(with: got), "round \(round): \(got.count) of \(messages.count) messages, not the first ones")
            } else {
                XCTAssertTrue(got == messages, "round \(round): \(got.count) of \(messages.count) messages, or not whole and in order")
            }
            XCTAssertLessThan(framer.held, Int(NineP.maxMessage), "round \(round)")
        }
        for size: UInt32 in [0, 1, 6, NineP.maxMessage + 1, 0x7FFF_FFFF, 0xFFFF_FFFF] {
            var framer = NinePFramer()
            XCTAssertThrowsError(try framer.take(Self.framed(101, tag: 0, [], size: size).prefix(4)), "size \(size)")
            XCTAssertLessThanOrEqual(framer.held, 4, "nothing of a refused message is kept")
        }
        var framer = NinePFramer()
        XCTAssertEqual(try framer.take(Self.framed(101, tag: 0, [], size: NineP.maxMessage).prefix(4)), [], "the largest size is waited for")
    }
}
