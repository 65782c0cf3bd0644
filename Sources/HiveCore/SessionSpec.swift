/// What a session runs and where: the spec files of a session directory.
public struct SessionSpec: Sendable, Equatable, Codable {
    public var agent: AgentName = .claude
    /// Absolute directory the agent runs in; empty means the mounting user's home.
    public var dir: String = ""
    /// The first prompt. For `shell` it is typed into the terminal after start.
    public var prompt: String = ""
    /// For `shell`, the command line to run; for others, the program and extra arguments.
    public var command: String = ""
    public var model: String = ""
    /// `no`; `yes` for a git worktree on branch `hive/NAME`; or the new branch's name.
    public var worktree: String = "no"
    /// A command run in the worktree before the agent starts (`setup=…`), split into
    /// words like `command`.
    public var setup: String = ""
    /// Extra environment variables (`env.KEY=VALUE`).
    public var env: [String: String] = [:]
    /// How much the agent may do without asking (`PermissionMode`); empty is the agent's own default.
    public var mode: String = ""
    /// `yes` to mark `dir` trusted in the agent's own configuration before it starts
    /// (folders hivefs creates, its worktrees, are trusted always); `no` by default.
    public var trust: String = "no"

    public init() {}

    enum CodingKeys: String, CodingKey { case agent, dir, prompt, command, model, worktree, setup, env, mode, trust }

    /// Reads a spec from the log; keys added by later releases (`setup`) may be absent.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        agent = try c.decode(AgentName.self, forKey: .agent)
        dir = try c.decode(String.self, forKey: .dir)
        prompt = try c.decode(String.self, forKey: .prompt)
        command = try c.decode(String.self, forKey: .command)
        model = try c.decode(String.self, forKey: .model)
        worktree = try c.decode(String.self, forKey: .worktree)
        setup = try c.decodeIfPresent(String.self, forKey: .setup) ?? ""
        env = try c.decode([String: String].self, forKey: .env)
        mode = try c.decodeIfPresent(String.self, forKey: .mode) ?? ""
        trust = try c.decodeIfPresent(String.self, forKey: .trust) ?? "no"
    }

    /// Whether `dir` is to be marked trusted in the agent's configuration (`trust=yes`).
    public var trustsDir: Bool { trust == "yes" }

    /// Whether the session gets a git worktree of its own.
    public var wantsWorktree: Bool { worktree != "no" }

    /// The branch of the session's worktree: `hive/NAME`, or the one `worktree` names.
    public func worktreeBranch(session name: String) -> String? {
        switch worktree {
        case "no": return nil
        case "yes": return "hive/" + name
        default: return worktree
        }
    }
}

/// The spec files a session directory holds, in listing order.
public enum SpecKey: String, Sendable, CaseIterable, Codable {
    case agent, dir, prompt, command, model, worktree, setup, mode, trust
}

extension SessionSpec {
    /// The text of a spec file: the value and a newline, or nothing when empty.
    public func fileText(_ key: SpecKey) -> String {
        let v = value(key)
        return v.isEmpty ? "" : (v.hasSuffix("\n") ? v : v + "\n")
    }

    public func value(_ key: SpecKey) -> String {
        switch key {
        case .agent: return agent.rawValue
        case .dir: return dir
        case .prompt: return prompt
        case .command: return command
        case .model: return model
        case .worktree: return worktree
        case .setup: return setup
        case .mode: return mode
        case .trust: return trust
        }
    }

    /// Sets one key from a user's text (a spec file's content or a `key=value`),
    /// checking it; `home` expands a leading `~` in `dir`; `agent` must be one of `agents`.
    public mutating func set(_ key: SpecKey, _ raw: String, home: String, agents: AgentCatalog) throws(HiveError) {
        var text = raw
        if text.unicodeScalars.last == "\n" { text.unicodeScalars.removeLast() }
        if text.unicodeScalars.last == "\r" { text.unicodeScalars.removeLast() }
        if key != .prompt {
            text = text.trimmingWhitespace()
            if text.contains("\n") || text.contains("\r") {
                throw .invalid("\(key.rawValue) must be one line")
            }
        }
        if text.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw .invalid("\(key.rawValue) must not contain NUL bytes")
        }
        switch key {
        case .agent:
            agent = try agents.resolve(AgentName(rawValue: text)).name
        case .dir:
            let expanded = SessionSpec.expandHome(text, home: home)
            guard expanded.isEmpty || expanded.hasPrefix("/") else {
                throw .invalid("dir must be an absolute path or start with ~ (got '\(Text.printable(text))')")
            }
            dir = expanded
        case .prompt:
            prompt = text
        case .command:
            if !text.isEmpty { _ = try CommandLineWords.split(text) }
            command = text
        case .model:
            guard !text.contains(" ") else { throw .invalid("model must be one word") }
            model = text
        case .worktree:
            let t = text.isEmpty ? "no" : text
            if t != "no" && t != "yes" { try BranchName.validate(t) }
            worktree = t
        case .setup:
            if !text.isEmpty { _ = try CommandLineWords.split(text) }
            setup = text
        case .mode:
            // Checked against the agent by `checkStartable`: the agent may be set after it.
            guard !text.contains(" ") else { throw .invalid("mode must be one word") }
            mode = text
        case .trust:
            let t = text.isEmpty ? "no" : text
            guard t == "yes" || t == "no" else { throw .invalid("trust is yes or no (got '\(Text.printable(text))')") }
            trust = t
        }
    }

    /// Sets `env.NAME`; names are shell identifiers, and `HIVE_SESSION` and `HIVE_HOOKS` are hivefs's own.
    public mutating func setEnv(_ name: String, _ value: String) throws(HiveError) {
        guard EnvName.isValid(name) else {
            throw .invalid("env.\(Text.printable(name)): a variable name is letters, digits and '_', not starting with a digit")
        }
        guard name != "HIVE_SESSION", name != "HIVE_HOOKS" else { throw .invalid("\(name) is set by hivefs") }
        guard !value.contains("\n"), !value.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw .invalid("env.\(name) must be one line without NUL bytes")
        }
        env[name] = value
    }

    /// Checks what `start` needs beyond each key's own rules: the agent's (its
    /// command, its mode) and the worktree's.
    public func checkStartable(agents: AgentCatalog) throws(HiveError) {
        try checkStartable(adapter: agents.resolve(agent))
    }

    /// The same, with the agent's adapter.
    public func checkStartable(adapter: any AgentAdapter) throws(HiveError) {
        try adapter.check(self)
        if !setup.isEmpty && !wantsWorktree {
            throw .invalid("setup runs in a session's own worktree; it needs worktree=yes (or a branch name)")
        }
    }

    /// `~` or `~/x` becomes the home directory; anything else is unchanged.
    public static func expandHome(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst(1) }
        return path
    }
}

enum EnvName {
    static func isValid(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, !s.isEmpty else { return false }
        func ok(_ c: Unicode.Scalar, leading: Bool) -> Bool {
            c == "_" || (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (!leading && c >= "0" && c <= "9")
        }
        guard ok(first, leading: true) else { return false }
        return s.unicodeScalars.dropFirst().allSatisfy { ok($0, leading: false) }
    }
}

extension String {
    /// Without leading and trailing spaces, tabs, CR and LF.
    public func trimmingWhitespace() -> String {
        let ws: Set<Unicode.Scalar> = [" ", "\t", "\r", "\n"]
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, ws.contains(f) { scalars = scalars.dropFirst() }
        while let l = scalars.last, ws.contains(l) { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
