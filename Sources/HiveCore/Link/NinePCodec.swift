import SystemPackage

/// 9P2000.L's wire format: little-endian integers, strings as a 16-bit length and
/// UTF-8 bytes, each message `size[4] type[1] tag[2]` and its fields. Pure: bytes
/// in, values out, and the other way; every read is bounds-checked, and bytes that
/// are no message are refused with EBADMSG and the reason.
public enum NinePCodec {
    // MARK: requests

    public static func encode(_ request: NinePRequest, tag: UInt16) -> [UInt8] {
        var w = Writer()
        switch request {
        case .version(let msize, let version):
            w.begin(.tversion, tag); w.u32(msize); w.string(version)
        case .attach(let fid, let afid, let uname, let aname, let uid):
            w.begin(.tattach, tag); w.u32(fid); w.u32(afid); w.string(uname); w.string(aname); w.u32(uid)
        case .flush(let old):
            w.begin(.tflush, tag); w.u16(old)
        case .walk(let fid, let newFid, let names):
            w.begin(.twalk, tag); w.u32(fid); w.u32(newFid); w.u16(UInt16(truncatingIfNeeded: names.count))
            for n in names { w.string(n) }
        case .lopen(let fid, let flags):
            w.begin(.tlopen, tag); w.u32(fid); w.u32(flags)
        case .getattr(let fid, let mask):
            w.begin(.tgetattr, tag); w.u32(fid); w.u64(mask)
        case .setattr(let fid, let a):
            w.begin(.tsetattr, tag); w.u32(fid); w.u32(a.valid); w.u32(a.mode); w.u32(a.uid); w.u32(a.gid); w.u64(a.size)
            for i in 0..<4 { w.u64(i < a.times.count ? a.times[i] : 0) }
        case .readdir(let fid, let offset, let count):
            w.begin(.treaddir, tag); w.u32(fid); w.u64(offset); w.u32(count)
        case .read(let fid, let offset, let count):
            w.begin(.tread, tag); w.u32(fid); w.u64(offset); w.u32(count)
        case .write(let fid, let offset, let data):
            w.begin(.twrite, tag); w.u32(fid); w.u64(offset); w.u32(UInt32(truncatingIfNeeded: data.count)); w.bytes(data)
        case .clunk(let fid):
            w.begin(.tclunk, tag); w.u32(fid)
        case .mkdir(let dfid, let name, let mode, let gid):
            w.begin(.tmkdir, tag); w.u32(dfid); w.string(name); w.u32(mode); w.u32(gid)
        case .unlinkat(let dfid, let name, let flags):
            w.begin(.tunlinkat, tag); w.u32(dfid); w.string(name); w.u32(flags)
        case .statfs(let fid):
            w.begin(.tstatfs, tag); w.u32(fid)
        }
        return w.finish()
    }

