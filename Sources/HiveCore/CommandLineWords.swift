/// Splits a command line into an argument vector the way a POSIX shell splits
/// words (single quotes, double quotes, backslashes) but with no expansion of any
/// kind: `$(…)`, globs, `;` and `|` stay literal text. The result is exec'd directly.
public enum CommandLineWords {
    public static func split(_ line: String) throws(HiveError) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var it = line.unicodeScalars.makeIterator()
        while let c = it.next() {
            switch c {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                var closed = false
                while let d = it.next() {
                    if d == "'" { closed = true; break }
                    current.unicodeScalars.append(d)
                }
                if !closed { throw .invalid("unterminated ' in command") }
            case "\"":
                inWord = true
                var closed = false
                while let d = it.next() {
                    if d == "\"" { closed = true; break }
                    if d == "\\" {
                        guard let e = it.next() else { break }
                        if e != "\"" && e != "\\" && e != "$" && e != "`" { current.unicodeScalars.append("\\") }
                        current.unicodeScalars.append(e)
                    } else {
                        current.unicodeScalars.append(d)
                    }
                }
                if !closed { throw .invalid("unterminated \" in command") }
            case "\\":
                inWord = true
                guard let e = it.next() else { throw .invalid("command ends with a lone backslash") }
                current.unicodeScalars.append(e)
            default:
                inWord = true
                current.unicodeScalars.append(c)
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The inverse, for display: each word quoted as a shell would read it back.
    public static func join(_ words: [String]) -> String {
        words.map(Text.shellQuote).joined(separator: " ")
    }
}
