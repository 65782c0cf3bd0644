/// How a piece of text looks: a colour and a few attributes, as the 16-colour
/// SGR codes every terminal knows (no terminfo needed).
public struct Style: Equatable, Sendable {
    public enum Colour: Int, Sendable { case red = 31, green = 32, yellow = 33, blue = 34, magenta = 35, cyan = 36 }
    public var colour: Colour?
    public var bold = false
    public var dim = false
    public var reverse = false

    public init(_ colour: Colour? = nil, bold: Bool = false, dim: Bool = false, reverse: Bool = false) {
        self.colour = colour; self.bold = bold; self.dim = dim; self.reverse = reverse
    }

    public static let plain = Style()

    /// The escape sequence that sets this style from a reset one.
    var sgr: String {
        var codes = ["0"]
        if bold { codes.append("1") }
        if dim { codes.append("2") }
        if reverse { codes.append("7") }
        if let colour { codes.append(String(colour.rawValue)) }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}

/// A run of text in one style.
public struct Span: Equatable, Sendable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style = .plain) { self.text = text; self.style = style }
}

/// One screen line: spans, already cut to the screen's width.
public struct Line: Equatable, Sendable {
    public var spans: [Span]
    public init(_ spans: [Span] = []) { self.spans = spans }
    public init(_ text: String, _ style: Style = .plain) { self.spans = [Span(text, style)] }

    /// The text without styles.
    public var text: String { spans.map(\.text).joined() }

    /// The line cut to `cells` cells; spans past the edge are dropped.
    public func fitted(_ cells: Int) -> Line {
        var out: [Span] = []
        var left = cells
        for s in spans where left > 0 {
            let w = Cells.width(s.text)
            if w <= left { out.append(Span(Cells.printable(s.text), s.style)); left -= w } else {
                out.append(Span(Cells.fit(s.text, left), s.style)); left = 0
            }
        }
        return Line(out)
    }

    /// The line padded with spaces in `style` to exactly `cells` cells (for a highlighted row).
    public func filled(_ cells: Int, _ style: Style) -> Line {
        var l = fitted(cells)
        let w = Cells.width(l.text)
        if w < cells { l.spans.append(Span(String(repeating: " ", count: cells - w), style)) }
        return l
    }
}

/// A whole screen: as many lines as the terminal has rows.
public struct Frame: Equatable, Sendable {
    public var lines: [Line]
    public var width: Int
    public init(lines: [Line], width: Int) { self.lines = lines; self.width = width }

    /// The text of every line, without styles (what `--once` prints and tests read).
    public var text: String { lines.map { $0.text.trimmingTrailingSpaces }.joined(separator: "\n") + "\n" }

    /// The bytes that turn `previous` (nil: an unknown screen) into this frame:
    /// only the lines that differ are rewritten, each from its first column.
    public func ansi(from previous: Frame?, colour: Bool = true) -> String {
        var out = previous == nil || previous?.width != width || previous?.lines.count != lines.count ? "\u{1B}[H\u{1B}[2J" : ""
        let old = out.isEmpty ? previous?.lines ?? [] : []
        for (i, line) in lines.enumerated() {
            if i < old.count, old[i] == line { continue }
            out += "\u{1B}[\(i + 1);1H"
            for s in line.spans {
                out += colour ? s.style.sgr + s.text : s.text
            }
            out += colour ? "\u{1B}[0m" : ""
            // Erasing after a full line would erase its last cell (the cursor waits there).
            if Cells.width(line.text) < width { out += "\u{1B}[K" }
        }
        return out
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