    /// A request from one whole message (as `Framer` gives it), with its tag. A type
    /// the link does not speak is `.unsupported`, so the server can answer it.
    public static func decodeRequest(_ message: [UInt8]) throws(HiveError) -> (tag: UInt16, request: Decoded<NinePRequest>) {
        var r = try Reader(message)
        let tag = r.tag
        guard let kind = NineP.Kind(rawValue: r.type) else { return (tag, .unsupported(r.type)) }
        let request: NinePRequest
        switch kind {
        case .tversion: request = .version(msize: try r.u32(), version: try r.string())
        case .tattach: request = .attach(fid: try r.u32(), afid: try r.u32(), uname: try r.string(), aname: try r.string(), uid: try r.u32())
        case .tflush: request = .flush(oldTag: try r.u16())
        case .twalk:
            let fid = try r.u32(), newFid = try r.u32(), n = try r.u16()
            guard n <= 16 else { throw bad("a walk of \(n) names (at most 16)") }
            var names: [String] = []
            for _ in 0..<n { names.append(try r.string()) }
            request = .walk(fid: fid, newFid: newFid, names: names)
        case .tlopen: request = .lopen(fid: try r.u32(), flags: try r.u32())
        case .tgetattr: request = .getattr(fid: try r.u32(), mask: try r.u64())
        case .tsetattr:
            let fid = try r.u32()
            var a = NinePSetAttributes(valid: try r.u32())
            a.mode = try r.u32(); a.uid = try r.u32(); a.gid = try r.u32(); a.size = try r.u64()
            a.times = [try r.u64(), try r.u64(), try r.u64(), try r.u64()]
            request = .setattr(fid: fid, a)
        case .treaddir: request = .readdir(fid: try r.u32(), offset: try r.u64(), count: try r.u32())
        case .tread: request = .read(fid: try r.u32(), offset: try r.u64(), count: try r.u32())
        case .twrite:
            let fid = try r.u32(), offset = try r.u64(), count = try r.u32()
            request = .write(fid: fid, offset: offset, data: try r.bytes(Int(count)))
        case .tclunk: request = .clunk(fid: try r.u32())
        case .tmkdir: request = .mkdir(directoryFid: try r.u32(), name: try r.string(), mode: try r.u32(), gid: try r.u32())
        case .tunlinkat: request = .unlinkat(directoryFid: try r.u32(), name: try r.string(), flags: try r.u32())
        case .tstatfs: request = .statfs(fid: try r.u32())
        default: return (tag, .unsupported(r.type))
        }
        try r.end()
        return (tag, .message(request))
    }

    // MARK: responses

    public static func encode(_ response: NinePResponse, tag: UInt16) -> [UInt8] {
        var w = Writer()
        switch response {
        case .version(let msize, let version):
            w.begin(.rversion, tag); w.u32(msize); w.string(version)
        case .attach(let qid):
            w.begin(.rattach, tag); w.qid(qid)
        case .error(let errno):
            w.begin(.rlerror, tag); w.u32(UInt32(bitPattern: errno.rawValue))
        case .flush:
            w.begin(.rflush, tag)
        case .walk(let qids):
            w.begin(.rwalk, tag); w.u16(UInt16(truncatingIfNeeded: qids.count))
            for q in qids { w.qid(q) }
        case .lopen(let qid, let iounit):
            w.begin(.rlopen, tag); w.qid(qid); w.u32(iounit)
        case .getattr(let a):
            w.begin(.rgetattr, tag); w.u64(NinePAttributes.validMask); w.qid(a.qid); w.u32(a.mode); w.u32(a.uid); w.u32(a.gid)
            w.u64(a.nlink); w.u64(0); w.u64(a.size); w.u64(4096); w.u64(a.size / 512 + (a.size % 512 == 0 ? 0 : 1))
            w.u64(a.mtimeSeconds); w.u64(a.mtimeNanoseconds)  // atime: as mtime
            w.u64(a.mtimeSeconds); w.u64(a.mtimeNanoseconds)
            w.u64(a.mtimeSeconds); w.u64(a.mtimeNanoseconds)  // ctime: as mtime
            w.u64(0); w.u64(0); w.u64(0); w.u64(a.dataVersion)
        case .setattr:
            w.begin(.rsetattr, tag)
        case .readdir(let entries):
            w.begin(.rreaddir, tag)
            var body = Writer(raw: ())
            for e in entries { body.qid(e.qid); body.u64(e.next); body.u8(e.type); body.string(e.name) }
            w.u32(UInt32(truncatingIfNeeded: body.buffer.count)); w.bytes(body.buffer)
        case .read(let data):
            w.begin(.rread, tag); w.u32(UInt32(truncatingIfNeeded: data.count)); w.bytes(data)
        case .write(let count):
            w.begin(.rwrite, tag); w.u32(count)
        case .clunk:
            w.begin(.rclunk, tag)
        case .mkdir(let qid):
            w.begin(.rmkdir, tag); w.qid(qid)
        case .unlinkat:
            w.begin(.runlinkat, tag)
        case .statfs(let blockSize, let nameLength):
            w.begin(.rstatfs, tag); w.u32(0x01021997); w.u32(blockSize)
            for _ in 0..<6 { w.u64(0) }
            w.u32(nameLength)
        }
        return w.finish()
    }

