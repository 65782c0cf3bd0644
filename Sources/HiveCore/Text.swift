import Foundation

/// Small text helpers shared by the parser and the renderers.
public enum Text {
    /// One line, safe to show: control characters become `\n`, `\t`, `\xNN` escapes,
    /// so a value can never break the one-line-per-record rule of a file.
    public static func oneLine(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex2(UInt8(scalar.value))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Like `oneLine`, shortened to `limit` characters with an ellipsis, for error messages.
    public static func printable(_ s: String, limit: Int = 80) -> String {
        let line = oneLine(s)
        if line.count <= limit { return line }
        return String(line.prefix(limit)) + "…"
    }

    /// `-` for a missing or empty value, as every KEY VALUE file shows it.
    public static func orDash(_ s: String?) -> String {
        guard let s, !s.isEmpty else { return "-" }
        return oneLine(s)
    }

    static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }

    /// Quotes one word the way a POSIX shell reads it back, for display only.
    public static func shellQuote(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy({ safeShell.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static let safeShell: Set<Unicode.Scalar> = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%".unicodeScalars)
}

