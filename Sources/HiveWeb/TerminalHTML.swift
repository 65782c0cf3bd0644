/// A terminal's screen with its colours (a session's `screen.ansi`: tmux's
/// `capture-pane -e`) as HTML, made on the server so the page runs no terminal
/// emulator.
///
/// Only SGR sequences (`ESC [ … m`) are kept: the sixteen colours become classes
/// (`f0`…`f15`, `b0`…`b15`, themed by the page's style sheet), the 256 and the
/// 24-bit ones inline colours, and bold, dim, italic, underline, reverse and
/// strike classes. Every other escape sequence and control character is dropped;
/// text is escaped, so nothing a program prints can become markup.
public enum TerminalHTML {
    /// The graphic rendition in force.
    struct Style: Equatable {
        var fg: Colour?
        var bg: Colour?
        var bold = false, dim = false, italic = false, underline = false, reverse = false, strike = false

        var isPlain: Bool { self == Style() }
    }

    enum Colour: Equatable {
        /// One of the sixteen (0–15).
        case basic(Int)
        /// 24-bit, as `#rrggbb`.
        case rgb(UInt8, UInt8, UInt8)
    }

    /// The screen's text as HTML: lines kept, trailing blank lines dropped.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count * 2)
        var style = Style()
        var open = false
        var bytes = Array(text.utf8)
        while bytes.last == 0x0A || bytes.last == 0x20 { bytes.removeLast() }
        var i = 0
        var pending: [UInt8] = []
        func flush() {
            guard !pending.isEmpty else { return }
            if !open, !style.isPlain { out += openTag(style); open = true }
            out += escape(String(decoding: pending, as: UTF8.self))
            pending.removeAll(keepingCapacity: true)
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x1B {
                // ESC: a CSI sequence runs to its final byte (0x40–0x7E); others are two bytes.
                guard i + 1 < bytes.count else { break }
                if bytes[i + 1] == UInt8(ascii: "[") {
                    var j = i + 2
                    while j < bytes.count, !(0x40...0x7E).contains(bytes[j]) { j += 1 }
                    guard j < bytes.count else { break }
                    if bytes[j] == UInt8(ascii: "m") {
                        let next = apply(String(decoding: bytes[(i + 2)..<j], as: UTF8.self), to: style)
                        if next != style {
                            flush()
                            if open { out += "</span>"; open = false }
                            style = next
                        }
                    }
                    i = j + 1
                } else if bytes[i + 1] == UInt8(ascii: "]") {
                    // OSC: to BEL or ESC \.
                    var j = i + 2
                    while j < bytes.count, bytes[j] != 0x07, !(bytes[j] == 0x1B && j + 1 < bytes.count && bytes[j + 1] == UInt8(ascii: "\\")) { j += 1 }
                    i = j < bytes.count && bytes[j] == 0x1B ? j + 2 : j + 1
                } else {
                    // ESC, intermediate bytes (0x20–0x2F: `ESC ( B`), a final byte.
                    var j = i + 1
                    while j < bytes.count, (0x20...0x2F).contains(bytes[j]) { j += 1 }
                    i = j + 1
                }
                continue
            }
            if b == 0x0A {
                flush()
                // A span never crosses a line, so each line stands alone in the DOM.
                if open { out += "</span>"; open = false }
                out += "\n"
            } else if b >= 0x20 || b == 0x09 {
                pending.append(b)
            }
            i += 1
        }
        flush()
        if open { out += "</span>" }
        return out
    }

    /// The style after the SGR parameters `params` (`1;31`, `38;5;208`, empty: reset).
    static func apply(_ params: String, to style: Style) -> Style {
        var s = style
        let p = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? ($0.isEmpty ? 0 : -1) }
        var k = 0
        while k < p.count {
            let n = p[k]
            switch n {
            case 0: s = Style()
            case 1: s.bold = true
            case 2: s.dim = true
            case 3: s.italic = true
            case 4: s.underline = true
            case 7: s.reverse = true
            case 9: s.strike = true
            case 22: s.bold = false; s.dim = false
            case 23: s.italic = false
            case 24: s.underline = false
            case 27: s.reverse = false
            case 29: s.strike = false
            case 30...37: s.fg = .basic(n - 30)
            case 39: s.fg = nil
            case 40...47: s.bg = .basic(n - 40)
            case 49: s.bg = nil
            case 90...97: s.fg = .basic(n - 90 + 8)
            case 100...107: s.bg = .basic(n - 100 + 8)
            case 38, 48:
                var colour: Colour?
                if k + 2 < p.count, p[k + 1] == 5 {
                    colour = indexed(p[k + 2]); k += 2
                } else if k + 4 < p.count, p[k + 1] == 2 {
                    let c = p[(k + 2)...(k + 4)].map { UInt8(clamping: max(0, $0)) }
                    colour = .rgb(c[0], c[1], c[2]); k += 4
                } else {
                    k = p.count
                }
                if n == 38 { s.fg = colour } else { s.bg = colour }
            default: break
            }
            k += 1
        }
        return s
    }

    /// One of the 256 colours: the sixteen, the 6×6×6 cube, the greys.
    static func indexed(_ i: Int) -> Colour? {
        switch i {
        case 0..<16: return .basic(i)
        case 16..<232:
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            let c = i - 16
            return .rgb(levels[c / 36], levels[(c / 6) % 6], levels[c % 6])
        case 232..<256:
            let g = UInt8(8 + (i - 232) * 10)
            return .rgb(g, g, g)
        default: return nil
        }
    }

    static func openTag(_ s: Style) -> String {
        var classes: [String] = []
        var css: [String] = []
        // Reverse swaps the colours; unset ones become the theme's (classes fr, br).
        let (fg, bg) = s.reverse ? (s.bg, s.fg) : (s.fg, s.bg)
        switch fg {
        case .basic(let n)?: classes.append("f\(n)")
        case .rgb(let r, let g, let b)?: css.append("color:\(hex(r, g, b))")
        case nil: if s.reverse { classes.append("fr") }
        }
        switch bg {
        case .basic(let n)?: classes.append("b\(n)")
        case .rgb(let r, let g, let b)?: css.append("background:\(hex(r, g, b))")
        case nil: if s.reverse { classes.append("br") }
        }
        if s.bold { classes.append("tb") }
        if s.dim { classes.append("td") }
        if s.italic { classes.append("ti") }
        if s.underline { classes.append("tu") }
        if s.strike { classes.append("ts") }
        var tag = "<span"
        if !classes.isEmpty { tag += " class=\"\(classes.joined(separator: " "))\"" }
        if !css.isEmpty { tag += " style=\"\(css.joined(separator: ";"))\"" }
        return tag + ">"
    }

    static func hex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        var s = "#"
        for v in [r, g, b] { s.append(digits[Int(v >> 4)]); s.append(digits[Int(v & 15)]) }
        return s
    }

    /// Text safe inside an element or a quoted attribute.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
