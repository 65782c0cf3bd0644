import HiveCore

/// Draws the dashboard into a frame of the terminal's size.
///
///     hivefs top  ~/hive  5 sessions: 2 working, 1 waiting, 2 idle  $0.42  21:03:05
///       NAME   STATE    AGENT   DOING                IDLE  TOKENS  COST   BRANCH  CHG
///     > auth   waiting  claude  permission Edit a.c    3s   22.4k  $0.17  hive/…    2
///     ── auth  waiting  claude  claude-sonnet-4-5 ─────────────────────────────────
///     events                               │ screen
///     21:02:58 tool Edit src/a.c           │ Do you want to make this edit?
///     (message or prompt)
///     Enter attach  s send  p pause  r resume  i interrupt  K kill  x remove  n new …
///
/// The detail pane appears once there are 16 rows and takes at least 45% of
/// them, and whatever the list does not need; it shows events and screen side by
/// side from 120 columns (one of them, switched with Tab, below that).
public enum DashboardRenderer {
    /// A frame, and where the cursor goes (row, column; zero-based) while a prompt is open.
    public struct Output: Sendable {
        public var frame: Frame
        public var cursor: (row: Int, column: Int)?
    }

    /// How many list rows a screen of `height` rows has (for paging and scrolling).
    public static func listHeight(_ d: Dashboard, height: Int) -> Int {
        let rest = max(0, height - 4)
        return rest - detailHeight(d, height: height)
    }

    static func detailHeight(_ d: Dashboard, height: Int) -> Int {
        let rest = max(0, height - 4)
        guard height >= 16, d.selectedRow != nil || d.showHelp else { return 0 }
        // At least 45% of the rows; more when the list needs fewer.
        return max(6, rest * 45 / 100, rest - max(3, d.visible.count))
    }

    /// The whole screen: exactly `height` lines, none wider than `width` cells.
    public static func render(_ d: Dashboard, width: Int, height: Int, clock: String) -> Output {
        let width = max(1, width)
        var lines: [Line] = []
        lines.append(title(d, width: width, clock: clock))
        let cols = Columns.layout(d.visible, width: width)
        lines.append(header(cols).fitted(width))
        let rows = d.visible
        let listRows = listHeight(d, height: height)
        for i in 0..<listRows {
            let index = d.top + i
            if index < rows.count {
                lines.append(row(rows[index], cols, selected: rows[index].name == d.selected,
                                 stale: d.unreachable != nil, width: width))
            } else if i == 0, rows.isEmpty {
                let empty = d.filter.isEmpty ? "no sessions: n makes one" : "no session matches /\(d.filter)"
                lines.append(Line("  " + empty, Style(dim: true)).fitted(width))
            } else {
                lines.append(Line())
            }
        }
        let detail = detailHeight(d, height: height)
        if detail > 0 {
            lines += d.showHelp ? help(width: width, height: detail) : detailPane(d, width: width, height: detail)
        }
        var cursor: (Int, Int)?
        let (bar, at) = messageBar(d, width: width)
        lines.append(bar)
        if let at { cursor = (lines.count - 1, min(at, width - 1)) }
        lines.append(keys(d).fitted(width))
        // A terminal too short for all of it keeps the top (title, list) and the prompt.
        if lines.count > height {
            let keep = max(0, height - 2)
            let tail = lines.suffix(2)
            lines = Array(lines.prefix(keep)) + tail.prefix(height - keep)
            if let c = cursor { cursor = (keep, c.1) }  // the message bar is the first of the two kept
        }
        return Output(frame: Frame(lines: lines.map { $0.fitted(width) }, width: width), cursor: cursor)
    }

    // MARK: parts

