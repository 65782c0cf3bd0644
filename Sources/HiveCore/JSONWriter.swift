/// Writes one JSON object with keys in the order given, so that `status.json`
/// and `events.jsonl` read the same way every time and match their text twins.
public struct JSONWriter: Sendable {
    private var out = "{"
    private var first = true

    public init() {}

    private mutating func key(_ k: String) {
        if !first { out += "," }
        first = false
        out += JSONWriter.quote(k)
        out += ":"
    }

    public mutating func string(_ k: String, _ v: String) { key(k); out += JSONWriter.quote(v) }
    public mutating func int(_ k: String, _ v: Int64) { key(k); out += String(v) }
    public mutating func double(_ k: String, _ v: Double) { key(k); out += JSONWriter.number(v) }
    public mutating func bool(_ k: String, _ v: Bool) { key(k); out += v ? "true" : "false" }
    public mutating func null(_ k: String) { key(k); out += "null" }
    /// A string, or `null` when the value is unknown (the text file's `-`).
    public mutating func stringOrNull(_ k: String, _ v: String?) {
        if let v { string(k, v) } else { null(k) }
    }
    public mutating func intOrNull(_ k: String, _ v: Int64?) {
        if let v { int(k, v) } else { null(k) }
    }
    /// A value that is already JSON text (a nested object).
    public mutating func raw(_ k: String, _ json: String) { key(k); out += json }

    public var result: String { out + "}" }

    public static func number(_ v: Double) -> String {
        if v.isNaN || v.isInfinite { return "null" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// A JSON string literal.
    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u00" + Text.hex2(UInt8(scalar.value))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
        return out
    }

    /// A figure with one decimal (`12.5`, `0.0`), the same in `status` and `status.json`.
    public static func tenths(_ d: Double) -> String {
        guard d.isFinite else { return "0.0" }
        if d < 0 { return "-" + tenths(-d) }
        guard d < 1e14 else { return String(Int64(d)) + ".0" }
        let tenths = Int64((d * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Dollars with four decimals (`0.4213`), the same in `status` and `status.json`.
    public static func money(_ d: Double) -> String {
        guard d.isFinite else { return "0.0000" }
        if d < 0 { return "-" + money(-d) }
        guard d < 1e14 else { return String(Int64(d)) + ".0000" }
        let tenThousandths = Int64((d * 10_000).rounded())
        let whole = tenThousandths / 10_000
        let frac = String(tenThousandths % 10_000)
        return "\(whole)." + String(repeating: "0", count: 4 - frac.count) + frac
    }
}
