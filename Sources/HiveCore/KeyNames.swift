/// The tmux key names `keys` accepts: named keys, single characters, and
/// `C-`, `M-`, `S-` combinations of them. Anything else is refused, so a
/// `keys` write can never smuggle text or tmux syntax.
public enum KeyNames {
    public static let named: Set<String> = [
        "Enter", "Escape", "Tab", "BTab", "BSpace", "Space", "Up", "Down", "Left", "Right",
        "Home", "End", "PageUp", "PageDown", "PgUp", "PgDn", "IC", "DC", "Insert", "Delete",
        "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12",
        "KP0", "KP1", "KP2", "KP3", "KP4", "KP5", "KP6", "KP7", "KP8", "KP9", "KPEnter",
    ]

    public static func validate(_ key: String) throws(HiveError) {
        guard isValid(key) else {
            throw .invalid("'\(Text.printable(key))' is not a tmux key name (Enter, Escape, C-c, Down, y)")
        }
    }

    public static func isValid(_ key: String) -> Bool {
        // tmux reads an argument ending in ";" as a command separator, even after "--".
        if key.hasSuffix(";") { return false }
        var k = Substring(key)
        var modifiers = 0
        while k.count > 2, let p = k.first, "CMS".contains(p), k.dropFirst().first == "-" {
            k = k.dropFirst(2)
            modifiers += 1
            if modifiers > 3 { return false }
        }
        if named.contains(String(k)) { return true }
        guard k.unicodeScalars.count == 1, let c = k.unicodeScalars.first else { return false }
        return c.value > 0x20 && c.value < 0x7F
    }
}
