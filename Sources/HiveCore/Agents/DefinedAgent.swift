import Foundation

/// An agent the user describes in `agents/NAME.toml` in the config directory,
/// run as `agent=NAME` without a rebuild (hivefs.5, AGENT FILES). The runtime
/// reads the file into a `Definition`; this adapter turns it into the answers
/// every agent gives.
public struct DefinedAgent: AgentAdapter {
    /// A definition file's content, checked.
    public struct Definition: Sendable, Equatable {
        /// How the first prompt reaches the agent.
        public enum Prompt: String, Sendable, CaseIterable {
            /// The last argument of its command line.
            case argument
            /// Typed into its terminal once it runs.
            case typed
            /// It takes none: a session with a prompt is refused.
            case none
        }

        /// How the agent says what it does.
        public enum Reports: String, Sendable, CaseIterable {
            /// Nothing but its terminal: output is `working`, quiet is `idle`.
            case terminal
            /// It runs a command when it waits for its person (`notify` gives the
            /// arguments that tell it which): `idle`, or `waiting` when its screen
            /// shows the `waiting` pattern.
            case notify
            /// It writes hook records in Claude Code's format to `$HIVE_HOOKS` with
            /// hivefs-hook: prompts, tools and turns' ends are events.
            case hooks
        }

        public var name: AgentName
        /// Where it was read from, for messages.
        public var file: String
        /// The program and its arguments, as a command line (the session's
        /// `command` replaces it, as for the built-in agents).
        public var command: String
        /// The command line run instead on a restart, to go on with the conversation.
        public var resume: String?
        public var prompt: Prompt = .typed
        public var reports: Reports = .terminal
        /// For `reports = "notify"`: the arguments that give the agent hivefs's
        /// command; `{notify}` in them stands for that command, as one shell line.
        public var notify: [String] = []
        /// The arguments that choose a model; `{model}` stands for it. Without them,
        /// a session with a model is refused.
        public var model: [String] = []
        /// Patterns (extended regular expressions, `^` and `$` at each line) matched
        /// against the bottom rows of the screen.
        public var working: ScreenPattern?
        public var waiting: ScreenPattern?
        public var idle: ScreenPattern?
        /// Keys (tmux key names) that interrupt a turn, approve and deny what it asks.
        public var interrupt: [String] = ["C-c"]
        public var approve: [String] = []
        public var deny: [String] = []

        public init(name: AgentName, file: String, command: String) {
            self.name = name
            self.file = file
            self.command = command
        }
    }

    /// The payload hivefs's notify command records.
    public static let notifyPayload = #"{"hook_event_name":"AgentWaiting"}"#

    public let definition: Definition

    public init(_ definition: Definition) { self.definition = definition }

    public var name: AgentName { definition.name }
    public var reportsTurns: Bool { definition.reports == .hooks }
    public var readsHooksVariable: Bool { definition.reports == .hooks }
    public var drawsAfterReport: Bool { definition.reports == .notify }
    public var interruptKeys: [String] { definition.interrupt }
    public var asksOnScreen: Bool { definition.waiting != nil }
    public var readsQuietScreen: Bool { definition.waiting != nil || definition.working != nil || definition.idle != nil }

    public func check(_ spec: SessionSpec) throws(HiveError) {
        _ = try modeArguments(spec.mode)
        if definition.prompt == .none && !spec.prompt.isEmpty {
            throw .invalid("agent \(name) takes no prompt (\(definition.file) says prompt = \"none\")")
        }
        if definition.model.isEmpty && !spec.model.isEmpty {
            throw .invalid("agent \(name) takes no model (\(definition.file) gives no model arguments)")
        }
        if spec.command.isEmpty && definition.command.trimmingWhitespace().isEmpty {
            throw .invalid("agent \(name) has no command (\(definition.file))")
        }
    }

