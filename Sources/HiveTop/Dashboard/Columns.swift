import Foundation

/// The columns of the session list, and which of them a terminal's width allows.
///
/// NAME and STATE are always shown. DOING (the tool, the reason, or the last
/// message) takes the width left over; when that falls under a dozen cells the
/// least needed columns go first: BRANCH, MEM, CPU, CHG, AGENT, COST, TOKENS, IDLE.
public struct Column: Equatable, Sendable {
    /// What a column shows; its raw value is its header.
    public enum Kind: String, CaseIterable, Sendable {
        case name = "NAME", state = "STATE", agent = "AGENT", doing = "DOING", idle = "IDLE"
        case tokens = "TOKENS", cost = "COST", branch = "BRANCH", changed = "CHG", cpu = "CPU", memory = "MEM"
    }
    public var kind: Kind
    public var width: Int
    /// Numbers are right-aligned.
    public var rightAligned: Bool { [.idle, .tokens, .cost, .changed, .cpu, .memory].contains(kind) }
}

/// The layout of the session list for a terminal width, and each cell's text.
public enum Columns {
    /// Cells before each row's first column: the selection marker and a space.
    static let lead = 2
    static let gap = 2
    static let dropOrder: [Column.Kind] = [.branch, .memory, .cpu, .changed, .agent, .cost, .tokens, .idle]

    /// The columns for `rows` on a screen `width` cells wide, in display order.
    public static func layout(_ rows: [SessionRow], width: Int) -> [Column] {
        let nameWidth = min(24, max(4, rows.map { Cells.width($0.name) }.max() ?? 4))
        let branchWidth = min(20, max(6, rows.map { Cells.width($0.branch ?? "-") }.max() ?? 6))
        var cols: [Column] = [
            Column(kind: .name, width: nameWidth), Column(kind: .state, width: 8), Column(kind: .agent, width: 6),
            Column(kind: .doing, width: 0), Column(kind: .idle, width: 5), Column(kind: .tokens, width: 7),
            Column(kind: .cost, width: 7), Column(kind: .cpu, width: 5), Column(kind: .memory, width: 5),
            Column(kind: .branch, width: branchWidth), Column(kind: .changed, width: 3),
        ]
        func fixed() -> Int {
            cols.filter { $0.kind != .doing }.reduce(lead) { $0 + $1.width } + gap * (cols.count - 1)
        }
        var drops = dropOrder[...]
        while width - fixed() < 12, let next = drops.popFirst() {
            cols.removeAll { $0.kind == next }
        }
        let left = width - fixed()
        if left < 6 {
            cols.removeAll { $0.kind == .doing }
            // Still too narrow: the name gives way, down to a few cells.
            let over = fixed() - width
            if over > 0, let i = cols.firstIndex(where: { $0.kind == .name }) {
                cols[i].width = max(3, cols[i].width - over)
            }
        } else if let i = cols.firstIndex(where: { $0.kind == .doing }) {
            cols[i].width = left
        }
        return cols
    }

    /// A column's text for a row.
    public static func value(_ kind: Column.Kind, _ r: SessionRow) -> String {
        switch kind {
        case .name: return r.name
        case .state: return r.state
        case .agent: return r.agent
        case .doing: return r.doing ?? "-"
        case .idle: return Format.seconds(r.idle)
        case .tokens: return Format.count(r.tokens)
        case .cost: return Format.dollars(r.cost)
        case .branch: return r.branch ?? "-"
        case .changed: return r.changed.map(String.init) ?? "-"
        case .cpu: return Format.percent(r.cpu)
        case .memory: return Format.bytes(r.memory)
        }
    }
}

/// Numbers as a dashboard shows them: short, and `-` for what is not known.
public enum Format {
    /// `45s`, `12m`, `3h`, `2d`.
    public static func seconds(_ s: Int64?) -> String {
        guard let s else { return "-" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    /// `950`, `22.4k`, `512k`, `1.23M`.
    public static func count(_ n: Int64?) -> String {
        guard let n else { return "-" }
        if n < 1000 { return String(n) }
        if n < 100_000 { return short(String(format: "%.1f", Double(n) / 1000)) + "k" }
        if n < 1_000_000 { return String(n / 1000) + "k" }
        return short(String(format: "%.2f", Double(n) / 1_000_000)) + "M"
    }

    /// `0%`, `49%`, `150%`: of one core, whole.
    public static func percent(_ p: Double?) -> String {
        guard let p else { return "-" }
        return "\(Int(p.rounded()))%"
    }

    /// `900K`, `64M`, `1.5G` (binary units, as `limit.memory` takes them): at most
    /// five cells, one decimal under 10.
    public static func bytes(_ n: Int64?) -> String {
        guard let n else { return "-" }
        var value = Double(n), unit = "B"
        for next in ["K", "M", "G", "T"] where value >= 1024 {
            value /= 1024
            unit = next
        }
        if unit == "B" { return "\(n)B" }
        return (value < 10 ? short(String(format: "%.1f", value)) : String(Int(value))) + unit
    }

    /// `$0.05`, `$12.34`.
    public static func dollars(_ d: Double?) -> String {
        guard let d else { return "-" }
        return "$" + String(format: "%.2f", d)
    }

    /// Without a fraction of zeros: `22.0` → `22`, `1.50` → `1.5`.
    static func short(_ s: String) -> String {
        guard s.contains(".") else { return s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }
}
