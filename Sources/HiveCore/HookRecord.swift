import Foundation

/// One record of a session's `hooks.log`, the file every hook call appends to
/// before anything else happens (DESIGN.md §6). A record is one line:
///
///     MILLISECONDS FORM DATA
///
/// `MILLISECONDS` is when the hook ran (Unix time). `FORM` is `line` when `DATA` is
/// the payload exactly as the agent sent it (it held no newline), `nl` when the
/// payload is `DATA` and one final newline, or `base64` when it had to be encoded
/// to stay on one line (it held another newline, or was empty). The payload itself
/// is never changed.
public struct HookRecord: Sendable, Equatable {
    public var time: Timestamp
    /// The payload's bytes, decoded.
    public var payload: [UInt8]
    /// Whether the payload arrived on one line (`line`) or was encoded (`base64`).
    public var encoded: Bool

    public init(time: Timestamp, payload: [UInt8], encoded: Bool = false) {
        self.time = time; self.payload = payload; self.encoded = encoded
    }

    /// Why a line of `hooks.log` could not be read as a record.
    public struct Malformed: Error, Equatable, Sendable {
        public var reason: String
    }

    /// Reads one line (without its newline).
    public static func parse(_ line: ArraySlice<UInt8>) -> Result<HookRecord, Malformed> {
        guard let sp1 = line.firstIndex(of: 0x20) else { return .failure(Malformed(reason: "no time field")) }
        let digits = line[line.startIndex..<sp1]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let ms = Int64(String(decoding: digits, as: UTF8.self)) else {
            return .failure(Malformed(reason: "the time field is not a number"))
        }
        let rest = line[(sp1 + 1)...]
        guard let sp2 = rest.firstIndex(of: 0x20) else { return .failure(Malformed(reason: "no form field")) }
        let form = String(decoding: rest[rest.startIndex..<sp2], as: UTF8.self)
        let data = rest[(sp2 + 1)...]
        switch form {
        case "line":
            return .success(HookRecord(time: Timestamp(milliseconds: ms), payload: Array(data)))
        case "nl":
            return .success(HookRecord(time: Timestamp(milliseconds: ms), payload: Array(data) + [0x0A]))
        case "base64":
            guard let d = Data(base64Encoded: Data(data)) else { return .failure(Malformed(reason: "bad base64")) }
            return .success(HookRecord(time: Timestamp(milliseconds: ms), payload: Array(d), encoded: true))
        default:
            return .failure(Malformed(reason: "unknown form '\(Text.printable(form, limit: 20))'"))
        }
    }
}
