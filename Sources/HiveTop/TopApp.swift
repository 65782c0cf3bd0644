import HiveCore

/// `hivefs top`: the dashboard on a terminal, fed by the mount's files.
///
/// It reads the root `status.json` every `interval` milliseconds, and sooner
/// when the root `events` grows (checked four times a second or every
/// `interval`, whichever is more often: one `stat`); the
/// selected session's `events` and `screen` with it. Keys become writes to
/// `control` files and `rmdir`s, exactly what a script would do. When the mount
/// cannot be read it says why and tries again every 2 seconds.
public final class TopApp {
    let files: MountFiles
    let tty: TTY
    var dash: Dashboard
    var decoder = KeyDecoder()
    var previous: Frame?
    let interval: Int64
    var lastRead: Int64 = .min / 2
    var eventsSize: Int64?
    static let retry: Int64 = 2000

    public init(mount: String, defaultDir: String, interval: Int64 = 1000) throws(HiveError) {
        files = MountFiles(root: mount)
        tty = try TTY()
        dash = Dashboard(mount: mount, defaultDir: defaultDir)
        self.interval = max(100, interval)
    }

    /// Runs until `q` (or the terminal closes).
    public func run() throws(HiveError) {
        try tty.enter()
        defer { tty.leave() }
        refresh()
        draw()
        while true {
            switch tty.wait(milliseconds: Int32(min(250, interval))) {
            case .input(let bytes):
                for key in decoder.feed(bytes) {
                    let page = DashboardRenderer.listHeight(dash, height: tty.size.rows)
                    guard let action = dash.handle(key, page: page) else { continue }
                    if action == .quit { return }
                    perform(action)
                }
            case .resized:
                previous = nil
            case .timeout:
                break
            case .closed:
                return
            }
            let now = TTY.monotonic()
            let due = now - lastRead >= (dash.unreachable == nil ? interval : TopApp.retry)
            if due || (dash.unreachable == nil && files.eventsSize() != eventsSize) { refresh() }
            draw()
        }
    }

    /// Reads the mount again: every session, then the selected one's detail if
    /// anything happened to it since it was last read.
    func refresh() {
        lastRead = TTY.monotonic()
        do throws(HiveError) {
            eventsSize = files.eventsSize()
            dash.update(try files.sessions())
        } catch {
            dash.unreachable = "\(error.errnoName) \(error.reason)"
            return
        }
        let row = dash.selectedRow
        let key = row.map { [$0.name, $0.state, $0.activity ?? "", String($0.events ?? 0)] }
        if key != detailKey { readDetail() }
    }

    /// What the detail was read for: the selected session's name, state, last
    /// activity and event count. A quiet session's screen is not captured again.
    var detailKey: [String]?

    func readDetail() {
        let row = dash.selectedRow
        detailKey = row.map { [$0.name, $0.state, $0.activity ?? "", String($0.events ?? 0)] }
        guard let name = row?.name else { dash.events = []; dash.screen = []; return }
        dash.events = (try? files.events(name)) ?? []
        dash.screen = (try? files.screen(name)) ?? []
    }

    func perform(_ action: Dashboard.Action) {
        do throws(HiveError) {
            switch action {
            case .select:
                readDetail()
                return
            case .control(let name, let line):
                try files.control(name, line)
                dash.message = .init("\(name): \(line)")
            case .rootControl(let line):
                try files.control(nil, line)
                let name = line.split(separator: " ").dropFirst().first.map(String.init)
                dash.message = .init(line)
                // The new session is shown and selected, whatever the filter was.
                if let name { dash.selected = name; dash.filter = "" }
            case .remove(let name):
                try files.remove(name)
                dash.message = .init("\(name) moved to history/")
            case .attach(let name):
                guard let line = dash.rows.first(where: { $0.name == name })?.attach else {
                    dash.message = .init("\(name) has no attach line", isError: true)
                    return
                }
                let rc = try tty.handOver(line.split(separator: " ").map(String.init))
                previous = nil
                dash.message = rc == 0 ? .init("back from \(name)") : .init("\(line) exited \(rc)", isError: true)
            case .quit:
                return
            }
        } catch {
            dash.message = .init("\(error.errnoName) \(error.reason)", isError: true)
        }
        refresh()
    }

    func draw() {
        let size = tty.size
        dash.scroll(height: DashboardRenderer.listHeight(dash, height: size.rows))
        let out = DashboardRenderer.render(dash, width: size.columns, height: size.rows, clock: TTY.clock())
        var bytes = out.frame.ansi(from: previous)
        if let c = out.cursor { bytes += "\u{1B}[\(c.row + 1);\(c.column + 1)H\u{1B}[?25h" } else { bytes += "\u{1B}[?25l" }
        tty.write(bytes)
        previous = out.frame
    }

    /// One frame as plain text, for scripts and for a terminal-less look.
    public static func once(mount: String, width: Int, height: Int) throws(HiveError) -> String {
        let files = MountFiles(root: mount)
        var dash = Dashboard(mount: mount, defaultDir: "")
        dash.update(try files.sessions())
        if let name = dash.selected {
            dash.events = (try? files.events(name)) ?? []
            dash.screen = (try? files.screen(name)) ?? []
        }
        dash.scroll(height: DashboardRenderer.listHeight(dash, height: height))
        return DashboardRenderer.render(dash, width: width, height: height, clock: TTY.clock()).frame.text
    }
}
