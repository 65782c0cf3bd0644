/// Token counts of one API message or of a whole session.
public struct TokenUsage: Sendable, Equatable, Codable {
    public var input: Int64 = 0
    public var output: Int64 = 0
    public var cacheRead: Int64 = 0
    /// Tokens written to the prompt cache, all lifetimes…
    public var cacheWrite: Int64 = 0
    /// …of which written for an hour (priced higher than the 5-minute cache).
    public var cacheWrite1h: Int64 = 0

    public init(input: Int64 = 0, output: Int64 = 0, cacheRead: Int64 = 0, cacheWrite: Int64 = 0, cacheWrite1h: Int64 = 0) {
        self.input = input; self.output = output; self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite; self.cacheWrite1h = cacheWrite1h
    }

    /// Each field's larger value: a message's usage as its latest line reports it.
    public func fieldMax(_ o: TokenUsage) -> TokenUsage {
        TokenUsage(input: max(input, o.input), output: max(output, o.output), cacheRead: max(cacheRead, o.cacheRead),
                   cacheWrite: max(cacheWrite, o.cacheWrite), cacheWrite1h: max(cacheWrite1h, o.cacheWrite1h))
    }

    public static func + (a: TokenUsage, b: TokenUsage) -> TokenUsage {
        TokenUsage(input: a.input + b.input, output: a.output + b.output, cacheRead: a.cacheRead + b.cacheRead,
                   cacheWrite: a.cacheWrite + b.cacheWrite, cacheWrite1h: a.cacheWrite1h + b.cacheWrite1h)
    }

    public static func - (a: TokenUsage, b: TokenUsage) -> TokenUsage {
        TokenUsage(input: a.input - b.input, output: a.output - b.output, cacheRead: a.cacheRead - b.cacheRead,
                   cacheWrite: a.cacheWrite - b.cacheWrite, cacheWrite1h: a.cacheWrite1h - b.cacheWrite1h)
    }

    public var isZero: Bool { self == TokenUsage() }
}

/// A model's price in US dollars per million tokens.
public struct Price: Sendable, Equatable, Codable {
    public var input: Double
    public var output: Double
    public var cacheRead: Double
    /// Writing to the 5-minute cache.
    public var cacheWrite: Double
    /// Writing to the 1-hour cache.
    public var cacheWrite1h: Double

    public init(input: Double, output: Double, cacheRead: Double, cacheWrite: Double, cacheWrite1h: Double) {
        self.input = input; self.output = output; self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite; self.cacheWrite1h = cacheWrite1h
    }

    /// Anthropic's usual ratios from the input price: cache reads 0.1×, 5-minute
    /// cache writes 1.25×, 1-hour cache writes 2×.
    public init(input: Double, output: Double) {
        self.init(input: input, output: output, cacheRead: input * 0.1, cacheWrite: input * 1.25, cacheWrite1h: input * 2)
    }

    /// What `usage` costs at this price.
    public func cost(_ u: TokenUsage) -> Double {
        let fiveMinute = max(0, u.cacheWrite - u.cacheWrite1h)
        let perToken = Double(u.input) * input + Double(u.output) * output + Double(u.cacheRead) * cacheRead
            + Double(fiveMinute) * cacheWrite + Double(u.cacheWrite1h) * cacheWrite1h
        return perToken / 1_000_000
    }
}

/// Prices by model-id prefix; the longest matching prefix wins, so
/// `claude-opus-4-5-20251101` takes `claude-opus-4-5`, not `claude-opus-4`.
public struct PriceTable: Sendable, Equatable {
    public var entries: [String: Price]

    public init(_ entries: [String: Price]) { self.entries = entries }

    /// Anthropic's list prices (USD per million tokens) as of 2026-12.
    /// The config file's `[prices.MODEL]` tables override or add to them.
    public static let standard = PriceTable([
        // Claude Code 2.1.337's own table for the models it uses by default, read
        // back from its cost-state lines (cache reads 0.05× input, writes 1.25×).
        "claude-opus-5-5": Price(input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5, cacheWrite1h: 8),
        "claude-sonnet-5-5": Price(input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5, cacheWrite1h: 4),
        "claude-haiku-5-5": Price(input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite: 0.125, cacheWrite1h: 0.2),
        "claude-opus-4-6": Price(input: 5, output: 25),
        "claude-opus-4-5": Price(input: 5, output: 25),
        "claude-opus-4": Price(input: 15, output: 75),
        "claude-sonnet-4": Price(input: 3, output: 15),
        "claude-haiku-4": Price(input: 1, output: 5),
        "claude-3-7-sonnet": Price(input: 3, output: 15),
        "claude-3-5-sonnet": Price(input: 3, output: 15),
        "claude-3-5-haiku": Price(input: 0.8, output: 4),
        "claude-3-opus": Price(input: 15, output: 75),
        "claude-3-haiku": Price(input: 0.25, output: 1.25),
    ])

    /// The price of a model, or nil when no prefix matches.
    public func price(_ model: String) -> Price? {
        var best: (length: Int, price: Price)?
        for (prefix, p) in entries where model.hasPrefix(prefix) && prefix.count > (best?.length ?? -1) {
            best = (prefix.count, p)
        }
        return best?.price
    }

    /// This table with `overrides` laid over it.
    public func merging(_ overrides: [String: Price]) -> PriceTable {
        PriceTable(entries.merging(overrides) { _, new in new })
    }
}
