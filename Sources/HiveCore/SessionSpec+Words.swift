/// `KEY=VALUE` words, as `new` and `fork` take them, applied to a spec.
extension SessionSpec {
    /// The keys a fork may not change: the conversation it carries is its agent's, and
    /// it works where its parent did (in a worktree of its own).
    static let fixedInForks: Set<String> = ["agent", "dir"]

    /// Checks the form of the words alone (each `KEY=VALUE`, no key twice; for a fork,
    /// none of `fixedInForks` and no `worktree=no`), before the spec they change is known.
    public static func checkWords(_ words: [String], forking: Bool) throws(HiveError) {
        var seen: Set<String> = []
        for word in words {
            guard let eq = word.firstIndex(of: "=") else { throw .invalid("'\(Text.printable(word))' is not KEY=VALUE") }
            let key = String(word[..<eq])
            guard seen.insert(key).inserted else { throw .invalid("\(Text.printable(key)) is given twice") }
            guard forking else { continue }
            if fixedInForks.contains(key) || key == "from" {
                throw .invalid("a fork keeps its parent's \(Text.printable(key)); make a new session to change it")
            }
            if key == "worktree", word.dropFirst(eq.utf16Offset(in: word) + 1) == "no" {
                throw .invalid("a fork works in a worktree of its own; worktree=no is not for forks")
            }
        }
    }

    /// This spec with each word set (`env.NAME=`, a spec key, or a dotted key), checked.
    public func applying(_ words: [String], home: String, agents: AgentCatalog) throws(HiveError) -> SessionSpec {
        try SessionSpec.checkWords(words, forking: false)
        var spec = self
        for word in words {
            guard let eq = word.firstIndex(of: "=") else { throw .invalid("'\(Text.printable(word))' is not KEY=VALUE") }
            let key = String(word[..<eq])
            let value = String(word[word.index(after: eq)...])
            if key.hasPrefix("env.") {
                try spec.setEnv(String(key.dropFirst(4)), value)
            } else if let k = SpecKey(rawValue: key) {
                try spec.set(k, value, home: home, agents: agents)
            } else if try !spec.setDotted(key, value, home: home) {
                let keys = SpecKey.allCases.map(\.rawValue) + DottedKey.names + ["env.NAME"]
                throw .invalid("unknown key '\(Text.printable(key))'; keys: \(keys.joined(separator: ", "))")
            }
        }
        return spec
    }
}
