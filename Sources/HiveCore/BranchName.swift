/// The rules git applies to a branch name (git-check-ref-format(1)), checked before
/// git is asked, so that a bad `worktree=` is refused when it is written. git
/// itself has the last word when the worktree is made.
public enum BranchName {
    public static func validate(_ name: String) throws(HiveError) {
        func bad(_ why: String) -> HiveError {
            .invalid("worktree=\(Text.printable(name)): not a branch name git accepts (\(why)); use yes, no or a branch name")
        }
        guard !name.isEmpty else { throw bad("empty") }
        guard !name.hasPrefix("-") else { throw bad("starts with '-'") }
        guard !name.hasPrefix("/"), !name.hasSuffix("/") else { throw bad("starts or ends with '/'") }
        guard !name.hasSuffix("."), !name.hasSuffix(".lock") else { throw bad("ends with '.' or '.lock'") }
        guard !name.contains(".."), !name.contains("//"), !name.contains("@{") else { throw bad("holds '..', '//' or '@{'") }
        guard name != "@", name != "HEAD" else { throw bad("is '\(name)'") }
        for part in name.split(separator: "/") {
            if part.hasPrefix(".") { throw bad("a part starts with '.'") }
            if part.hasSuffix(".lock") { throw bad("a part ends with '.lock'") }
        }
        let forbidden: Set<Unicode.Scalar> = [" ", "~", "^", ":", "?", "*", "[", "\\"]
        for s in name.unicodeScalars where s.value < 0x20 || s.value == 0x7F || forbidden.contains(s) {
            throw bad("holds '\(Text.printable(String(s)))'")
        }
    }
}
