/// A command written to a session's `control` file (DESIGN.md §4).
public enum SessionCommand: Sendable, Equatable {
    case start
    case pause
    case resume
    case interrupt
    case send(String)
    case keys([String])
    case kill
    case restart
    /// Seconds, or nil for `off`.
    case idleTimeout(Int64?)
    /// A limit on tokens or dollars, or nil for `off`.
    case budget(Budget?)
    /// Answers the question the agent waits on (`permission`) with the option it
    /// marks as yes; the id, when given, must be that question's.
    case approve(Int?)
    /// The same with the option it marks as no.
    case deny(Int?)
    /// Picks option N (from 1, as `permission` lists them) of question ID.
    case answer(id: Int, option: Int)
    /// Sets or removes (nil) one of the session's kernel limits.
    case limit(ResourceLimits.Key, Int64?)
    /// Makes session `name` from this one's point, its spec changed by `settings`
    /// (`KEY=VALUE` words, checked when the spec is known: `SessionSpec.applying`).
    case fork(name: String, settings: [String])
    /// Commits every change of the session's work tree with this message.
    case commit(String)
    /// Merges the session's branch into INTO, or the branch it was made from.
    case merge(String?)
    /// Pushes the session's branch to REMOTE, or its upstream's, or `origin`.
    case push(String?)
    /// Pushes, then opens a pull request with this title (`gh` or `glab`).
    case pr(String)
    /// Drops the prompts pending in the session's `queue` (`queue clear`).
    case queueClear

    /// The verb, as `events` and errors name it.
    public var verb: String {
        switch self {
        case .start: return "start"
        case .pause: return "pause"
        case .resume: return "resume"
        case .interrupt: return "interrupt"
        case .send: return "send"
        case .keys: return "keys"
        case .kill: return "kill"
        case .restart: return "restart"
        case .idleTimeout: return "idle-timeout"
        case .budget: return "budget"
        case .approve: return "approve"
        case .deny: return "deny"
        case .answer: return "answer"
        case .limit: return "limit"
        case .fork: return "fork"
        case .commit: return "commit"
        case .merge: return "merge"
        case .push: return "push"
        case .pr: return "pr"
        case .queueClear: return "queue"
        }
    }
}

/// A limit on what a session may spend.
public enum Budget: Sendable, Equatable, Codable {
    /// Input and output tokens, as the TOKENS column counts them.
    case tokens(Int64)
    /// US dollars, as `cost.usd` counts them.
    case usd(Double)

    /// As `budget` takes it and `status` shows it: `500000`, `usd=2.5`.
    public var text: String {
        switch self {
        case .tokens(let n): return String(n)
        case .usd(let d): return "usd=" + JSONWriter.number(d)
        }
    }

    public init?(text: String) {
        if text.hasPrefix("usd="), let d = Double(text.dropFirst(4)) { self = .usd(d) } else if let n = Int64(text) {
            self = .tokens(n)
        } else { return nil }
    }
}

/// A command written to the root `control` file.
public enum RootCommand: Sendable, Equatable {
    /// Create and start a session.
    case new(name: String, spec: SessionSpec)
    /// Create and start a session forked from `parent` (`new NAME from=PARENT …`): the
    /// parent's spec changed by `settings` (`KEY=VALUE` words, `SessionSpec.applying`).
    case fork(name: String, parent: String, settings: [String])
    /// Delete the history entries removed more than this many seconds ago.
    case pruneHistory(olderThan: Int64)
    /// Show another host as `@NAME`, reached by ssh at `destination`.
    case hostAdd(name: String, destination: String)
    /// Stop showing a host added with `hostAdd`.
    case hostRemove(name: String)
}

extension RootCommand {
    /// The session a command makes, if it makes one.
    public var made: String? {
        switch self {
        case .new(let name, _), .fork(let name, _, _): return name
        default: return nil
        }
    }
}

/// Parses writes to `control` files. A write is checked whole: if any line is
/// bad, the write is refused and nothing in it is carried out.
public enum ControlParser {
    /// The longest write a `control` file accepts.
    public static let maxWrite = 64 * 1024

