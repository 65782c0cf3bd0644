import HiveCore

/// The `new` line a "new session" form becomes, written to the root `control`
/// exactly as `hivefs new` writes it; the daemon checks every value.
enum NewLine {
    /// The fields a form may send, in the order the line gives them.
    static let keys = ["agent", "dir", "prompt", "model", "worktree"]

    static func make(_ fields: [String: String]) throws(HiveError) -> String {
        for k in fields.keys where k != "name" && !keys.contains(k) {
            throw .invalid("'\(Text.printable(k))' is not a field of a new session (name, \(keys.joined(separator: ", ")))")
        }
        guard let name = fields["name"], !name.isEmpty else { throw .invalid("the session needs a name") }
        try SessionName.validate(name)
        var words = ["new", name]
        for k in keys {
            guard let v = fields[k], !v.isEmpty else { continue }
            guard !v.contains("\n"), !v.contains("\r") else { throw .invalid("\(k) is one line; it holds a line break") }
            // An unchecked box sends "no": the default, left out.
            if k == "worktree", v == "no" { continue }
            words.append(k + "=" + QuotedWords.quote(v))
        }
        return words.joined(separator: " ")
    }
}
