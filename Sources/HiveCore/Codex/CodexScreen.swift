/// Whether Codex CLI is in the middle of a turn, from what its terminal shows.
///
/// Codex reports only a turn's end (`notify`), and while a turn runs its terminal is
/// never quiet: the running line `• Working (3s • esc to interrupt)` counts seconds,
/// and a streamed answer grows word by word with no running line at all. What
/// tells a turn from a person typing at its prompt is the terminal's title, which
/// Codex (0.163) sets to a spinner and the thread's name while it works
/// (`⠋ Fix the parser | repo`), to `[ . ] Action Required | …` at an approval, and
/// to the name alone when it waits for its person; and the running line, where
/// one shows.
public enum CodexScreen {
    /// Rows from the bottom that are read for the running line.
    public static let rowsRead = 12

    /// Whether the title and screen show a turn running.
    public static func busy(title: String, screen: String) -> Bool {
        if let first = title.unicodeScalars.first, (0x2801...0x28FF).contains(first.value) { return true }
        let rows = screen.split(separator: "\n").filter { !$0.allSatisfy { $0 == " " } }.suffix(rowsRead)
        return rows.contains { $0.lowercased().contains("esc to interrupt") }
    }
}
