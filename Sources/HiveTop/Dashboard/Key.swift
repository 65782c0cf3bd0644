/// A key the dashboard acts on.
public enum Key: Equatable, Sendable {
    case char(Character)
    case enter, escape, tab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    /// Ctrl with a letter (`ctrl("c")`).
    case ctrl(Character)
}

/// Turns the bytes a terminal sends into keys: UTF-8 text, control characters
/// and the escape sequences of the arrow, paging and editing keys (both the
/// `ESC [` and `ESC O` forms). A sequence cut between two reads is kept until the
/// rest comes; a lone Escape is a key once nothing follows it in the same read.
public struct KeyDecoder: Sendable {
    var pending: [UInt8] = []

    public init() {}

    /// The keys in `bytes` (and in what an earlier call held back).
    public mutating func feed(_ bytes: [UInt8]) -> [Key] {
        pending += bytes
        var keys: [Key] = []
        var i = 0
        let b = pending
        while i < b.count {
            let c = b[i]
            if c == 0x1B {
                guard i + 1 < b.count else { keys.append(.escape); i += 1; continue }
                let n = b[i + 1]
                if n == UInt8(ascii: "[") || n == UInt8(ascii: "O") {
                    // CSI: parameters 0x30–0x3F, then one final byte 0x40–0x7E.
                    var j = i + 2
                    while j < b.count, (0x30...0x3F).contains(b[j]) { j += 1 }
                    guard j < b.count else { break }  // incomplete: wait for the rest
                    let params = String(decoding: b[(i + 2)..<j], as: UTF8.self)
                    if let k = Self.sequence(params, b[j]) { keys.append(k) }
                    i = j + 1
                    continue
                }
                if n == 0x1B { keys.append(.escape); i += 1; continue }
                // Alt+key (or Escape typed before a key): Escape, then the key.
                keys.append(.escape); i += 1; continue
            }
            if c == 0x0D || c == 0x0A { keys.append(.enter); i += 1; continue }
            if c == 0x09 { keys.append(.tab); i += 1; continue }
            if c == 0x7F || c == 0x08 { keys.append(.backspace); i += 1; continue }
            if c < 0x20 { keys.append(.ctrl(Character(Unicode.Scalar(c + 0x60)))); i += 1; continue }
            // UTF-8: the length is in the first byte.
            let len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
            guard i + len <= b.count else { break }
            let s = String(decoding: b[i..<(i + len)], as: UTF8.self)
            if let ch = s.first { keys.append(.char(ch)) }
            i += len
        }
        pending = Array(b[i...])
        return keys
    }

    static func sequence(_ params: String, _ final: UInt8) -> Key? {
        switch final {
        case UInt8(ascii: "A"): return .up
        case UInt8(ascii: "B"): return .down
        case UInt8(ascii: "C"): return .right
        case UInt8(ascii: "D"): return .left
        case UInt8(ascii: "H"): return .home
        case UInt8(ascii: "F"): return .end
        case UInt8(ascii: "~"):
            switch params.split(separator: ";").first ?? "" {
            case "1", "7": return .home
            case "4", "8": return .end
            case "3": return .delete
            case "5": return .pageUp
            case "6": return .pageDown
            default: return nil
            }
        default: return nil
        }
    }
}