    static func title(_ d: Dashboard, width: Int, clock: String) -> Line {
        let bar = Style(reverse: true)
        var counts: [String: Int] = [:]
        for r in d.rows { counts[r.state, default: 0] += 1 }
        let order = ["working", "waiting", "idle", "paused", "starting", "new", "exited", "killed", "failed"]
        let known = order.compactMap { s in counts[s].map { "\($0) \(s)" } }
        let other = counts.keys.filter { !order.contains($0) }.sorted().map { "\(counts[$0] ?? 0) \($0)" }
        let cost = d.rows.compactMap(\.cost).reduce(0, +)
        var text = " hivefs top  \(d.mount)  "
        if let why = d.unreachable {
            text += "not readable: \(why)"
        } else {
            text += "\(d.rows.count) session\(d.rows.count == 1 ? "" : "s")"
            if !(known + other).isEmpty { text += ": " + (known + other).joined(separator: ", ") }
            if d.rows.contains(where: { $0.cost != nil }) { text += "  " + Format.dollars(cost) }
            if !d.filter.isEmpty { text += "  /\(d.filter)" }
            if d.order != .name { text += "  by \(d.order.rawValue)" }
        }
        let right = " " + clock + " "
        let room = width - Cells.width(right)
        let left = room > 10 ? Cells.pad(text, room) : Cells.pad(text, width)
        var line = Line([Span(left, d.unreachable == nil ? bar : Style(.red, bold: true, reverse: true))])
        if room > 10 { line.spans.append(Span(right, bar)) }
        return line
    }

    static func header(_ cols: [Column]) -> Line {
        var text = String(repeating: " ", count: Columns.lead)
        for (i, c) in cols.enumerated() {
            let t = c.kind.rawValue
            text += c.rightAligned ? Cells.padLeft(t, c.width) : Cells.pad(t, c.width)
            if i < cols.count - 1 { text += String(repeating: " ", count: Columns.gap) }
        }
        return Line(text, Style(bold: true))
    }

    static func row(_ r: SessionRow, _ cols: [Column], selected: Bool, stale: Bool, width: Int) -> Line {
        var spans: [Span] = []
        let base = Style(dim: stale, reverse: selected)
        spans.append(Span(selected ? "> " : "  ", base))
        for (i, c) in cols.enumerated() {
            let v = Columns.value(c.kind, r)
            let text = c.rightAligned ? Cells.padLeft(v, c.width) : Cells.pad(v, c.width)
            var style = base
            if c.kind == .state, !stale { style.colour = stateStyle(r.state).colour; style.bold = stateStyle(r.state).bold }
            if c.kind == .doing, r.tool == nil, r.reason == nil { style.dim = true }
            spans.append(Span(text, style))
            if i < cols.count - 1 { spans.append(Span(String(repeating: " ", count: Columns.gap), base)) }
        }
        let line = Line(spans)
        return selected ? line.filled(width, base) : line.fitted(width)
    }

    /// The colour of a state, the same wherever it is shown.
    public static func stateStyle(_ state: String) -> Style {
        switch state {
        case "working": return Style(.green)
        case "waiting": return Style(.yellow, bold: true)
        case "idle": return Style(.cyan)
        case "paused": return Style(.magenta)
        case "starting", "new": return Style(.blue)
        case "failed": return Style(.red, bold: true)
        default: return Style(dim: true)  // exited, killed
        }
    }

    static func detailPane(_ d: Dashboard, width: Int, height: Int) -> [Line] {
        guard let r = d.selectedRow else { return [] }
        var lines: [Line] = []
        var head = [Span("── ", Style(dim: true)), Span(r.name, Style(bold: true)), Span("  "),
                    Span(r.state, stateStyle(r.state)), Span("  " + r.agent)]
        if let m = r.model { head.append(Span("  " + m)) }
        if let b = r.branch { head.append(Span("  " + b)) }
        if let e = r.events { head.append(Span("  \(e) events")) }
        let used = Cells.width(Line(head).text)
        head.append(Span(" " + String(repeating: "─", count: max(0, width - used - 1)), Style(dim: true)))
        lines.append(Line(head).fitted(width))
        let body = height - 2
        if width >= 120 {
            let left = (width - 3) / 2, right = width - 3 - left
            lines.append(Line([Span(Cells.pad("events", left), Style(bold: true)), Span(" │ ", Style(dim: true)),
                               Span(Cells.pad("screen", right), Style(bold: true))]))
            let ev = eventLines(d.events, width: left, count: body)
            let sc = screenLines(d.screen, count: body)
            for i in 0..<body {
                var spans = i < ev.count ? ev[i].fitted(left).filled(left, .plain).spans : [Span(String(repeating: " ", count: left))]
                spans.append(Span(" │ ", Style(dim: true)))
                if i < sc.count { spans.append(Span(sc[i])) }
                lines.append(Line(spans))
            }
        } else {
            let label = d.pane == .events ? "events  (Tab: screen)" : "screen  (Tab: events)"
            lines.append(Line(label, Style(bold: true)))
            let shown: [Line] = d.pane == .events
                ? eventLines(d.events, width: width, count: body)
                : screenLines(d.screen, count: body).map { Line($0) }
            for i in 0..<body { lines.append(i < shown.count ? shown[i] : Line()) }
        }
        return lines
    }

