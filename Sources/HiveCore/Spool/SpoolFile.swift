/// A file of the root `spool/` folder (hivefs(5), SPOOL): which names are taken,
/// the lines that carry commands, and what is said of each once carried out.
///
/// Decisions, stated once:
/// - A spool file holds root `control` lines, one session a line; only `new` is
///   taken (a spool file starts work, it does not manage hosts or history).
/// - Each line stands alone: a line that cannot be read (not UTF-8, a NUL byte, too
///   long) or parsed fails with its errno and reason, and the others still run.
///   This is unlike a write to `control`, which is refused whole.
/// - Names that editors, downloads and partial copies use for what is not finished
///   are never taken, so a file is taken only once it is whole.
/// - The file's outcome is one line per command line, `LINE ok NAME` or
///   `LINE ERRNO reason`; line 0 stands for the whole file (too large, or no `new`
///   line in it).
public enum SpoolFile {
    /// The largest file taken: 1 MiB. A larger one goes to `failed/` whole (E2BIG).
    public static let maxBytes = 1 << 20

    /// Endings of names that are not taken: editors' swap and backup files, partial
    /// downloads and copies.
    static let skippedSuffixes = ["~", ".swp", ".swx", ".tmp", ".part", ".crdownload"]

    /// Whether a file of this name is taken: not hidden (`.name`, an editor's or
    /// rsync's temporary), not an Emacs lock or autosave (`#name`), not one of
    /// `skippedSuffixes`, and not vim's probe of whether it may write (`4913`).
    public static func takes(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("."), !name.hasPrefix("#"), name != "4913" else { return false }
        return !skippedSuffixes.contains { name.hasSuffix($0) }
    }

    /// The lines of a file that carry a command, numbered from 1 as an editor numbers
    /// them: blank lines and comments (`#…`) are left out; a line that cannot be
    /// read as a command line fails alone.
    public static func lines(_ bytes: [UInt8]) -> [SpoolLine] {
        var out: [SpoolLine] = []
        for (i, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = i + 1
            var line = raw
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.count <= ControlParser.maxWrite else {
                out.append(SpoolLine(number: number, text: .failure(.tooBig("the line holds \(line.count) bytes; a line holds at most \(ControlParser.maxWrite)"))))
                continue
            }
            guard let text = String(validating: line, as: UTF8.self) else {
                out.append(SpoolLine(number: number, text: .failure(.invalid("the line is not valid UTF-8"))))
                continue
            }
            let trimmed = text.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.contains(0) {
                out.append(SpoolLine(number: number, text: .failure(.invalid("the line contains a NUL byte"))))
                continue
            }
            out.append(SpoolLine(number: number, text: .success(trimmed)))
        }
        return out
    }

    /// The session a `new` line names (its second word), read without the rest.
    public static func sessionName(_ line: String) -> String? {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2, words[0] == "new" else { return nil }
        return String(words[1])
    }

    /// The outcomes of a file a daemon stopped while taking (found claimed at start):
    /// line 0 says so; no line is run again, each says whether the session it names
    /// exists (`ok NAME`: it made it, or one of that name was there).
    public static func interrupted(_ bytes: [UInt8], exists: (String) -> Bool) -> [SpoolOutcome] {
        var out = [SpoolOutcome(line: 0, .failure(HiveError(.canceled,
            "hivefs stopped while taking this file; its lines were not run again: a line ok names a session that exists, the others may write again")))]
        for line in lines(bytes) {
            switch line.text {
            case .failure(let e):
                out.append(SpoolOutcome(line: line.number, .failure(e)))
            case .success(let text):
                if let name = sessionName(text), exists(name) {
                    out.append(SpoolOutcome(line: line.number, .success(name)))
                } else {
                    let what = sessionName(text).map { "no session \($0) exists" } ?? "it made no session"
                    out.append(SpoolOutcome(line: line.number, .failure(HiveError(.canceled, "not run again after hivefs stopped while taking the file; \(what)"))))
                }
            }
        }
        return out
    }

