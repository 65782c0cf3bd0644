/// What an agent waits for a person to answer: a permission to use a tool, its
/// workspace-trust dialog, or another start-up question. It is shown in a session's
/// `permission` and `permission.json` files and answered with `approve [ID]`,
/// `deny [ID]` or `answer ID N`, which press the keys that agent takes.
///
/// Decisions:
/// - The options are the agent's, read from its screen, in the order it shows them;
///   `answer ID N` picks the Nth (from 1). `approve` and `deny` pick the options the
///   parser marked, so a script need not know each agent's words.
/// - The id grows by one for each new question in a session and is never reused, so
///   an answer meant for one question can never reach the next: a stale id is
///   refused and nothing is pressed.
/// - A question stays the same question (same id) while the screen shows the same
///   text and options; the hook that announced it (Claude Code's PermissionRequest)
///   gives the tool and its target, the screen gives the options.
public struct Permission: Sendable, Equatable, Codable {
    /// What kind of question.
    public enum Kind: String, Sendable, Codable {
        /// A tool the agent wants to use (a command, an edit, a read).
        case tool
        /// The agent's workspace-trust dialog.
        case trust
        /// Any other question the agent asks before it goes on (a start-up question).
        case question
    }

    /// How the agent takes an answer.
    public enum Style: String, Sendable, Codable {
        /// A menu with a focus: arrows move it, Enter picks (Claude Code, Codex CLI).
        case menu
        /// A line question: the option's letter, then Enter (Aider's `(Y)es/(N)o`).
        case letters
        /// Each option's own keys, as an agent's definition file gives them.
        case keys
    }

    /// One option, as the agent shows it.
    public struct Option: Sendable, Equatable, Codable {
        /// Its words, without the number or marker the agent puts before them.
        public var label: String
        /// The key that picks it where the agent names one (Aider's `y`), else nil.
        public var key: String?
        /// The keys that pick it, for the `keys` style.
        public var keys: [String]?

        public init(label: String, key: String? = nil, keys: [String]? = nil) {
            self.label = label
            self.key = key
            self.keys = keys
        }
    }

    public var id: Int
    public var kind: Kind
    /// The tool, for a tool permission (`Bash`, `Edit`, `Read`).
    public var tool: String?
    /// What the tool would act on: the command, or the path.
    public var subject: String?
    /// The question, as the agent asks it.
    public var question: String
    public var options: [Option]
    /// The option that has the focus now (from 0), for a menu.
    public var focus: Int?
    public var style: Style
    /// The options `approve` and `deny` pick (from 0), where the parser knows them.
    public var approve: Int?
    public var deny: Int?

    public init(id: Int, kind: Kind, tool: String? = nil, subject: String? = nil, question: String,
                options: [Option], focus: Int? = nil, style: Style, approve: Int? = nil, deny: Int? = nil) {
        self.id = id; self.kind = kind; self.tool = tool; self.subject = subject; self.question = question
        self.options = options; self.focus = focus; self.style = style; self.approve = approve; self.deny = deny
    }

    /// Whether `other` is the same question on the screen (its focus may have moved).
    public func sameQuestion(_ other: Permission) -> Bool {
        kind == other.kind && question == other.question && options == other.options
    }

    /// The keys that pick option `index` (from 0), for `tmux send-keys`.
    public func keys(choosing index: Int) -> [String] {
        switch style {
        case .menu:
            let from = focus ?? 0
            let moves = index >= from ? Array(repeating: "Down", count: index - from)
                                      : Array(repeating: "Up", count: from - index)
            return moves + ["Enter"]
        case .letters:
            return [options[index].key ?? String(options[index].label.prefix(1)).lowercased(), "Enter"]
        case .keys:
            return options[index].keys ?? []
        }
    }

    /// Why the session waits, for `status`'s `reason`: what is asked and how to answer.
    public var reason: String {
        let what: String
        switch kind {
        case .trust: what = "workspace trust dialog"
        case .tool: what = "permission " + ([tool, subject].compactMap { $0 }.joined(separator: " ").nonEmpty ?? question)
        case .question: what = question
        }
        var how: [String] = []
        if approve != nil { how.append("approve \(id)") }
        if deny != nil { how.append("deny \(id)") }
        how.append("answer \(id) N")
        return Text.oneLine(what) + " (" + how.joined(separator: ", ") + "; see permission)"
    }

    /// The `permission` file: one `KEY VALUE` line each, options numbered from 1
    /// as `answer` takes them.
    public var text: String {
        var out = "id \(id)\nkind \(kind.rawValue)\n"
        if let tool { out += "tool \(Text.oneLine(tool))\n" }
        if let subject { out += "subject \(Text.oneLine(subject))\n" }
        out += "question \(Text.oneLine(question))\n"
        for (i, o) in options.enumerated() { out += "option \(i + 1) \(Text.oneLine(o.label))\n" }
        if let approve { out += "approve \(approve + 1)\n" }
        if let deny { out += "deny \(deny + 1)\n" }
        return out
    }

    /// `permission.json`: the same as one object.
    public var json: String {
        var w = JSONWriter()
        w.int("id", Int64(id))
        w.string("kind", kind.rawValue)
        w.stringOrNull("tool", tool)
        w.stringOrNull("subject", subject)
        w.string("question", question)
        w.raw("options", "[" + options.map { JSONWriter.quote($0.label) }.joined(separator: ",") + "]")
        w.intOrNull("approve", approve.map { Int64($0 + 1) })
        w.intOrNull("deny", deny.map { Int64($0 + 1) })
        return w.result + "\n"
    }
}

/// What an agent's screen shows it asking, before an id is given: a parser's result.
public struct ScreenQuestion: Sendable, Equatable {
    public var kind: Permission.Kind
    public var question: String
    public var options: [Permission.Option]
    public var focus: Int?
    public var style: Permission.Style
    public var approve: Int?
    public var deny: Int?
    /// The tool and its target, where the screen names them (Codex's command).
    public var tool: String?
    public var subject: String?

    public init(kind: Permission.Kind, question: String, options: [Permission.Option], focus: Int? = nil,
                style: Permission.Style, approve: Int? = nil, deny: Int? = nil, tool: String? = nil, subject: String? = nil) {
        self.kind = kind; self.question = question; self.options = options; self.focus = focus
        self.style = style; self.approve = approve; self.deny = deny; self.tool = tool; self.subject = subject
    }

    /// The question with an id, and the tool and target a hook gave where the screen gave none.
    public func permission(id: Int, tool hookTool: String?, subject hookSubject: String?) -> Permission {
        Permission(id: id, kind: kind, tool: tool ?? hookTool, subject: subject ?? hookSubject, question: question,
                   options: options, focus: focus, style: style, approve: approve, deny: deny)
    }
}

extension String {
    /// Nil when empty.
    var nonEmpty: String? { isEmpty ? nil : self }
}
