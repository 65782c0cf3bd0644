/// Terminal cells: how wide text is on screen, and how to cut it to a width.
///
/// A dashboard that miscounts one wide character shifts every column after it, so
/// text shown in a cell-bounded place goes through here. East Asian wide and
/// full-width characters and most emoji take two cells, combining marks none;
/// control characters are shown as `?` so they can never move the cursor.
public enum Cells {
    /// The cells one character takes.
    public static func width(_ c: Character) -> Int {
        guard let first = c.unicodeScalars.first else { return 0 }
        let v = first.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 1 }  // shown as "?"
        if v < 0x300 { return 1 }
        if first.properties.generalCategory == .nonspacingMark || first.properties.generalCategory == .enclosingMark { return 0 }
        if v == 0x200B || v == 0x200C || v == 0x200D || v == 0xFEFF { return 0 }
        if first.properties.isEmojiPresentation { return 2 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// The cells a string takes.
    public static func width(_ s: some StringProtocol) -> Int {
        var n = 0
        for c in s { n += width(c) }
        return n
    }

    /// The text made safe to print: control characters become `?`, tabs a space.
    public static func printable(_ s: some StringProtocol) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            if c == "\t" { out.append(" "); continue }
            if let v = c.unicodeScalars.first?.value, v < 0x20 || (v >= 0x7F && v < 0xA0) { out.append("?"); continue }
            out.append(c)
        }
        return out
    }

    /// The text cut to at most `cells` cells, with `…` where it was cut.
    public static func fit(_ s: some StringProtocol, _ cells: Int) -> String {
        guard cells > 0 else { return "" }
        let text = printable(s)
        if width(text) <= cells { return text }
        var out = ""
        var used = 0
        for c in text {
            let w = width(c)
            if used + w > cells - 1 { break }
            out.append(c)
            used += w
        }
        return out + "…"
    }

    /// The text cut or padded with spaces to exactly `cells` cells.
    public static func pad(_ s: some StringProtocol, _ cells: Int) -> String {
        let cut = fit(s, cells)
        return cut + String(repeating: " ", count: max(0, cells - width(cut)))
    }

    /// Right-aligned in `cells` cells.
    public static func padLeft(_ s: some StringProtocol, _ cells: Int) -> String {
        let cut = fit(s, cells)
        return String(repeating: " ", count: max(0, cells - width(cut))) + cut
    }
}