    /// The session a line asks for: a root `control` line, which must be `new`.
    public static func command(_ line: String, home: String, agents: AgentCatalog) throws(HiveError) -> (name: String, spec: SessionSpec) {
        let verb = line.prefix { $0 != " " && $0 != "\t" }
        guard verb == "new" else {
            if ["prune-history", "host"].contains(verb) {
                throw .invalid("only new lines are taken from a spool file; write \(verb) to the root control")
            }
            throw .invalid("unknown command '\(Text.printable(String(verb)))'; a spool file holds new NAME [KEY=VALUE ...] lines")
        }
        switch try ControlParser.rootCommand(line, home: home, agents: agents) {
        case .new(let name, let spec):
            return (name, spec)
        case .fork(_, let parent, _):
            // A fork copies a running session's work and conversation: asked for where its answer is seen.
            throw .invalid("a spool file makes new sessions; a fork (from=\(parent)) is written to the root control or \(parent)/control")
        default:
            throw .invalid("only new lines are taken from a spool file")
        }
    }
}

/// A line of a spool file that carries a command: its number, and its text or why
/// it cannot be read.
public struct SpoolLine: Sendable, Equatable {
    public var number: Int
    public var text: Result<String, HiveError>

    public init(number: Int, text: Result<String, HiveError>) {
        self.number = number
        self.text = text
    }
}

/// What became of one line: the session it made, or why not. Line 0 is the whole file.
public struct SpoolOutcome: Sendable, Equatable {
    public var line: Int
    public var result: Result<String, HiveError>

    public init(line: Int, _ result: Result<String, HiveError>) {
        self.line = line
        self.result = result
    }

    /// `LINE ok NAME` or `LINE ERRNO reason`, as the `.result` file holds it.
    public var text: String {
        switch result {
        case .success(let name): return "\(line) ok \(name)"
        case .failure(let e): return "\(line) \(e.errnoName) \(Text.oneLine(e.reason))"
        }
    }
}

/// What became of a spool file: an outcome per line, and where it goes for it.
public struct SpoolReport: Sendable, Equatable {
    /// The file's name in `spool/`.
    public var file: String
    public var outcomes: [SpoolOutcome]

    public init(file: String, outcomes: [SpoolOutcome]) {
        self.file = file
        self.outcomes = outcomes
    }

    /// A file none of whose lines failed, and that had one: it goes to `done/`.
    public var succeeded: Bool {
        !outcomes.isEmpty && outcomes.allSatisfy { if case .success = $0.result { return true } else { return false } }
    }

    /// The folder of `spool/` it goes to.
    public var folder: String { succeeded ? "done" : "failed" }

    /// The sessions made, in line order.
    public var made: [String] {
        outcomes.compactMap { if case .success(let name) = $0.result { return name } else { return nil } }
    }

    /// The outcomes that failed.
    public var failures: [SpoolOutcome] {
        outcomes.filter { if case .failure = $0.result { return true } else { return false } }
    }

    /// The `.result` file: one line per outcome.
    public var resultText: String { outcomes.map { $0.text + "\n" }.joined() }

    /// The root event's detail, `tasks.txt: made fix-login, add-oauth; 1 failed ->
    /// failed/tasks.txt`; `movedTo` is where the file went (`failed/tasks.txt`), or
    /// nil with why it could not be moved.
    public func eventDetail(movedTo: Result<String, HiveError>) -> String {
        var parts: [String] = []
        let made = self.made
        if made.isEmpty {
            parts.append("made none")
        } else {
            parts.append("made " + made.joined(separator: ", "))
        }
        let failed = failures
        if failed.count == 1, let only = failed.first, only.line == 0, case .failure(let e) = only.result {
            parts = ["\(e.errnoName) \(Text.oneLine(e.reason))"]
        } else if !failed.isEmpty {
            parts.append("\(failed.count) failed")
        }
        let name = Text.oneLine(file)
        switch movedTo {
        case .success(let path): return "\(name): \(parts.joined(separator: "; ")) -> \(Text.oneLine(path))"
        case .failure(let e): return "\(name): \(parts.joined(separator: "; ")); not moved, left in spool/.taking/: \(e.errnoName) \(Text.oneLine(e.reason))"
        }
    }
}
