import Foundation

/// Session names: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`, never one of the root's own names.
public enum SessionName {
    /// Names the mount's root uses itself.
    public static let reserved: Set<String> = ["control", "status", "status.json", "events", "history", "spool"]
    public static let maxLength = 64

    /// Checks a name, returning it, or throws EINVAL with the rule it broke.
    @discardableResult
    public static func validate(_ name: String) throws(HiveError) -> String {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { throw .invalid("empty session name") }
        guard bytes.count <= maxLength else {
            throw .invalid("session name is \(bytes.count) characters; at most \(maxLength)")
        }
        guard isAlnum(bytes[0]) else {
            throw .invalid("session name '\(Text.printable(name))' must start with a letter or digit")
        }
        for b in bytes where !(isAlnum(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")) {
            _ = b
            throw .invalid("session name '\(Text.printable(name))' may hold only letters, digits, '.', '_' and '-'")
        }
        guard !reserved.contains(name) else {
            throw .invalid("'\(name)' is reserved by the mount's root")
        }
        return name
    }

    /// The session's name on hivefs's tmux server. tmux folds `.` and `:` to `_`,
    /// so `.` becomes `~` instead and `a.b` and `a_b` stay two sessions.
    public static func tmuxName(_ name: String) -> String {
        name.utf8.contains(UInt8(ascii: ".")) ? name.replacingOccurrences(of: ".", with: "~") : name
    }

    /// The hivefs name of a session on the tmux server (the inverse of `tmuxName`).
    public static func fromTmuxName(_ name: String) -> String {
        name.replacingOccurrences(of: "~", with: ".")
    }

    public static func isValid(_ name: String) -> Bool {
        (try? validate(name)) != nil
    }

    static func isAlnum(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }
}
