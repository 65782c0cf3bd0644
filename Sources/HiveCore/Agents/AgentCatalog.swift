/// The agents a session can run: the built-in ones and those the user defines
/// (`agents/NAME.toml`, read by the runtime). `agent=` is checked against it.
public struct AgentCatalog: Sendable {
    /// Every agent hivefs knows without a definition file: the one list. A new
    /// agent is its adapter file, one entry here, and its tests.
    public static let builtInAgents: [any AgentAdapter] = [
        ClaudeAgent(), CodexAgent(), GeminiAgent(), AiderAgent(), CursorAgent(), ShellAgent(),
    ]

    /// The built-in agents alone.
    public static let builtIn = AgentCatalog(defined: [])

    /// The agents in listing order: built-in first, then the defined ones by name.
    public let all: [any AgentAdapter]
    private let byName: [AgentName: any AgentAdapter]
    /// Agents whose definition file was refused, with the file, line and reason.
    public let refused: [AgentName: String]

    /// The built-in agents and `defined`; a defined agent never replaces a built-in one.
    public init(defined: [any AgentAdapter], refused: [AgentName: String] = [:]) {
        self.refused = refused
        let builtIn = Set(AgentCatalog.builtInAgents.map(\.name))
        all = AgentCatalog.builtInAgents + defined.filter { !builtIn.contains($0.name) }.sorted { $0.name < $1.name }
        var map: [AgentName: any AgentAdapter] = [:]
        for a in all where map[a.name] == nil { map[a.name] = a }
        byName = map
    }

    public func adapter(_ name: AgentName) -> (any AgentAdapter)? { byName[name] }

    /// The adapter for `name`, or EINVAL naming the agents there are.
    public func resolve(_ name: AgentName) throws(HiveError) -> any AgentAdapter {
        guard let a = byName[name] else {
            if let why = refused[name] { throw .invalid("agent \(name) is defined in a file hivefs refused: \(why)") }
            throw .invalid("unknown agent '\(Text.printable(name.rawValue))'; known: \(names)")
        }
        return a
    }

    /// The words `agent` accepts, for error messages and usage text.
    public var names: String { all.map(\.name.rawValue).joined(separator: ", ") }

    /// Whether `name` is one of the built-in agents.
    public static func isBuiltIn(_ name: AgentName) -> Bool { builtInAgents.contains { $0.name == name } }
}

/// The adapter of a session whose agent is known no more (its definition file was
/// removed or refused since the session was made): it shows as a terminal agent,
/// and starting it fails with the reason.
public struct MissingAgent: AgentAdapter {
    public let name: AgentName
    public let reason: String

    public init(name: AgentName, reason: String) {
        self.name = name
        self.reason = reason
    }

    public func check(_ spec: SessionSpec) throws(HiveError) { throw .invalid(reason) }
    public func argv(_ spec: SessionSpec, _ launch: AgentLaunch) throws(HiveError) -> [String] { throw .invalid(reason) }
}

extension AgentCatalog {
    /// The adapter for `name`, or a `MissingAgent` that says why there is none.
    public func adapterOrMissing(_ name: AgentName) -> any AgentAdapter {
        do { return try resolve(name) } catch { return MissingAgent(name: name, reason: error.reason) }
    }
}
