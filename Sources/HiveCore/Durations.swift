/// Durations as people write them: `90`, `90s`, `30m`, `2h`, `1d`, `1h30m`.
public enum Durations {
    /// Whole seconds, or EINVAL/ERANGE.
    public static func parse(_ s: String) throws(HiveError) -> Int64 {
        var total: Int64 = 0
        var digits = ""
        var sawUnit = false
        for c in s {
            if let d = c.wholeNumberValue, c.isASCII {
                digits.append(Character(String(d)))
                continue
            }
            let mult: Int64
            switch c {
            case "s": mult = 1
            case "m": mult = 60
            case "h": mult = 3600
            case "d": mult = 86400
            default: throw .invalid("'\(Text.printable(s))' is not a duration (30s, 30m, 2h, 1d)")
            }
            guard !digits.isEmpty else { throw .invalid("'\(Text.printable(s))' is not a duration (30s, 30m, 2h, 1d)") }
            guard let n = Int64(digits) else { throw .range("duration '\(Text.printable(s))' is too long") }
            let (p, o1) = n.multipliedReportingOverflow(by: mult)
            let (t, o2) = total.addingReportingOverflow(p)
            if o1 || o2 { throw .range("duration '\(Text.printable(s))' is too long") }
            total = t
            digits = ""
            sawUnit = true
        }
        if !digits.isEmpty {
            guard let n = Int64(digits) else { throw .range("duration '\(Text.printable(s))' is too long") }
            let (t, o) = total.addingReportingOverflow(n)
            if o { throw .range("duration '\(Text.printable(s))' is too long") }
            total = t
        } else if !sawUnit {
            throw .invalid("'\(Text.printable(s))' is not a duration (30s, 30m, 2h, 1d)")
        }
        guard total > 0 else { throw .range("a duration must be more than 0 seconds") }
        guard total <= 365 * 86400 else { throw .range("duration '\(Text.printable(s))' is longer than a year") }
        return total
    }
}
