/// The name of an agent, as `agent=` gives it: one of the built-in agents
/// (`AgentCatalog.builtIn`) or one the user defines in `agents/NAME.toml`.
/// Stored in the event log as the plain word, as it always was.
public struct AgentName: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
                         ExpressibleByStringLiteral {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public static let claude: AgentName = "claude"
    public static let codex: AgentName = "codex"
    public static let gemini: AgentName = "gemini"
    public static let aider: AgentName = "aider"
    public static let cursor: AgentName = "cursor"
    public static let shell: AgentName = "shell"

    public var description: String { rawValue }

    public static func < (a: AgentName, b: AgentName) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    /// Whether `word` can name an agent: a lowercase letter first, then lowercase
    /// letters, digits, `-` and `_`, at most 64 in all (it is also a file's name).
    public static func isValid(_ word: String) -> Bool {
        guard let first = word.unicodeScalars.first, word.unicodeScalars.count <= 64, first >= "a", first <= "z" else { return false }
        return word.unicodeScalars.allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "_" }
    }
}
