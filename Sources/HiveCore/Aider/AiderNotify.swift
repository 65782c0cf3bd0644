/// What Aider tells: `--notifications-command` runs (through a shell, with no
/// argument and no payload) each time a reply is over and Aider waits for its
/// person, at its prompt or at a yes/no question, before it shows either. hivefs's
/// command appends a fixed payload with hivefs-hook; the screen, read once the
/// terminal is quiet, tells a question from the prompt.
public enum AiderNotify {
    /// The payload hivefs's notifications command appends.
    public static let payload = #"{"hook_event_name":"AiderWaiting"}"#

    /// The shell command line Aider runs: hivefs's report command (hivefs-hook and
    /// the log), then the payload.
    public static func command(report: [String]) -> String {
        (report + [payload]).map(Text.shellQuote).joined(separator: " ")
    }

    /// Reads one record: Aider waiting, as its prompt (`idle`) or, when the screen
    /// shows a yes/no question, as that question (`waiting`).
    public static func report(_ payload: [UInt8], screen: String?) -> AgentReport {
        guard payload == Array(AiderNotify.payload.utf8) else {
            return .unreadable("not hivefs's Aider notification", bytes: payload.count)
        }
        if let q = screen.flatMap(question) {
            var r = AgentReport(kind: EventKind.permission, detail: q)
            r.wish = .asking(q)
            return r
        }
        var r = AgentReport(kind: EventKind.idle, detail: "waiting for input")
        r.wish = .idle(nil)
        r.mayChangeFiles = true
        return r
    }

    /// Whether Aider shows its input prompt on the last line: the edit format and
    /// `>` (`diff> `, `architect> `, `> `), maybe with text a person is typing.
    /// Aider prints nothing for seconds as it starts (it imports its libraries), and
    /// the prompt hivefs types at launch is echoed before it runs: a quiet terminal
    /// is idle only once this shows.
    public static func atPrompt(_ screen: String) -> Bool {
        let rows = screen.split(separator: "\n").map { String($0).trimmingWhitespace() }
        guard let row = rows.last(where: { !$0.isEmpty }), let mark = row.firstIndex(of: ">") else { return false }
        let mode = row[..<mark]
        return mode.count <= 20 && mode.allSatisfy { $0.isLetter || $0 == "-" }
            && (row.index(after: mark) == row.endIndex || row[row.index(after: mark)] == " ")
    }

    /// The yes/no question Aider waits on, if its screen's last line asks one and
    /// it is not answered yet: `Add file to the chat? (Y)es/(N)o [Yes]:` (read by
    /// `ScreenMenu.letters`, which `permission` shows).
    public static func question(_ screen: String) -> String? {
        ScreenMenu.letters(screen)?.question
    }
}
