import Foundation
import HiveCore

/// What the dashboard knows and shows, and what each key does to it. Pure: it
/// never touches the mount; a key that should change a session returns an
/// `Action`, which the app carries out through the mount's files.
public struct Dashboard: Sendable {
    /// The mount point, for the title and for messages.
    public var mount: String
    /// The directory a new session runs in when `new` names none.
    public var defaultDir: String
    /// Every session, in the order of the root `status.json` (by name).
    public var rows: [SessionRow] = []
    /// The selected session's name; kept across refreshes while it exists.
    public var selected: String?
    /// The first row shown (the list scrolls to keep the selection in view).
    public var top = 0
    /// Only names containing this are listed (`/`).
    public var filter = ""
    /// The order of the list (`o` cycles).
    public var order: Order = .name
    /// Browsing, typing on the bottom line, or answering y/n.
    public var mode: Mode = .browse
    /// Which part of the detail pane a narrow screen shows (Tab switches).
    public var pane: Pane = .events
    /// Whether the detail pane shows the keys instead (`?`).
    public var showHelp = false
    /// The last outcome of an action, or an error, for the message bar.
    public var message: Message?
    /// Why the mount cannot be read now (nil while it can).
    public var unreachable: String?
    /// The selected session's last events (`TIME KIND DETAIL`) and its screen, as last read.
    public var events: [String] = []
    public var screen: [String] = []

    /// What keys do now: move and steer, edit the bottom line, or confirm.
    public enum Mode: Equatable, Sendable {
        case browse
        case prompt(Prompt, LineEditor)
        case confirm(Confirm)
    }

    /// What the bottom line is typing: a prompt for a session, a control line, a `new` line, a filter.
    public enum Prompt: Equatable, Sendable {
        case send(String), control(String), new, filter
    }

    /// An action that asks y/n first, because it cannot be undone.
    public enum Confirm: Equatable, Sendable {
        case kill(String), remove(String)
    }

    /// Which half of the detail pane a narrow terminal shows.
    public enum Pane: Equatable, Sendable { case events, screen }

    /// How the list is ordered: by name; by what needs a person first (waiting,
    /// then failed, idle, paused, working, …; the longest first within each); or by
    /// idle time, longest first.
    public enum Order: String, CaseIterable, Sendable {
        case name, attention, idle

        static let urgency = ["waiting", "failed", "idle", "paused", "working", "starting", "new", "exited", "killed"]

        func sorted(_ rows: [SessionRow]) -> [SessionRow] {
            func rank(_ r: SessionRow) -> Int { Order.urgency.firstIndex(of: r.state) ?? Order.urgency.count }
            func longer(_ a: SessionRow, _ b: SessionRow) -> Bool? {
                let x = a.idle ?? -1, y = b.idle ?? -1
                return x == y ? nil : x > y
            }
            switch self {
            case .name: return rows
            case .attention:
                return rows.sorted { a, b in
                    if rank(a) != rank(b) { return rank(a) < rank(b) }
                    return longer(a, b) ?? (a.name < b.name)
                }
            case .idle: return rows.sorted { a, b in longer(a, b) ?? (a.name < b.name) }
            }
        }

        var next: Order { Order.allCases[(Order.allCases.firstIndex(of: self).map { $0 + 1 } ?? 0) % Order.allCases.count] }
    }

    /// A line for the bottom bar: what the last action did, or why it was refused.
    public struct Message: Equatable, Sendable {
        public var text: String
        public var isError: Bool
        public init(_ text: String, isError: Bool = false) { self.text = text; self.isError = isError }
    }

    /// What the app must do for a key.
    public enum Action: Equatable, Sendable {
        /// Write `line` to the session's `control`.
        case control(String, String)
        /// Write `line` to the root `control`.
        case rootControl(String)
        /// `rmdir` the session's directory (it moves to `history/`).
        case remove(String)
        /// Hand the terminal to the session's tmux session until it detaches.
        case attach(String)
        /// Read the detail of a newly selected session.
        case select
        case quit
    }

    public init(mount: String, defaultDir: String) {
        self.mount = mount
        self.defaultDir = defaultDir
    }

    // MARK: rows and selection

    /// The rows the filter lets through.
    public var visible: [SessionRow] {
        order.sorted(filter.isEmpty ? rows : rows.filter { $0.name.lowercased().contains(filter.lowercased()) })
    }

    /// The selected session, if it is listed.
    public var selectedRow: SessionRow? { visible.first { $0.name == selected } }

    var selectedIndex: Int? { selected.flatMap { s in visible.firstIndex { $0.name == s } } }

    /// Takes a fresh read of the mount; the selection stays on its session, or
    /// moves to the row that took its place when that session is gone.
    public mutating func update(_ fresh: [SessionRow]) {
        let oldIndex = selectedIndex ?? 0
        rows = fresh
        unreachable = nil
        if selectedIndex == nil {
            let v = visible
            selected = v.isEmpty ? nil : v[min(oldIndex, v.count - 1)].name
        }
    }

