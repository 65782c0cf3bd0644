import HiveCore

/// `hivefs top`: the dashboard on a terminal, fed by the mount's files.
///
/// It reads the root `status.json` every `interval` milliseconds, and sooner
/// when the root `events` grows (checked four times a second or every
/// `interval`, whichever is more often: one `stat`); the selected session's
/// `events` and `screen` with it, when something happened to it. Keys become
/// writes to `control` files and `rmdir`s, exactly what a script would do.
///
/// Every read and write of the mount runs on a worker thread, one at a time, so
/// the keys keep working whatever the mount does. When it cannot be read the
/// dashboard says why and tries again every 2 seconds; when it does not answer
/// for 2 seconds it says so, and steering keys are refused until it does.
public final class TopApp {
    let files: MountFiles
    let tty: TTY
    let worker: MountWorker
    var dash: Dashboard
    var decoder = KeyDecoder()
    var previous: Frame?
    let interval: Int64
    var lastRead: Int64 = .min / 2
    var eventsSize: Int64?
    /// What the detail was read for: the selected session's name, state, last
    /// activity and event count. A quiet session's screen is not captured again.
    var detailKey: [String]?
    static let retry: Int64 = 2000
    /// After this long without an answer, the mount is said not to answer.
    static let silence: Int64 = 2000

    public init(mount: String, defaultDir: String, interval: Int64 = 1000) throws(HiveError) {
        files = MountFiles(root: mount)
        tty = try TTY()
        worker = try MountWorker()
        dash = Dashboard(mount: mount, defaultDir: defaultDir)
        self.interval = max(100, interval)
    }

    /// Runs until `q` (or the terminal closes, or a signal ends it).
    public func run() throws(HiveError) {
        try tty.enter()
        defer { tty.leave() }
        poll(force: true)
        draw()
        while true {
            switch tty.wait(milliseconds: Int32(min(250, interval)), also: worker.wake) {
            case .input(let bytes):
                for key in decoder.feed(bytes) {
                    let page = DashboardRenderer.listHeight(dash, height: tty.size.rows)
                    guard let action = dash.handle(key, page: page) else { continue }
                    if action == .quit { return }
                    perform(action)
                }
            case .resized:
                previous = nil
            case .ready:
                worker.collect()
            case .timeout:
                break
            case .closed:
                return
            }
            let silent = worker.silentFor
            if silent >= TopApp.silence {
                dash.markUnreachable("the mount has not answered for \(silent / 1000) s")
            } else {
                poll(force: false)
            }
            draw()
        }
    }

    /// Unless a job is still out: checks whether the root `events` grew, and when it
    /// did (or a full read is due, or `force`), reads every session and the
    /// selected one's detail, on the worker.
    func poll(force: Bool) {
        guard worker.pending == 0 else { return }
        let now = TTY.monotonic()
        let due = force || now - lastRead >= (dash.unreachable == nil ? interval : TopApp.retry)
        let files = files, known = eventsSize, selected = dash.selected, key = detailKey
        worker.run({ () -> Snapshot? in
            let size = files.eventsSize()
            guard due || size != known else { return nil }
            return Snapshot.read(files, eventsSize: size, selected: selected, detailKey: key)
        }, then: { [self] snapshot in
            guard let snapshot else { return }
            apply(snapshot)
        })
    }

    /// What one read of the mount found.
    struct Snapshot: Sendable {
        var eventsSize: Int64?
        var rows: Result<[SessionRow], HiveError>
        var detail: Detail?

        struct Detail: Sendable {
            var key: [String]
            var events: [String]
            var screen: [String]
        }

        static func key(_ r: SessionRow) -> [String] { [r.name, r.state, r.activity ?? "", String(r.events ?? 0)] }

        static func read(_ files: MountFiles, eventsSize: Int64?, selected: String?, detailKey: [String]?) -> Snapshot {
            let rows: Result<[SessionRow], HiveError>
            do throws(HiveError) { rows = .success(try files.sessions()) } catch { rows = .failure(error) }
            var detail: Detail?
            if case .success(let all) = rows, let name = selected, let row = all.first(where: { $0.name == name }),
               key(row) != detailKey {
                detail = readDetail(files, row)
            }
            return Snapshot(eventsSize: eventsSize, rows: rows, detail: detail)
        }

        static func readDetail(_ files: MountFiles, _ row: SessionRow) -> Detail {
            Detail(key: key(row), events: (try? files.events(row.name)) ?? [], screen: (try? files.screen(row.name)) ?? [])
        }
    }

    func apply(_ s: Snapshot) {
        lastRead = TTY.monotonic()
        switch s.rows {
        case .success(let rows):
            eventsSize = s.eventsSize
            dash.update(rows)
            if let d = s.detail, d.key.first == dash.selected { show(d) }
            if dash.selectedRow.map(Snapshot.key) != detailKey { readDetail() }
        case .failure(let error):
            dash.markUnreachable("\(error.errnoName) \(error.reason)")
        }
    }

    func show(_ d: Snapshot.Detail) {
        detailKey = d.key
        dash.events = d.events
        dash.screen = d.screen
    }

    /// Reads the selected session's events and screen, on the worker.
    func readDetail() {
        guard let row = dash.selectedRow else { detailKey = nil; dash.events = []; dash.screen = []; return }
        let files = files
        worker.run({ Snapshot.readDetail(files, row) }, then: { [self] d in
            if d.key.first == dash.selected { show(d) }
        })
    }

    func perform(_ action: Dashboard.Action) {
        switch action {
        case .select:
            readDetail()
            return
        case .quit:
            return
        case .attach(let name):
            guard let line = dash.rows.first(where: { $0.name == name })?.attach else {
                dash.message = .init("\(name) has no attach line", isError: true)
                return
            }
            do throws(HiveError) {
                let rc = try tty.handOver(try CommandLineWords.split(line))
                previous = nil
                dash.message = rc == 0 ? .init("back from \(name)") : .init("\(line) exited \(rc)", isError: true)
            } catch {
                dash.message = .init("\(error.errnoName) \(error.reason)", isError: true)
            }
            return
        case .control, .rootControl, .remove:
            break
        }
        // A write to a mount that does not answer would wait behind what already waits.
        guard worker.silentFor < TopApp.silence else {
            dash.message = .init("the mount does not answer; nothing was written", isError: true)
            return
        }
        let files = files
        worker.run({ () -> Result<String, HiveError> in
            do throws(HiveError) {
                switch action {
                case .control(let name, let line):
                    try files.control(name, line)
                    return .success("\(name): \(line)")
                case .rootControl(let line):
                    try files.control(nil, line)
                    return .success(line)
                case .remove(let name):
                    try files.remove(name)
                    return .success("\(name) moved to history/")
                default:
                    return .success("")
                }
            } catch {
                return .failure(error)
            }
        }, then: { [self] outcome in
            switch outcome {
            case .success(let said):
                dash.message = .init(said)
                if case .rootControl(let line) = action, let name = line.split(separator: " ").dropFirst().first {
                    // The new session is shown and selected, whatever the filter was.
                    dash.selected = String(name); dash.filter = ""
                }
            case .failure(let error):
                dash.message = .init("\(error.errnoName) \(error.reason)", isError: true)
            }
            poll(force: true)
        })
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
        if let row = dash.selectedRow {
            let d = Snapshot.readDetail(files, row)
            dash.events = d.events
            dash.screen = d.screen
        }
        dash.scroll(height: DashboardRenderer.listHeight(dash, height: height))
        return DashboardRenderer.render(dash, width: width, height: height, clock: TTY.clock()).frame.text
    }
}
