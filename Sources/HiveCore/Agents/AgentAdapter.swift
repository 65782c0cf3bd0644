/// One kind of agent: everything about it that differs from the others. hivefs
/// knows an agent only through this protocol; nothing else in the core or the
/// runtime asks which agent a session runs.
///
/// Decisions, stated once:
/// - An adapter is a pure value: it turns facts (a spec, a payload, a screen) into
///   answers (a command line, a report, a question). Anything that needs the
///   machine (writing a settings file, asking `--version`, reading /proc) is the
///   runtime's, in at most one file per agent (`AgentRuntime` there).
/// - The built-in adapters are named in one list, `AgentCatalog.builtIn`; an agent
///   the user defines (`agents/NAME.toml`) is a `DefinedAgent` in the same catalog.
/// - Every requirement has a meaning for every agent; the defaults below are what
///   an agent that reports nothing and asks nothing gets.
public protocol AgentAdapter: Sendable {
    /// The word `agent=` takes.
    var name: AgentName { get }

    /// Whether the agent says, through hooks or notifications, when a turn starts and
    /// ends: then terminal output does not mean `working`, and a quiet terminal makes
    /// hivefs read the screen to tell working, waiting and idle apart.
    var reportsTurns: Bool { get }

    /// Whether the agent reports each prompt it takes (a `prompt` report: Claude Code's
    /// UserPromptSubmit hook): then a restarted daemon can tell whether a queued prompt
    /// it delivered reached the agent, and delivers it again if not.
    var reportsPrompts: Bool { get }

    /// Whether the agent reports with a notification when it waits, just before it
    /// draws its prompt: that drawing is not work (Aider).
    var drawsAfterReport: Bool { get }

    /// Whether the agent is told where to report with `$HIVE_HOOKS` (the session's
    /// `hooks.log`): agents hivefs does not wire itself, so nothing is reported twice.
    var readsHooksVariable: Bool { get }

    /// The transcript whose tokens are counted, if the agent keeps one hivefs reads.
    var transcript: TranscriptFormat? { get }

    /// The keys that stop the current turn the way a person would.
    var interruptKeys: [String] { get }

    /// Checks what `start` needs of this agent beyond each key's own rules: its
    /// command, its `mode`. EINVAL with the reason.
    func check(_ spec: SessionSpec) throws(HiveError)

    /// The words `mode` adds to the command line; EINVAL, naming the values the
    /// agent has, for one it does not have. An empty mode adds nothing.
    func modeArguments(_ mode: String) throws(HiveError) -> [String]

    /// How a fork (`fork NEW`) carries the agent's conversation to the new session.
    var forks: ConversationFork { get }

    /// The argument vector that runs the agent (before hivefs's launcher wraps it).
    func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String]

    /// Whether the prompt is typed into the terminal once the agent runs, rather
    /// than given on its command line.
    func typesPrompt(_ spec: SessionSpec, _ launch: AgentLaunch) -> Bool

    /// What one record of `hooks.log` means.
    func report(_ payload: [UInt8], _ context: ReportContext) -> AgentReport

    /// The question the agent shows on `screen`, if it shows one hivefs can read.
    func question(on screen: String) -> ScreenQuestion?

    /// Whether `question(on:)` can ever find anything: then the screen of an idle
    /// session that printed and went quiet is read for a question.
    var asksOnScreen: Bool { get }

    /// What the screen says of an agent that reports its turns, read when a report
    /// that should have come did not (an interrupted turn, a dismissed menu).
    func screen(_ text: String) -> ScreenReading

    /// Whether a quiet terminal that shows `screen` is at rest (`idle`) for an agent
    /// that does not report its turns: false keeps it `working` (Aider importing its
    /// libraries as it starts).
    func atRest(_ screen: String) -> Bool

    /// Whether `atRest` needs the screen (else a quiet terminal is idle at once).
    var readsQuietScreen: Bool { get }

    /// A line of the screen saying the agent refused what hivefs gave it to report
    /// through (Claude Code's settings file), as an event's detail; nil when none.
    func refusedReports(_ screen: String) -> String?

    /// Where the session's state comes from, for `status`'s `reports`: `heard` once a
    /// report has come since the agent started.
    func source(heard: Bool) -> String
}