    /// A response from one whole message, with its tag.
    public static func decodeResponse(_ message: [UInt8]) throws(HiveError) -> (tag: UInt16, response: NinePResponse) {
        var r = try Reader(message)
        let tag = r.tag
        guard let kind = NineP.Kind(rawValue: r.type) else { throw bad("unknown response type \(r.type)") }
        let response: NinePResponse
        switch kind {
        case .rversion: response = .version(msize: try r.u32(), version: try r.string())
        case .rattach: response = .attach(try r.qid())
        case .rlerror: response = .error(Errno(rawValue: Int32(bitPattern: try r.u32())))
        case .rflush: response = .flush
        case .rwalk:
            let n = try r.u16()
            guard n <= 16 else { throw bad("a walk answered with \(n) qids (at most 16)") }
            var qids: [Qid] = []
            for _ in 0..<n { qids.append(try r.qid()) }
            response = .walk(qids)
        case .rlopen: response = .lopen(try r.qid(), iounit: try r.u32())
        case .rgetattr:
            _ = try r.u64()
            var a = NinePAttributes(qid: try r.qid(), mode: try r.u32())
            a.uid = try r.u32(); a.gid = try r.u32(); a.nlink = try r.u64()
            _ = try r.u64()
            a.size = try r.u64()
            _ = try r.u64(); _ = try r.u64(); _ = try r.u64(); _ = try r.u64()
            a.mtimeSeconds = try r.u64(); a.mtimeNanoseconds = try r.u64()
            for _ in 0..<5 { _ = try r.u64() }
            a.dataVersion = try r.u64()
            response = .getattr(a)
        case .rsetattr: response = .setattr
        case .rreaddir:
            let count = try r.u32()
            var body = try Reader(body: try r.bytes(Int(count)))
            var entries: [NinePDirectoryEntry] = []
            while !body.atEnd {
                entries.append(NinePDirectoryEntry(qid: try body.qid(), next: try body.u64(), type: try body.u8(), name: try body.string()))
            }
            response = .readdir(entries)
        case .rread: response = .read(try r.bytes(Int(try r.u32())))
        case .rwrite: response = .write(count: try r.u32())
        case .rclunk: response = .clunk
        case .rmkdir: response = .mkdir(try r.qid())
        case .runlinkat: response = .unlinkat
        case .rstatfs:
            _ = try r.u32()
            let bsize = try r.u32()
            for _ in 0..<6 { _ = try r.u64() }
            response = .statfs(blockSize: bsize, nameLength: try r.u32())
        default: throw bad("a request (type \(r.type)) where a response belongs")
        }
        try r.end()
        return (tag, response)
    }

    /// A message that decoded, or one of a type the link does not speak.
    public enum Decoded<T: Equatable & Sendable>: Equatable, Sendable {
        case message(T)
        case unsupported(UInt8)
    }

    static func bad(_ why: String) -> HiveError { HiveError(.badMessage, "not a 9P2000.L message: " + why) }

    // MARK: reading and writing

    struct Writer {
        var buffer: [UInt8] = [0, 0, 0, 0]
        init() {}
        /// A body with no size in front (`Rreaddir`'s entries).
        init(raw: Void) { buffer = [] }