    /// The mount cannot be read, or does not answer. An older message goes, so the
    /// bottom line says why; one set after this (a refused key) shows instead.
    public mutating func markUnreachable(_ why: String) {
        if unreachable == nil { message = nil }
        unreachable = why
    }

    /// Keeps the selection within the `height` rows the list shows.
    public mutating func scroll(height: Int) {
        let count = visible.count
        guard height > 0, count > 0 else { top = 0; return }
        let i = selectedIndex ?? 0
        if i < top { top = i }
        if i >= top + height { top = i - height + 1 }
        top = max(0, min(top, count - height))
    }

    mutating func move(_ by: Int) -> Action? {
        let v = visible
        guard !v.isEmpty else { return nil }
        let i = max(0, min(v.count - 1, (selectedIndex ?? 0) + by))
        guard v[i].name != selected else { return nil }
        selected = v[i].name
        return .select
    }

    // MARK: keys

    /// Applies a key; `page` is how many rows the list shows (PgUp/PgDn).
    public mutating func handle(_ key: Key, page: Int) -> Action? {
        switch mode {
        case .browse: return browse(key, page: page)
        case .confirm(let c):
            mode = .browse
            guard key == .char("y") || key == .char("Y") else {
                message = Message("cancelled"); return nil
            }
            switch c {
            case .kill(let n): return .control(n, "kill")
            case .remove(let n): return .remove(n)
            }
        case .prompt(let p, var editor):
            return prompt(p, &editor, key)
        }
    }

    mutating func browse(_ key: Key, page: Int) -> Action? {
        if showHelp, key != .char("?") { showHelp = false; if key == .escape { return nil } }
        let name = selected
        switch key {
        case .char("q"), .ctrl("c"): return .quit
        case .down, .char("j"): return move(1)
        case .up, .char("k"): return move(-1)
        case .pageDown, .ctrl("f"): return move(max(1, page))
        case .pageUp, .ctrl("b"): return move(-max(1, page))
        case .home, .char("g"): return move(-visible.count)
        case .end, .char("G"): return move(visible.count)
        case .tab: pane = pane == .events ? .screen : .events; return nil
        case .char("o"): order = order.next; message = Message("ordered by \(order.rawValue)"); return nil
        case .char("?"): showHelp.toggle(); return nil
        case .char("/"): mode = .prompt(.filter, LineEditor(filter)); return nil
        case .char("n"): mode = .prompt(.new, LineEditor()); return nil
        case .escape:
            if !filter.isEmpty { filter = ""; return .select }
            message = nil; return nil
        default: break
        }
        guard let name, let row = selectedRow else {
            if case .char = key { message = Message("no session selected; n makes one", isError: true) }
            return nil
        }
        switch key {
        case .enter, .char("a"):
            guard row.isLive else { message = Message("\(name) is \(row.state): nothing to attach to", isError: true); return nil }
            return .attach(name)
        case .char("s"): mode = .prompt(.send(name), LineEditor()); return nil
        case .char(":"): mode = .prompt(.control(name), LineEditor()); return nil
        case .char("p"): return .control(name, "pause")
        case .char("r"): return .control(name, "resume")
        case .char("i"): return .control(name, "interrupt")
        case .char("R"): return .control(name, "restart")
        case .char("K"): mode = .confirm(.kill(name)); return nil
        case .char("x"):
            guard !row.isLive else {
                message = Message("\(name) is \(row.state); kill it (K) before removing it", isError: true); return nil
            }
            mode = .confirm(.remove(name)); return nil
        default: return nil
        }
    }

    mutating func prompt(_ p: Prompt, _ editor: inout LineEditor, _ key: Key) -> Action? {
        switch key {
        case .escape, .ctrl("c"), .ctrl("g"):
            mode = .browse
            if p == .filter, !filter.isEmpty { filter = ""; return .select }
            return nil
        case .enter:
            mode = .browse
            let text = editor.string.trimmingCharacters(in: .whitespaces)
            switch p {
            case .filter: return nil
            case .send(let n): return text.isEmpty ? nil : .control(n, "send " + editor.string)
            case .control(let n): return text.isEmpty ? nil : .control(n, text)
            case .new:
                guard !text.isEmpty else { return nil }
                let words = (try? QuotedWords.split(text)) ?? []
                let hasDir = words.dropFirst().contains { $0.hasPrefix("dir=") }
                return .rootControl("new " + text + (hasDir ? "" : " dir=" + QuotedWords.quote(defaultDir)))
            }
        default:
            guard editor.apply(key) else { return nil }
            mode = .prompt(p, editor)
            if p == .filter {
                filter = editor.string
                if selectedIndex == nil { selected = visible.first?.name; return .select }
            }
            return nil
        }
    }
}