    /// Splits a write into its non-empty lines, refusing what no line may hold.
    public static func lines(_ bytes: [UInt8]) throws(HiveError) -> [String] {
        guard bytes.count <= maxWrite else {
            throw .tooBig("a write to control holds at most \(maxWrite) bytes; this one held \(bytes.count)")
        }
        guard !bytes.contains(0) else { throw .invalid("the write contains a NUL byte") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid("the write is not valid UTF-8")
        }
        // Split on scalars: Swift reads "\r\n" as one Character, which "\n" would not match.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)).trimmingWhitespace() }
            .filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw .invalid("no command given; read control for the commands it accepts") }
        return lines
    }

    /// Parses a session `control` write into commands.
    public static func sessionCommands(_ bytes: [UInt8]) throws(HiveError) -> [SessionCommand] {
        var out: [SessionCommand] = []
        for line in try lines(bytes) { out.append(try sessionCommand(line)) }
        return out
    }

    /// Parses one line of a session `control` write.
    public static func sessionCommand(_ line: String) throws(HiveError) -> SessionCommand {
        let (verb, rest) = splitVerb(line)
        func noArgs(_ c: SessionCommand) throws(HiveError) -> SessionCommand {
            guard rest.isEmpty else { throw .invalid("\(verb) takes no arguments") }
            return c
        }
        switch verb {
        case "start": return try noArgs(.start)
        case "pause": return try noArgs(.pause)
        case "resume": return try noArgs(.resume)
        case "interrupt": return try noArgs(.interrupt)
        case "kill": return try noArgs(.kill)
        case "restart": return try noArgs(.restart)
        case "send":
            guard !rest.isEmpty else { throw .invalid("send needs the text to type: send TEXT") }
            return .send(rest)
        case "keys":
            let names = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !names.isEmpty else { throw .invalid("keys needs at least one key name: keys Enter") }
            guard names.count <= 256 else { throw .range("keys takes at most 256 key names") }
            for n in names { try KeyNames.validate(n) }
            return .keys(names)
        case "idle-timeout":
            if rest == "off" { return .idleTimeout(nil) }
            guard !rest.isEmpty else { throw .invalid("idle-timeout needs a duration (30m, 2h) or off") }
            return .idleTimeout(try Durations.parse(rest))
        case "budget":
            if rest == "off" { return .budget(nil) }
            if rest.hasPrefix("usd=") {
                let amount = String(rest.dropFirst(4))
                guard let d = Double(amount), d.isFinite, amount.first?.isNumber == true else {
                    throw .invalid("budget usd= needs an amount of dollars, such as usd=2.50 (got '\(Text.printable(amount))')")
                }
                guard d > 0, d <= 1_000_000 else { throw .range("budget usd= must be more than 0 and at most 1000000") }
                return .budget(.usd(d))
            }
            if !rest.isEmpty, rest.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), Int64(rest) == nil {
                throw .range("budget \(Text.printable(rest)) is too large")
            }
            guard let n = Int64(rest) else {
                throw .invalid("budget needs a whole number of tokens or off (got '\(Text.printable(rest))')")
            }
            guard n > 0 else { throw .range("budget must be more than 0 tokens") }
            return .budget(.tokens(n))
        case "approve", "deny":
            let words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count <= 1 else { throw .invalid("\(verb) takes at most one argument, the question's id: \(verb) [ID]") }
            let id = try words.first.map { w throws(HiveError) in try questionNumber(w, what: "id", verb: verb) }
            return verb == "approve" ? .approve(id) : .deny(id)
        case "answer":
            let words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count == 2 else { throw .invalid("answer needs the question's id and an option's number: answer ID N") }
            return .answer(id: try questionNumber(words[0], what: "id", verb: verb),
                           option: try questionNumber(words[1], what: "option number", verb: verb))
        case "limit":
            let words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count == 2 else { throw .invalid("limit needs a key and a value: limit memory 4G, limit cpu 150%, limit pids 512, limit KEY off") }
            let key = try ResourceLimits.Key(word: words[0])
            return .limit(key, try ResourceLimits.parse(key, words[1]))
        case "fork":
            let words = try QuotedWords.split(rest)
            guard let name = words.first else { throw .invalid("fork needs the new session's name: fork NEW [KEY=VALUE ...]") }
            try SessionName.validate(name)
            let settings = Array(words.dropFirst())
            try SessionSpec.checkWords(settings, forking: true)
            return .fork(name: name, settings: settings)
        case "commit":
            guard !rest.isEmpty else { throw .invalid("commit needs a message: commit MESSAGE") }
            return .commit(rest)
        case "pr":
            guard !rest.isEmpty else { throw .invalid("pr needs a title: pr TITLE") }
            return .pr(rest)
        case "merge", "push":
            let words = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let what = verb == "merge" ? "INTO, a branch" : "REMOTE, a remote's name"
            guard words.count <= 1 else { throw .invalid("\(verb) takes at most one argument, \(what): \(verb) [\(what.prefix { $0 != "," })]") }
            if let w = words.first, !LandText.isPlainName(w) {
                throw .invalid("\(verb): '\(Text.printable(w))' is not a \(verb == "merge" ? "branch" : "remote") name")
            }
            return verb == "merge" ? .merge(words.first) : .push(words.first)
        case "queue":
            guard rest == "clear" else {
                throw .invalid("queue takes one word, clear: queue clear (prompts are added by writing them to the queue file)")
            }
            return .queueClear
        case "new":
            throw .invalid("new belongs in the root control file, not a session's")
        default:
            throw .invalid("unknown command '\(Text.printable(verb))'; read control for the commands it accepts")
        }
    }

    /// Parses a root `control` write. `home` expands `~` in `dir`; `agent=` is one of `agents`.
    public static func rootCommands(_ bytes: [UInt8], home: String, agents: AgentCatalog) throws(HiveError) -> [RootCommand] {
        var out: [RootCommand] = []
        var names: Set<String> = []
        for line in try lines(bytes) {
            let cmd = try rootCommand(line, home: home, agents: agents)
            if let name = cmd.made {
                guard names.insert(name).inserted else { throw .exists("session '\(name)' is named twice in one write") }
            }
            out.append(cmd)
        }
        return out
    }

    /// `host add NAME DESTINATION` or `host remove NAME`.
    static func hostCommand(_ rest: String) throws(HiveError) -> RootCommand {
        let words = rest.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        switch words.first {
        case "add":
            guard words.count == 3 else { throw .invalid("host add needs a name and an ssh destination: host add NAME DESTINATION") }
            try HostName.validate(words[1])
            try HostName.validateDestination(words[2])
            return .hostAdd(name: words[1], destination: words[2])
        case "remove":
            guard words.count == 2 else { throw .invalid("host remove needs a name: host remove NAME") }
            try HostName.validate(words[1])
            return .hostRemove(name: words[1])
        default:
            throw .invalid("host takes add NAME DESTINATION or remove NAME")
        }
    }

    /// Parses one line of the root `control` file.
    public static func rootCommand(_ line: String, home: String, agents: AgentCatalog) throws(HiveError) -> RootCommand {
        let (verb, rest) = splitVerb(line)
        if verb == "prune-history" {
            guard rest.hasPrefix("older-than="), !rest.contains(" ") else {
                throw .invalid("prune-history needs older-than=DURATION (30d, 12h)")
            }
            return .pruneHistory(olderThan: try Durations.parse(String(rest.dropFirst("older-than=".count))))
        }
        if verb == "host" { return try hostCommand(rest) }
        guard verb == "new" else {
            if verb.isEmpty { throw .invalid("no command given") }
            throw .invalid("unknown command '\(Text.printable(verb))'; the root control file accepts: new NAME [KEY=VALUE ...], prune-history older-than=DURATION, host add NAME DESTINATION, host remove NAME")
        }
        let words = try QuotedWords.split(rest)
        guard let name = words.first else { throw .invalid("new needs a session name: new NAME [KEY=VALUE ...]") }
        try SessionName.validate(name)
        var settings = Array(words.dropFirst())
        if let i = settings.firstIndex(where: { $0.hasPrefix("from=") }) {
            let parent = String(settings.remove(at: i).dropFirst("from=".count))
            try SessionName.validate(parent)
            try SessionSpec.checkWords(settings, forking: true)
            return .fork(name: name, parent: parent, settings: settings)
        }
        let spec = try SessionSpec().applying(settings, home: home, agents: agents)
        try spec.checkStartable(agents: agents)
        return .new(name: name, spec: spec)
    }

    /// An id or option number: a whole number from 1.
    static func questionNumber(_ word: String, what: String, verb: String) throws(HiveError) -> Int {
        guard !word.isEmpty, word.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .invalid("\(verb): the \(what) is a whole number (got '\(Text.printable(word))')")
        }
        guard let n = Int(word), n >= 1, n <= 1_000_000_000 else { throw .range("\(verb): no \(what) \(Text.printable(word))") }
        return n
    }

    static func splitVerb(_ line: String) -> (String, String) {
        guard let sp = line.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (line, "") }
        return (String(line[..<sp]), String(line[sp...]).trimmingWhitespace())
    }
}