    /// One that names a `resume` line keeps a conversation, which hivefs cannot fork;
    /// one that names none keeps none hivefs knows of, and a fork runs it afresh.
    public var forks: ConversationFork {
        definition.resume == nil ? .nothing : .unsupported("agent \(name) (\(definition.file)) defines how to resume its conversation, not how to fork it")
    }

    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] {
        let line = launch.ranBefore ? (definition.resume ?? "") : ""
        var words = try CommandLineWords.split(!line.isEmpty ? line : (spec.command.isEmpty ? definition.command : spec.command))
        guard !words.isEmpty else { throw .invalid("agent \(name) has no command (\(definition.file))") }
        if definition.reports == .notify && !launch.reportCommand.isEmpty {
            let command = (launch.reportCommand + [DefinedAgent.notifyPayload]).map(Text.shellQuote).joined(separator: " ")
            words += definition.notify.map { $0.replacingOccurrences(of: "{notify}", with: command) }
        }
        if !spec.model.isEmpty { words += definition.model.map { $0.replacingOccurrences(of: "{model}", with: spec.model) } }
        // A resumed conversation had its first prompt already.
        if definition.prompt == .argument && line.isEmpty { words += promptArgument(spec.prompt) }
        return words
    }

    public func typesPrompt(_ spec: SessionSpec, _ launch: AgentLaunch) -> Bool {
        definition.prompt == .typed && !(launch.ranBefore && definition.resume != nil)
    }

    public func report(_ payload: [UInt8], _ context: ReportContext) -> AgentReport {
        guard definition.reports == .notify else { return ClaudeHooks.report(payload, base: context.base) }
        guard payload == Array(DefinedAgent.notifyPayload.utf8) else {
            return .unreadable("not hivefs's notification for \(name)", bytes: payload.count)
        }
        if let q = context.screen().flatMap(question) {
            var r = AgentReport(kind: EventKind.permission, detail: q.question)
            r.wish = .asking(q.question)
            return r
        }
        var r = AgentReport(kind: EventKind.idle, detail: "waiting for input")
        r.wish = .idle(nil)
        r.mayChangeFiles = true
        return r
    }

    /// The row the `waiting` pattern matches, with the approve and deny keys as its options.
    public func question(on screen: String) -> ScreenQuestion? {
        guard let row = definition.waiting?.matchingRow(screen) else { return nil }
        var options: [Permission.Option] = []
        var approve: Int?, deny: Int?
        if !definition.approve.isEmpty { approve = options.count; options.append(.init(label: "approve", keys: definition.approve)) }
        if !definition.deny.isEmpty { deny = options.count; options.append(.init(label: "deny", keys: definition.deny)) }
        return ScreenQuestion(kind: .question, question: row, options: options, style: .keys, approve: approve, deny: deny)
    }

    public func screen(_ text: String) -> ScreenReading {
        if definition.waiting?.matchingRow(text) != nil { return .menu }
        if definition.working?.matchingRow(text) != nil { return .busy }
        if let idle = definition.idle { return idle.matchingRow(text) != nil ? .prompt : .unknown }
        return .prompt
    }

    /// At rest when the `working` pattern does not match and the `idle` one, if given, does.
    public func atRest(_ screen: String) -> Bool {
        if definition.working?.matchingRow(screen) != nil { return false }
        return definition.idle.map { $0.matchingRow(screen) != nil } ?? true
    }

    public func source(heard: Bool) -> String {
        switch definition.reports {
        case .hooks: return heard ? "hooks" : "screen (no hook since it started)"
        case .notify: return "notify, terminal"
        case .terminal: return "terminal"
        }
    }
}

/// A regular expression matched against a screen's bottom rows, one row at a time.
public struct ScreenPattern: @unchecked Sendable, Equatable {
    public let source: String
    private let regex: NSRegularExpression

    /// The pattern, or the reason it is not one.
    public init(_ source: String) throws(HiveError) {
        do {
            regex = try NSRegularExpression(pattern: source, options: [])
        } catch {
            throw .invalid("'\(Text.printable(source))' is not a regular expression")
        }
        self.source = source
    }

    /// The last of the bottom rows that matches, trimmed.
    public func matchingRow(_ screen: String) -> String? {
        let rows = screen.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.allSatisfy { $0 == " " } }.suffix(ScreenReading.rowsRead)
        return rows.reversed().first { row in
            let s = String(row)
            return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }.map { String($0).trimmingWhitespace() }
    }

    public static func == (a: ScreenPattern, b: ScreenPattern) -> Bool { a.source == b.source }
}
