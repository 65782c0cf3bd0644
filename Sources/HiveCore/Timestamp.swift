import Foundation

/// A point in time with millisecond precision, shown as RFC 3339 UTC
/// (`2026-11-24T10:02:11.512Z`), the one time format of every file.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(milliseconds: Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000)
    }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.milliseconds < b.milliseconds }

    /// Whole seconds from `self` to `later`, never negative.
    public func seconds(until later: Timestamp) -> Int64 {
        max(0, (later.milliseconds - milliseconds) / 1000)
    }

    public var seconds: time_t { time_t(milliseconds / 1000) }
    public var nanosecondsPart: Int { Int(milliseconds % 1000) * 1_000_000 }

    private var brokenDown: tm {
        var t = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return parts
    }

    /// `2026-11-24T10:02:11.512Z`
    public var rfc3339: String {
        let p = brokenDown
        let ms = Int(milliseconds % 1000)
        return "\(pad(Int(p.tm_year) + 1900, 4))-\(pad(Int(p.tm_mon) + 1, 2))-\(pad(Int(p.tm_mday), 2))T"
            + "\(pad(Int(p.tm_hour), 2)):\(pad(Int(p.tm_min), 2)):\(pad(Int(p.tm_sec), 2)).\(pad(ms, 3))Z"
    }

    /// `20261124T100211Z`, as history folder names use it.
    public var compact: String {
        let p = brokenDown
        return "\(pad(Int(p.tm_year) + 1900, 4))\(pad(Int(p.tm_mon) + 1, 2))\(pad(Int(p.tm_mday), 2))T"
            + "\(pad(Int(p.tm_hour), 2))\(pad(Int(p.tm_min), 2))\(pad(Int(p.tm_sec), 2))Z"
    }

    public var description: String { rfc3339 }

    /// Parses the RFC 3339 form this type prints (UTC, optional milliseconds).
    public init?(rfc3339 s: String) {
        let b = Array(s.utf8)
        guard b.count == 20 || b.count == 24, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              b.last == UInt8(ascii: "Z") else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2),
              let mi = num(14, 2), let se = num(17, 2) else { return nil }
        var ms = 0
        if b.count == 24 {
            guard b[19] == UInt8(ascii: "."), let v = num(20, 3) else { return nil }
            ms = v
        }
        var parts = tm()
        parts.tm_year = Int32(y - 1900); parts.tm_mon = Int32(mo - 1); parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h); parts.tm_min = Int32(mi); parts.tm_sec = Int32(se)
        let secs = timegm(&parts)
        self.milliseconds = Int64(secs) * 1000 + Int64(ms)
        // timegm normalises out-of-range fields (Feb 30, hour 25): refuse those.
        let back = b.count == 24 ? rfc3339 : String(rfc3339.prefix(19)) + "Z"
        guard back == s else { return nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let t = Timestamp(rfc3339: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 time: \(s)")
        }
        self = t
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rfc3339)
    }
}

private func pad(_ v: Int, _ width: Int) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
