/// The one-line editor of the prompt bar (send, new, a control line, a filter),
/// with the keys a shell's line editing has taught people: arrows, Home/End
/// (C-a/C-e), Backspace, Delete, C-u (erase to the start), C-w (erase a word).
public struct LineEditor: Equatable, Sendable {
    public private(set) var text: [Character] = []
    public private(set) var cursor = 0

    public init(_ initial: String = "") {
        text = Array(initial)
        cursor = text.count
    }

    public var string: String { String(text) }

    /// Applies an editing key; returns false for keys it does not edit with.
    public mutating func apply(_ key: Key) -> Bool {
        switch key {
        case .char(let c):
            text.insert(c, at: cursor); cursor += 1
        case .backspace, .ctrl("h"):
            guard cursor > 0 else { return true }
            text.remove(at: cursor - 1); cursor -= 1
        case .delete, .ctrl("d"):
            if cursor < text.count { text.remove(at: cursor) }
        case .left, .ctrl("b"): cursor = max(0, cursor - 1)
        case .right, .ctrl("f"): cursor = min(text.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = text.count
        case .ctrl("u"):
            text.removeSubrange(0..<cursor); cursor = 0
        case .ctrl("k"):
            text.removeSubrange(cursor..<text.count)
        case .ctrl("w"):
            var i = cursor
            while i > 0, text[i - 1] == " " { i -= 1 }
            while i > 0, text[i - 1] != " " { i -= 1 }
            text.removeSubrange(i..<cursor); cursor = i
        default:
            return false
        }
        return true
    }

    /// What a bar `cells` wide shows of the text, keeping the cursor in view, and
    /// the cell the cursor is at within it.
    public func visible(_ cells: Int) -> (text: String, cursor: Int) {
        guard cells > 1 else { return ("", 0) }
        var start = 0
        while Cells.width(String(text[start..<cursor])) > cells - 1 { start += 1 }
        var shown = ""
        var used = 0
        for c in text[start...] {
            let w = Cells.width(c)
            if used + w > cells { break }
            shown.append(c); used += w
        }
        return (Cells.printable(shown), Cells.width(String(text[start..<cursor])))
    }
}