        mutating func begin(_ kind: NineP.Kind, _ tag: UInt16) { u8(kind.rawValue); u16(tag) }
        mutating func u8(_ v: UInt8) { buffer.append(v) }
        mutating func u16(_ v: UInt16) { for i in 0..<2 { buffer.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        mutating func u32(_ v: UInt32) { for i in 0..<4 { buffer.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        mutating func u64(_ v: UInt64) { for i in 0..<8 { buffer.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
        mutating func bytes(_ b: [UInt8]) { buffer += b }
        mutating func string(_ s: String) {
            let b = Array(s.utf8.prefix(Int(UInt16.max)))
            u16(UInt16(b.count)); bytes(b)
        }
        mutating func qid(_ q: Qid) { u8(q.type); u32(q.version); u64(q.path) }

        mutating func finish() -> [UInt8] {
            let n = UInt32(truncatingIfNeeded: buffer.count)
            for i in 0..<4 { buffer[i] = UInt8(truncatingIfNeeded: n >> (8 * i)) }
            return buffer
        }
    }

    struct Reader {
        private let bytes: [UInt8]
        private var at: Int
        let type: UInt8
        let tag: UInt16

        /// A whole message: its size must be its length.
        init(_ message: [UInt8]) throws(HiveError) {
            guard message.count >= 7 else { throw NinePCodec.bad("\(message.count) bytes, shorter than a header") }
            bytes = message
            at = 0
            let size = Int(message[0]) | Int(message[1]) << 8 | Int(message[2]) << 16 | Int(message[3]) << 24
            guard size == message.count else { throw NinePCodec.bad("its size says \(size) bytes, it has \(message.count)") }
            type = message[4]
            tag = UInt16(message[5]) | UInt16(message[6]) << 8
            at = 7
        }

        /// A body without a header.
        init(body: [UInt8]) throws(HiveError) {
            bytes = body
            at = 0
            type = 0
            tag = 0
        }

        var atEnd: Bool { at == bytes.count }

        mutating func take(_ n: Int) throws(HiveError) -> ArraySlice<UInt8> {
            guard n >= 0, bytes.count - at >= n else { throw NinePCodec.bad("it ends inside a field") }
            defer { at += n }
            return bytes[at..<(at + n)]
        }

        private mutating func uint(_ n: Int) throws(HiveError) -> UInt64 {
            var v: UInt64 = 0
            for (i, b) in try take(n).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
            return v
        }

        mutating func u8() throws(HiveError) -> UInt8 { UInt8(try uint(1)) }
        mutating func u16() throws(HiveError) -> UInt16 { UInt16(try uint(2)) }
        mutating func u32() throws(HiveError) -> UInt32 { UInt32(try uint(4)) }
        mutating func u64() throws(HiveError) -> UInt64 { try uint(8) }
        mutating func bytes(_ n: Int) throws(HiveError) -> [UInt8] { Array(try take(n)) }

        mutating func string() throws(HiveError) -> String {
            let raw = try take(Int(try u16()))
            guard let s = String(validating: raw, as: UTF8.self) else { throw NinePCodec.bad("a string that is not UTF-8") }
            return s
        }

        mutating func qid() throws(HiveError) -> Qid {
            Qid(type: try u8(), version: try u32(), path: try u64())
        }

        func end() throws(HiveError) {
            guard atEnd else { throw NinePCodec.bad("\(bytes.count - at) bytes after its last field") }
        }
    }
}

/// Cuts a byte stream into whole messages. A size shorter than a header or longer
/// than `limit` is refused: the link is then closed with the reason.
public struct NinePFramer: Sendable {
    private var pending: [UInt8] = []
    public let limit: UInt32

    public init(limit: UInt32 = NineP.maxMessage) { self.limit = limit }

    /// Takes bytes read; returns the messages they complete.
    public mutating func take(_ bytes: some Collection<UInt8>) throws(HiveError) -> [[UInt8]] {
        pending += bytes
        var out: [[UInt8]] = []
        var start = 0
        while pending.count - start >= 4 {
            let size = UInt32(pending[start]) | UInt32(pending[start + 1]) << 8 | UInt32(pending[start + 2]) << 16 | UInt32(pending[start + 3]) << 24
            guard size >= 7 else { throw NinePCodec.bad("a message of \(size) bytes, shorter than a header") }
            guard size <= limit else { throw NinePCodec.bad("a message of \(size) bytes, more than the \(limit) agreed") }
            guard pending.count - start >= Int(size) else { break }
            out.append(Array(pending[start..<(start + Int(size))]))
            start += Int(size)
        }
        pending.removeFirst(start)
        return out
    }

    /// Bytes held of a message not yet whole.
    public var held: Int { pending.count }
}