extension AgentAdapter {
    public var reportsTurns: Bool { false }
    public var reportsPrompts: Bool { false }
    public var drawsAfterReport: Bool { false }
    public var readsHooksVariable: Bool { false }
    public var transcript: TranscriptFormat? { nil }
    public var interruptKeys: [String] { ["C-c"] }
    public var forks: ConversationFork { .unsupported("\(name) has no way to fork its conversation that hivefs can use") }
    public func check(_ spec: SessionSpec) throws(HiveError) { _ = try modeArguments(spec.mode) }
    public func modeArguments(_ mode: String) throws(HiveError) -> [String] {
        guard mode.isEmpty else {
            throw .invalid("mode: agent \(name) has no permission modes hivefs can set (claude, codex and aider have)")
        }
        return []
    }
    public func typesPrompt(_ spec: SessionSpec, _ launch: AgentLaunch) -> Bool { false }
    public func report(_ payload: [UInt8], _ context: ReportContext) -> AgentReport {
        ClaudeHooks.report(payload, base: context.base)
    }
    public func question(on screen: String) -> ScreenQuestion? { nil }
    public var asksOnScreen: Bool { false }
    public func screen(_ text: String) -> ScreenReading { ScreenReading.common(text) }
    public func atRest(_ screen: String) -> Bool { true }
    public var readsQuietScreen: Bool { false }
    public func refusedReports(_ screen: String) -> String? { nil }
    public func source(heard: Bool) -> String { "terminal" }

    /// A prompt as the last argument: after `--` when it starts with `-`, so it is never an option.
    public func promptArgument(_ prompt: String) -> [String] {
        prompt.isEmpty ? [] : (prompt.hasPrefix("-") ? ["--", prompt] : [prompt])
    }

    /// The program and its extra arguments: the spec's `command`, else `program`.
    public func words(_ spec: SessionSpec, default program: String) throws(HiveError) -> [String] {
        spec.command.isEmpty ? [program] : try CommandLineWords.split(spec.command)
    }
}

/// What hivefs prepared for an agent's start, in words every agent shares; each
/// adapter turns it into its own command line.
public struct AgentLaunch: Sendable, Equatable {
    /// The command the agent runs to report, as words: hivefs-hook and the session's
    /// `hooks.log` (a payload follows them).
    public var reportCommand: [String]
    /// The agent's conversation: the id hivefs chose for a new one, or the one it
    /// reported, to go on with.
    public var conversation: String?
    /// Whether `conversation` is continued rather than started.
    public var resume = false
    /// A settings file hivefs wrote for the agent (Claude Code's hooks and status line).
    public var settingsFile: String?
    /// A file the agent keeps its conversation in, in the session's folder (Aider's chat history).
    public var historyFile: String?
    /// Whether the session's agent ran before (a restart).
    public var ranBefore = false
    /// At a fork's first start: the parent's conversation, which the agent forks
    /// rather than starting one (`AgentAdapter.forks`); for Aider, its copied history.
    public var forkFrom: String?

    public init(reportCommand: [String], conversation: String? = nil, resume: Bool = false, settingsFile: String? = nil,
                historyFile: String? = nil, ranBefore: Bool = false) {
        self.reportCommand = reportCommand
        self.conversation = conversation
        self.resume = resume
        self.settingsFile = settingsFile
        self.historyFile = historyFile
        self.ranBefore = ranBefore
    }
}

/// What reading a report may need besides its payload.
public struct ReportContext {
    /// Paths are shown relative to where the agent works: its worktree, when it has one.
    public var base: String
    /// The screen now, when the record is fresh enough for it to show what the report
    /// is about (asked only by agents that need it; nil otherwise).
    public var screen: () -> String?

    public init(base: String, screen: @escaping () -> String? = { nil }) {
        self.base = base
        self.screen = screen
    }
}

/// What an agent's terminal shows, read when a report that should have come did not.
public enum ScreenReading: Sendable, Equatable {
    /// A dialog asking whether to trust the folder: no hook fires until it is answered.
    case trustDialog
    /// A permission or question menu waiting for an answer.
    case menu
    /// A turn running (a spinner line offering "esc to interrupt").
    case busy
    /// The prompt, waiting for input.
    case prompt
    /// Nothing hivefs can tell: the state stays as it is.
    case unknown

    /// Rows from the bottom that are read: menus, dialogs and spinners live there;
    /// the conversation above them may quote anything.
    public static let rowsRead = 24

    /// The bottom rows of `screen` that are not blank, lowercased and joined.
    public static func bottom(_ screen: String) -> String {
        screen.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.allSatisfy { $0 == " " } }.suffix(rowsRead).joined(separator: "\n").lowercased()
    }

    /// What most terminal agents show: a menu (`ScreenMenu`), a spinner line, else the prompt.
    public static func common(_ screen: String) -> ScreenReading {
        let lower = bottom(screen)
        // A menu first: Claude Code's permission menu and Codex's approval screen say
        // "esc to cancel" too.
        if ScreenMenu.menu(screen) != nil { return .menu }
        if lower.contains("do you want to") && lower.contains("1. yes") { return .menu }
        // Claude Code's and Codex's spinner line, and Gemini CLI's.
        if lower.contains("esc to interrupt") || lower.contains("esc to cancel") { return .busy }
        return .prompt
    }

    /// Why the state is `waiting`, in `reason`.
    public var reason: String? {
        switch self {
        case .trustDialog: return "workspace trust dialog (answer with: approve, or attach)"
        case .menu: return "a menu waits for an answer (seen on the screen)"
        case .busy, .prompt, .unknown: return nil
        }
    }
}
