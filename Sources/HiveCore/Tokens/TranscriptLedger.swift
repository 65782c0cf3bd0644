import Foundation

/// Counts the tokens of a session from its agent's transcript files, read
/// incrementally: each call takes the bytes appended since the last one. Each
/// format's lines are read in its agent's folder (`Claude/ClaudeTranscript`,
/// `Codex/CodexRollout`, `Gemini/GeminiChat`).
///
/// Usage is grouped by message and each field's largest value is kept (Claude Code
/// repeats a message's usage, growing, on each of its lines): the totals are exact
/// whatever order the lines arrive in and however often the same line is read
/// again. Subagent transcripts go through the same ledger.
///
/// The ledger is `Codable` so that a restarted daemon reads on from where it was.
public struct TranscriptLedger: Sendable, Equatable, Codable {
    struct Message: Sendable, Equatable, Codable {
        var model: String
        var usage: TokenUsage
    }

    /// Usage per API message (`message.id` and `requestId`).
    var messages: [String: Message] = [:]
    /// Every message's usage added up.
    public internal(set) var total = TokenUsage()
    /// The same per model, for pricing.
    public internal(set) var byModel: [String: TokenUsage] = [:]
    /// Lines that were not JSON objects, skipped.
    public internal(set) var skipped = 0
    /// The main agent's last text block.
    public internal(set) var lastText: String?
    /// The model of the main agent's latest message.
    public internal(set) var model: String?
    /// Bytes read so far, per transcript file.
    public internal(set) var offsets: [String: Int64] = [:]
    /// The session's cost as the agent counts it (Claude Code's `cost-state` lines:
    /// `totalCostUSD`, side calls such as titles included, restored on `--resume`),
    /// as of its latest such line; nil before one.
    public internal(set) var agentCostUSD: Double?
    /// Usage per model of the messages counted since that line, which it does not
    /// cover. Optional so that a ledger saved before it existed still reads.
    public internal(set) var sinceAgentCost: [String: TokenUsage]?

    public init() {}

    /// A fork's ledger: the messages of the conversation it was forked from are known,
    /// with their usage, but counted as nothing, so that the copies of them a forked
    /// transcript begins with (Claude Code's `--fork-session`) are not counted twice.
    public init(inheriting parent: TranscriptLedger) {
        messages = parent.messages
    }

    /// Reads what was appended to `file` at `offset` (which must be `offset(file)`):
    /// every complete line. Returns the bytes consumed; a partial last line waits
    /// for the rest.
    @discardableResult
    public mutating func consume(_ bytes: ArraySlice<UInt8>, file: String, format: TranscriptFormat = .claude) -> Int {
        var start = bytes.startIndex
        var consumed = 0
        for i in bytes.indices where bytes[i] == 0x0A {
            switch format {
            case .claude: read(line: bytes[start..<i])
            case .codex: read(codexLine: bytes[start..<i])
            case .gemini: read(geminiLine: bytes[start..<i])
            }
            consumed += i + 1 - start
            start = i + 1
        }
        if consumed > 0 { offsets[file, default: 0] += Int64(consumed) }
        return consumed
    }

    /// Where reading `file` goes on from.
    public func offset(_ file: String) -> Int64 { offsets[file] ?? 0 }

    /// Counts what `usage` adds to the message `key`: each field's largest value is
    /// the message's, so a line read again, or repeated with growing counts, adds
    /// only what grew. The message is priced at the model it was first seen with.
    mutating func count(_ usage: TokenUsage, key: String, model: String) {
        let old = messages[key]
        let merged = old.map { $0.usage.fieldMax(usage) } ?? usage
        let delta = merged - (old?.usage ?? TokenUsage())
        guard old == nil || !delta.isZero else { return }
        let priced = old?.model ?? model
        messages[key] = Message(model: priced, usage: merged)
        total = total + delta
        byModel[priced, default: TokenUsage()] = byModel[priced, default: TokenUsage()] + delta
        if agentCostUSD != nil { sinceAgentCost = (sinceAgentCost ?? [:]).merging([priced: delta], uniquingKeysWith: +) }
    }

    /// The most tokens one field of one message may hold; more (or less than 0) is
    /// a damaged line, counted as 0, so that no sum can overflow.
    static let maxTokens: Int64 = 1 << 40

    static func usage(_ u: [String: Any]) -> TokenUsage {
        func n(_ v: Any?) -> Int64 {
            let x: Int64
            if let i = v as? Int64 { x = i } else if let i = v as? Int { x = Int64(i) } else if let d = v as? Double,
                d.isFinite, d >= 0, d <= Double(maxTokens) { x = Int64(d) } else { return 0 }
            return x >= 0 && x <= maxTokens ? x : 0
        }
        let creation = u["cache_creation"] as? [String: Any]
        return TokenUsage(input: n(u["input_tokens"]), output: n(u["output_tokens"]),
                          cacheRead: n(u["cache_read_input_tokens"]),
                          cacheWrite: n(u["cache_creation_input_tokens"]),
                          cacheWrite1h: n(creation?["ephemeral_1h_input_tokens"]))
    }

    /// The agent's running total from a live report (Claude Code's status line): it
    /// covers every message so far, so nothing since it is priced on top.
    public mutating func noteAgentTotal(_ usd: Double) {
        guard usd.isFinite, usd >= 0 else { return }
        agentCostUSD = usd
        sinceAgentCost = [:]
    }

    /// The number of API messages counted.
    public var messageCount: Int { messages.count }

    /// Where a cost figure came from (`cost.source`).
    public enum CostSource: String, Sendable {
        /// The agent's own count.
        case agent
        /// The agent's own count, plus the price table's for what it has not counted yet.
        case agentAndPrices = "agent+prices"
        /// The price table, from the transcript's tokens.
        case prices
    }

    /// The session's cost: the agent's own figure where it gave one (plus the priced
    /// messages since), else every priced message; and the models no price matched
    /// among those priced.
    public func cost(_ prices: PriceTable) -> (usd: Double, unpriced: [String], source: CostSource) {
        func priced(_ usage: [String: TokenUsage]) -> (Double, [String]) {
            var usd = 0.0
            var unpriced: [String] = []
            for (model, u) in usage.sorted(by: { $0.key < $1.key }) where !u.isZero {
                if let p = prices.price(model) { usd += p.cost(u) } else { unpriced.append(model.isEmpty ? "unknown" : model) }
            }
            return (usd, unpriced)
        }
        if let agent = agentCostUSD {
            let since = sinceAgentCost ?? [:]
            let (more, unpriced) = priced(since)
            let counted = since.values.allSatisfy(\.isZero)
            return (agent + more, unpriced, counted ? .agent : .agentAndPrices)
        }
        let (usd, unpriced) = priced(byModel)
        return (usd, unpriced, .prices)
    }
}
