/// Reads the question an agent's terminal shows, from its visible rows: the menus of
/// Claude Code and Codex CLI, and Aider's line questions. Pure: a screen in, a
/// `ScreenQuestion` or nil out.
///
/// A menu is a column of options, one of them marked with the focus (`❯` in Claude
/// Code, `›` in Codex), numbered (`1. Yes`) or not (Claude Code's trust dialog).
/// Its options are the lines next to the marked one that start at the same column;
/// the question is the nearest line above them that asks one. A lone marked line is
/// an input prompt, not a menu. A menu is the last thing on the screen: below its
/// options come at most a footer's lines (`Esc to cancel · Tab to amend`, `Press
/// enter to confirm or esc to cancel`), so that the conversation above the input
/// box (Claude Code echoes a prompt after `❯`, wrapped at the same column) and a
/// numbered list typed into that box are never read as a menu.
public enum ScreenMenu {
    /// Rows from the bottom that are read: the conversation above may quote anything.
    public static let rowsRead = 30
    /// The characters that mark the focused option.
    static let markers: Set<Character> = ["❯", "›", ">"]
    /// Box-drawing characters some agents draw around a menu; read as spaces.
    static let frame: Set<Character> = ["│", "┃", "║", "╭", "╮", "╰", "╯"]

    /// The menu on `screen`, for Claude Code or Codex CLI.
    public static func menu(_ screen: String) -> ScreenQuestion? {
        let rows = Array(screen.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0.map { frame.contains($0) ? " " : $0 }) }
            .reversed().drop { $0.allSatisfy { $0 == " " } }.reversed().suffix(rowsRead))
        // The last marked line that has options next to it.
        for i in rows.indices.reversed() {
            guard let (column, _) = marked(rows[i]) else { continue }
            var first = i
            while first > 0, option(rows[first - 1], column: column) != nil { first -= 1 }
            var last = i
            while last + 1 < rows.count, option(rows[last + 1], column: column) != nil { last += 1 }
            guard last > first, footerOnly(rows[(last + 1)...]) else { continue }
            var labels: [String] = []
            for r in first...last {
                let text = r == i ? String(rows[r].dropFirst(column)) : option(rows[r], column: column) ?? ""
                labels.append(text)
            }
            let numbered = labels.map(numberPrefix)
            // Numbered options must be numbered 1, 2, 3…; else none may be.
            let allNumbered = numbered.allSatisfy { $0 != nil }
            if allNumbered {
                guard numbered.enumerated().allSatisfy({ $0.element?.number == $0.offset + 1 }) else { continue }
                labels = numbered.compactMap { $0?.label }
            } else if numbered.contains(where: { $0 != nil }) {
                continue
            }
            labels = labels.map { $0.trimmingWhitespace() }
            guard labels.allSatisfy({ !$0.isEmpty }) else { continue }
            let question = self.question(rows[..<first]) ?? "a menu waits for an answer"
            let lower = (question + " " + labels.joined(separator: " ")).lowercased()
            let kind: Permission.Kind = lower.contains("trust") ? .trust
                : (lower.contains("do you want to") || lower.contains("allow") || lower.contains("would you like to run")
                   || lower.contains("proceed")) ? .tool : .question
            return ScreenQuestion(kind: kind, question: question, options: labels.map { Permission.Option(label: $0) },
                                  focus: i - first, style: .menu, approve: once(labels, isYes), deny: once(labels, isNo),
                                  subject: command(question, rows[..<first]))
        }
        return nil
    }

    /// Aider's line question on the last row: `Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]:`.
    public static func letters(_ screen: String) -> ScreenQuestion? {
        let rows = screen.split(separator: "\n").map { String($0).trimmingWhitespace() }
        guard let row = rows.last(where: { !$0.isEmpty }), row.hasSuffix(":"), let open = row.range(of: "(Y)es/(N)o") else {
            return nil
        }
        let question = String(row[..<open.lowerBound]).trimmingWhitespace()
        var choices = String(row[open.lowerBound...])
        if let bracket = choices.lastIndex(of: "[") { choices = String(choices[..<bracket]) }
        var options: [Permission.Option] = []
        for part in choices.trimmingWhitespace().split(separator: "/") {
            // `(D)on't ask again` → key d, label "Don't ask again".
            let p = String(part)
            guard p.hasPrefix("("), let close = p.firstIndex(of: ")"), p.distance(from: p.startIndex, to: close) == 2 else { continue }
            let letter = String(p[p.index(after: p.startIndex)])
            options.append(Permission.Option(label: letter + p[p.index(after: close)...], key: letter.lowercased()))
        }
        guard options.count >= 2 else { return nil }
        let labels = options.map(\.label)
        let lower = question.lowercased()
        let kind: Permission.Kind = lower.contains("run shell command") || lower.contains("add ") || lower.contains("create new file")
            || lower.contains("edit") ? .tool : .question
        // Aider prints what it asks about on the line above: the file, or the command.
        var subject: String?
        if ["add file to the chat", "create new file", "allow edits to file", "run shell command"].contains(where: lower.hasPrefix),
           let at = rows.lastIndex(where: { !$0.isEmpty }) {
            subject = rows[..<at].last(where: { !$0.isEmpty })
        }
        return ScreenQuestion(kind: kind, question: question.isEmpty ? "a yes/no question" : question, options: options,
                              style: .letters, approve: labels.firstIndex(where: isYes), deny: labels.firstIndex(where: isNo),
                              subject: subject)
    }

    /// The command Codex CLI's approval screen shows (`$ touch made.txt`) between its
    /// question ("Would you like to run the following command?") and its options.
    static func command(_ question: String, _ above: ArraySlice<String>) -> String? {
        guard question.lowercased().contains("run the following command") else { return nil }
        let line = above.suffix(10).map { $0.trimmingWhitespace() }.last { $0.hasPrefix("$ ") }
        return line.map { String($0.dropFirst(2)).trimmingWhitespace() }
    }

    /// The column of a line's focus marker and the text after it, if the line is marked.
    static func marked(_ row: String) -> (Int, String)? {
        let chars = Array(row)
        guard let at = chars.firstIndex(where: { $0 != " " }), markers.contains(chars[at]),
              at + 1 < chars.count, chars[at + 1] == " " else { return nil }
        var column = at + 1
        while column < chars.count && chars[column] == " " { column += 1 }
        guard column < chars.count else { return nil }
        return (column, String(chars[column...]))
    }

    /// Whether `rows` (what follows a menu's options) hold nothing but a footer.
    static func footerOnly(_ rows: ArraySlice<String>) -> Bool {
        let texts = rows.map { $0.trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
        return texts.count <= 2 && texts.allSatisfy { $0.contains("esc") || $0.contains("enter") }
    }

    /// An unmarked option line's text: spaces up to `column`, then text.
    static func option(_ row: String, column: Int) -> String? {
        let chars = Array(row)
        guard chars.count > column, chars[..<column].allSatisfy({ $0 == " " }), chars[column] != " " else { return nil }
        return String(chars[column...])
    }

    /// `1. Yes` → (1, "Yes").
    static func numberPrefix(_ text: String) -> (number: Int, label: String)? {
        let t = text.trimmingWhitespace()
        guard let dot = t.firstIndex(of: "."), let n = Int(t[..<dot]), n > 0 else { return nil }
        let rest = t[t.index(after: dot)...]
        guard rest.first == " " else { return nil }
        return (n, String(rest).trimmingWhitespace())
    }

    /// The nearest line above the options that asks something, up to its question
    /// mark (Claude Code's trust dialog asks mid-line), else the nearest with text.
    static func question(_ above: ArraySlice<String>) -> String? {
        let texts = above.suffix(10).map { $0.trimmingWhitespace() }.filter { t in
            !t.isEmpty && !t.allSatisfy { "─━═╌-_ ".contains($0) }
        }
        if let asking = texts.last(where: { $0.contains("?") }), let mark = asking.firstIndex(of: "?") {
            return String(asking[...mark])
        }
        return texts.last
    }

    /// The first option that `matches` and decides this time only; else the first that matches.
    /// `approve` and `deny` answer the question asked, and change nothing for later ones
    /// ("Yes, and don't ask again", "No, and block … from now on" are left to `answer`).
    static func once(_ labels: [String], _ matches: (String) -> Bool) -> Int? {
        let lasting = ["don't ask again", "keep allowing", "from now on", "for this session", "always", "switch to",
                       "set auto mode", "as my default"]
        let candidates = labels.indices.filter { matches(labels[$0]) }
        return candidates.first { i in !lasting.contains { labels[i].lowercased().contains($0) } } ?? candidates.first
    }

    static func isYes(_ label: String) -> Bool {
        let l = label.lowercased()
        return l.hasPrefix("yes") || l.hasPrefix("allow") || l.hasPrefix("trust") || l.hasPrefix("approve")
    }

    static func isNo(_ label: String) -> Bool {
        let l = label.lowercased()
        return l.hasPrefix("no") || l.hasPrefix("deny") || l.hasPrefix("reject") || l.hasPrefix("don't trust")
            || l.hasPrefix("exit") || l.hasPrefix("cancel") || l.hasPrefix("quit")
    }
}
