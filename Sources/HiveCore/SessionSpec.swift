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
    /// `none` or `bwrap` (`Sandbox`); empty until the session is made, when the
    /// config's default fills it.
    public var sandbox: String = ""
    /// Whether a sandboxed agent may use the network (`sandbox.network=off` takes it away).
    public var sandboxNetwork = true
    /// Paths a sandboxed agent may write besides its own (`sandbox.write=PATH…`).
    public var sandboxWrite: [String] = []
    /// The limits it starts under (`limit.memory=4G`…); `limit` in `control` changes them later.
    public var limits = ResourceLimits()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case agent, dir, prompt, command, model, worktree, setup, env, mode, trust, sandbox, sandboxNetwork, sandboxWrite, limits
    }

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
        sandbox = try c.decodeIfPresent(String.self, forKey: .sandbox) ?? "none"
        sandboxNetwork = try c.decodeIfPresent(Bool.self, forKey: .sandboxNetwork) ?? true
        sandboxWrite = try c.decodeIfPresent([String].self, forKey: .sandboxWrite) ?? []
        limits = try c.decodeIfPresent(ResourceLimits.self, forKey: .limits) ?? ResourceLimits()
    }

    /// Whether the agent runs in a bubblewrap sandbox.
    public var sandboxed: Bool { sandbox == "bwrap" }

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
    case agent, dir, prompt, command, model, worktree, setup, mode, trust, sandbox
}

/// The keys of a `new` line that have no file of their own: `sandbox.network`,
/// `sandbox.write`, `limit.memory`, `limit.cpu`, `limit.pids`.
public enum DottedKey {
    public static let names = ["sandbox.network", "sandbox.write"] + ResourceLimits.Key.allCases.map { "limit." + $0.rawValue }
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
        case .sandbox: return sandbox
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
        case .sandbox:
            let t = text.isEmpty ? "none" : text
            guard t == "none" || t == "bwrap" else { throw .invalid("sandbox is none or bwrap (got '\(Text.printable(text))')") }
            sandbox = t
        }
    }

    /// Sets one of the `DottedKey`s from a `new` line; false when `key` is none of them.
    public mutating func setDotted(_ key: String, _ value: String, home: String) throws(HiveError) -> Bool {
        switch key {
        case "sandbox.network":
            guard value == "on" || value == "off" else { throw .invalid("sandbox.network is on or off (got '\(Text.printable(value))')") }
            sandboxNetwork = value == "on"
        case "sandbox.write":
            var paths: [String] = []
            for word in try CommandLineWords.split(value) {
                let path = SessionSpec.expandHome(word, home: home)
                guard path.hasPrefix("/") else {
                    throw .invalid("sandbox.write takes absolute paths or paths under ~ (got '\(Text.printable(word))')")
                }
                guard path != "/" else { throw .invalid("sandbox.write=/ would let the agent write everywhere; use sandbox=none") }
                paths.append(path)
            }
            sandboxWrite = paths
        default:
            guard key.hasPrefix("limit.") else { return false }
            let k = try ResourceLimits.Key(word: key)
            limits[k] = try ResourceLimits.parse(k, value)
        }
        return true
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
        if sandbox == "none" && (!sandboxNetwork || !sandboxWrite.isEmpty) {
            throw .invalid("sandbox.network and sandbox.write apply to sandbox=bwrap; this session has sandbox=none")
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