/// Words separated by white space, where double quotes group (`prompt="Add OAuth"`)
/// and, inside quotes, `\"` and `\\` escape. Nothing is expanded.
public enum QuotedWords {
    public static func split(_ s: String) throws(HiveError) -> [String] {
        var words: [String] = []
        var cur = ""
        var inWord = false
        var inQuote = false
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            if inQuote {
                if c == "\"" { inQuote = false; continue }
                if c == "\\" {
                    guard let e = it.next() else { break }
                    if e == "\"" || e == "\\" { cur.unicodeScalars.append(e) } else {
                        cur.unicodeScalars.append("\\"); cur.unicodeScalars.append(e)
                    }
                    continue
                }
                cur.unicodeScalars.append(c)
                continue
            }
            switch c {
            case " ", "\t":
                if inWord { words.append(cur); cur = ""; inWord = false }
            case "\"":
                inWord = true; inQuote = true
            default:
                inWord = true; cur.unicodeScalars.append(c)
            }
        }
        if inQuote { throw .invalid("unterminated quote") }
        if inWord { words.append(cur) }
        return words
    }

    /// Quotes a value so that `split` gives it back, for building `new` lines.
    public static func quote(_ s: String) -> String {
        if !s.isEmpty, !s.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "\\" }) { return s }
        return "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
