/// The kernel limits a session runs under: `limit.memory`, `limit.cpu`, `limit.pids`.
///
/// Decisions, stated once:
/// - Memory is in bytes, written as a number with an optional binary suffix
///   (`512M`, `4G`, `1.5G`; K, M, G, T, with or without `i`/`iB`/`B`). Below 4 MiB
///   nothing starts, so it is refused (ERANGE) rather than killing the agent at once.
/// - CPU is a percent of one core (`150%`), or cores (`1.5`); 1% to 100000%.
/// - Pids count every task (threads too, as the kernel does): 1 to 4194304.
/// - `off` removes a limit. A word that is not a figure is EINVAL; a figure out of
///   range is ERANGE, as `budget` does.
public struct ResourceLimits: Sendable, Equatable, Codable {
    /// Bytes of memory (page cache included, as the kernel counts it).
    public var memory: Int64?
    /// Percent of one core.
    public var cpu: Int64?
    /// Tasks (processes and threads).
    public var pids: Int64?

    public init(memory: Int64? = nil, cpu: Int64? = nil, pids: Int64? = nil) {
        self.memory = memory; self.cpu = cpu; self.pids = pids
    }

    /// The keys, as `limit KEY VALUE` and `limit.KEY=VALUE` name them.
    public enum Key: String, Sendable, CaseIterable, Codable {
        case memory, cpu, pids

        /// `memory` or `limit.memory`.
        public init(word: String) throws(HiveError) {
            let bare = word.hasPrefix("limit.") ? String(word.dropFirst(6)) : word
            guard let k = Key(rawValue: bare) else {
                throw .invalid("no limit '\(Text.printable(word))'; limits: memory, cpu, pids")
            }
            self = k
        }
    }

    public var isEmpty: Bool { memory == nil && cpu == nil && pids == nil }

    public subscript(key: Key) -> Int64? {
        get {
            switch key {
            case .memory: return memory
            case .cpu: return cpu
            case .pids: return pids
            }
        }
        set {
            switch key {
            case .memory: memory = newValue
            case .cpu: cpu = newValue
            case .pids: pids = newValue
            }
        }
    }

    /// The keys set, in order.
    public var set: [Key] { Key.allCases.filter { self[$0] != nil } }

    static let minMemory: Int64 = 4 << 20
    static let maxMemory: Int64 = 1 << 50
    static let maxCPU: Int64 = 100_000
    static let maxPids: Int64 = 4_194_304

    /// A value as the user writes it: nil for `off`.
    public static func parse(_ key: Key, _ raw: String) throws(HiveError) -> Int64? {
        let text = raw.trimmingWhitespace()
        if text == "off" { return nil }
        guard !text.isEmpty else { throw .invalid("limit.\(key.rawValue) needs a value or off") }
        switch key {
        case .memory: return try parseMemory(text)
        case .cpu: return try parseCPU(text)
        case .pids:
            guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw .invalid("limit.pids is a whole number of tasks, such as 512 (got '\(Text.printable(text))')")
            }
            guard let n = Int64(text), n >= 1, n <= maxPids else { throw .range("limit.pids must be from 1 to \(maxPids)") }
            return n
        }
    }

    static func parseMemory(_ text: String) throws(HiveError) -> Int64 {
        var digits = Substring(text)
        var unit = Substring("")
        if let i = text.firstIndex(where: { !($0.isNumber || $0 == ".") }) {
            digits = text[..<i]
            unit = text[i...]
        }
        let scale: Double
        switch unit.uppercased() {
        case "", "B": scale = 1
        case "K", "KB", "KI", "KIB": scale = 1024
        case "M", "MB", "MI", "MIB": scale = 1024 * 1024
        case "G", "GB", "GI", "GIB": scale = 1024 * 1024 * 1024
        case "T", "TB", "TI", "TIB": scale = 1024 * 1024 * 1024 * 1024
        default:
            throw .invalid("limit.memory is bytes with K, M, G or T, such as 512M or 4G (got '\(Text.printable(text))')")
        }
        guard let n = Double(digits), n.isFinite, digits.first?.isNumber == true else {
            throw .invalid("limit.memory is bytes with K, M, G or T, such as 512M or 4G (got '\(Text.printable(text))')")
        }
        let bytes = n * scale
        guard bytes >= Double(minMemory), bytes <= Double(maxMemory) else {
            throw .range("limit.memory must be from 4M to 1P (got \(Text.printable(text)))")
        }
        return Int64(bytes)
    }

    static func parseCPU(_ text: String) throws(HiveError) -> Int64 {
        let isPercent = text.hasSuffix("%")
        let figure = isPercent ? text.dropLast() : Substring(text)
        // Digits and a point only: Double(_:) alone takes `0x10` and `1e3` too.
        guard figure.first?.isNumber == true, figure.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." }),
              let n = Double(figure), n.isFinite else {
            throw .invalid("limit.cpu is a percent of one core, such as 150%, or cores, such as 1.5 (got '\(Text.printable(text))')")
        }
        let percent = isPercent ? n : n * 100
        guard percent >= 1, percent <= Double(maxCPU) else { throw .range("limit.cpu must be from 1% to \(maxCPU)%") }
        return Int64(percent.rounded())
    }

    /// A value as events show it: `64M`, `150%`, `512`. Memory that `Bytes.short`
    /// would round (`953.7M` for 1000000000) is written in bytes, so that a `limits`
    /// event reads back the limit the kernel was given.
    public static func text(_ key: Key, _ value: Int64?) -> String {
        guard let v = value else { return "off" }
        switch key {
        case .memory:
            let short = Bytes.short(v)
            return (try? parseMemory(short)) == v ? short : String(v)
        case .cpu: return "\(v)%"
        case .pids: return String(v)
        }
    }

    /// `memory=64M cpu=50% pids=20`, or `none`; what a `limits` event holds, and read back by `init(text:)`.
    public var text: String {
        let words = set.map { "\($0.rawValue)=\(ResourceLimits.text($0, self[$0]))" }
        return words.isEmpty ? "none" : words.joined(separator: " ")
    }

    public init?(text: String) {
        self.init()
        guard text != "none" else { return }
        for word in text.split(separator: " ") {
            guard let eq = word.firstIndex(of: "="), let key = Key(rawValue: String(word[..<eq])),
                  let v = try? ResourceLimits.parse(key, String(word[word.index(after: eq)...])) else { return nil }
            self[key] = v
        }
    }
}

/// Byte counts as people read them.
public enum Bytes {
    /// `64M`, `1.5G`, `512K`, `900`: binary units, exact where it is whole, else one decimal.
    public static func short(_ n: Int64) -> String {
        let units: [(Int64, String)] = [(1 << 40, "T"), (1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")]
        for (size, name) in units where n >= size {
            if n % size == 0 { return "\(n / size)\(name)" }
            // Whole units and the rest apart: `n * 10` overflows past 800 P.
            let tenths = n / size * 10 + (n % size * 10 + size / 2) / size
            return "\(tenths / 10).\(tenths % 10)\(name)"
        }
        return String(n)
    }
}
