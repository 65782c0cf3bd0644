/// What a session runs and where: the spec files of a session directory.
public struct SessionSpec: Sendable, Equatable, Codable {
    public var agent: AgentKind = .claude
    /// Absolute directory the agent runs in; empty means the mounting user's home.
    public var dir: String = ""
    /// The first prompt. For `shell` it is typed into the terminal after start.
    public var prompt: String = ""
    /// For `shell`, the command line to run; for others, the program and extra arguments.
    public var command: String = ""
    public var model: String = ""
    /// `no` for now; `yes` or a branch name once worktrees exist.
    public var worktree: String = "no"
    /// Extra environment variables (`env.KEY=VALUE`).
    public var env: [String: String] = [:]

    public init() {}
}

/// The spec files a session directory holds, in listing order.
public enum SpecKey: String, Sendable, CaseIterable, Codable {
    case agent, dir, prompt, command, model, worktree
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
        }
    }

    /// Sets one key from a user's text (a spec file's content or a `key=value`),
    /// checking it; `home` expands a leading `~` in `dir`.
    public mutating func set(_ key: SpecKey, _ raw: String, home: String) throws(HiveError) {
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
            guard let kind = AgentKind(rawValue: text) else {
                throw .invalid("unknown agent '\(Text.printable(text))'; known: \(AgentKind.names)")
            }
            agent = kind
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
            guard t == "no" else {
                throw .unsupported("worktree=\(Text.printable(t)): git worktrees are not supported yet; use worktree=no")
            }
            worktree = t
        }
    }

    /// Sets `env.NAME`; names are shell identifiers and `HIVE_SESSION` is hivefs's own.
    public mutating func setEnv(_ name: String, _ value: String) throws(HiveError) {
        guard EnvName.isValid(name) else {
            throw .invalid("env.\(Text.printable(name)): a variable name is letters, digits and '_', not starting with a digit")
        }
        guard name != "HIVE_SESSION" else { throw .invalid("HIVE_SESSION is set by hivefs") }
        guard !value.contains("\n"), !value.unicodeScalars.contains(where: { $0.value == 0 }) else {
            throw .invalid("env.\(name) must be one line without NUL bytes")
        }
        env[name] = value
    }

    /// Checks what `start` needs beyond each key's own rules.
    public func checkStartable() throws(HiveError) {
        if agent == .shell && command.trimmingWhitespace().isEmpty {
            throw .invalid("agent shell needs a command (write it to the command file, or command=… in new)")
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