    /// The last `count` events, `TIME KIND DETAIL` with the time cut to the second.
    static func eventLines(_ events: [String], width: Int, count: Int) -> [Line] {
        events.suffix(count).map { e in
            let parts = e.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2 else { return Line(e) }
            let time = parts[0].count >= 19 ? String(parts[0].dropFirst(11).prefix(8)) : String(parts[0])
            let kind = String(parts[1])
            let detail = parts.count > 2 ? String(parts[2]) : ""
            var kindStyle = Style(bold: true)
            switch EventKind(rawValue: kind) {
            case .error: kindStyle = Style(.red, bold: true)
            case .permission, .notification: kindStyle = Style(.yellow, bold: true)
            case .state: kindStyle = stateStyle(detail.split(separator: " ").first.map(String.init) ?? "")
            default: break
            }
            return Line([Span(time + " ", Style(dim: true)), Span(kind, kindStyle), Span(" " + detail)]).fitted(width)
        }
    }

    /// The last `count` lines of the screen, without its blank bottom.
    static func screenLines(_ screen: [String], count: Int) -> [String] {
        var s = screen[...]
        while let last = s.last, last.allSatisfy({ $0 == " " }) { s = s.dropLast() }
        return Array(s.suffix(count))
    }

    static let helpText = [
        "Up/Down j/k  select      PgUp/PgDn  a page      g/G  first/last",
        "Enter or a   attach (detach with C-b d, then you are back here)",
        "s  send a prompt         p  pause        r  resume       i  interrupt",
        "K  kill (asks)           x  remove to history (asks)     R  restart",
        "n  new session: NAME [agent=… prompt=\"…\" command=\"…\" worktree=yes …]",
        ":  any control line (budget usd=5, keys 1, idle-timeout 2h …)",
        "/  filter by name        o  order: name, attention, idle  Tab  events or screen",
        "q  quit",
        "Every key writes the same files a script would: see hivefs(5).",
    ]

    static func help(width: Int, height: Int) -> [Line] {
        var lines = [Line([Span("── keys ", Style(bold: true)), Span(String(repeating: "─", count: max(0, width - 8)), Style(dim: true))])]
        for i in 0..<(height - 1) { lines.append(i < helpText.count ? Line(" " + helpText[i]).fitted(width) : Line()) }
        return lines
    }

    static func messageBar(_ d: Dashboard, width: Int) -> (Line, Int?) {
        switch d.mode {
        case .prompt(let p, let editor):
            let label: String
            switch p {
            case .send(let n): label = "send to \(n): "
            case .control(let n): label = "\(n)/control: "
            case .new: label = "new NAME [key=value …]: "
            case .filter: label = "filter: /"
            }
            let room = max(2, width - Cells.width(label))
            let (text, at) = editor.visible(room)
            return (Line([Span(label, Style(bold: true)), Span(text)]).fitted(width), Cells.width(label) + at)
        case .confirm(let c):
            let q: String
            switch c {
            case .kill(let n): q = "kill \(n)? y/n"
            case .remove(let n): q = "remove \(n) to history? y/n"
            }
            return (Line(q, Style(.yellow, bold: true)).fitted(width), nil)
        case .browse:
            if let m = d.message {
                return (Line(m.text, m.isError ? Style(.red, bold: true) : .plain).fitted(width), nil)
            }
            if let why = d.unreachable {
                return (Line("cannot read the mount: \(why); retrying every 2 s", Style(.red, bold: true)).fitted(width), nil)
            }
            return (Line(), nil)
        }
    }

    static func keys(_ d: Dashboard) -> Line {
        switch d.mode {
        case .prompt: return Line("Enter done  Esc cancel  C-u erase", Style(dim: true))
        case .confirm: return Line("y yes  any other key: no", Style(dim: true))
        case .browse:
            return Line("Enter attach  s send  p pause  r resume  i interrupt  K kill  x remove  n new  : control  / filter  ? help  q quit",
                        Style(dim: true))
        }
    }
}
