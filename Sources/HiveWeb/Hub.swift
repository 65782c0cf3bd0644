import Foundation
import HiveCore
import HiveRuntime
import HiveTop

/// What every open page sees, kept current from the mount's files, and the pages
/// that see it.
///
/// It reads nothing on a clock: `changed` (the daemon's notices, other hosts'
/// event lines; see `DaemonWatch`) marks what to read again. The one exception is
/// a live session's screen while a page shows it, read again each second, since
/// a terminal's drawing is no event.
///
/// Who owns what, and which thread touches it:
/// - Everything in `State` is behind `lock`, held only to copy or change it; any
///   thread may call in (event loops, the link's reader, the reader queue).
/// - Every read of the mount runs on `reader`, a serial queue of the hub's own:
///   an event loop never waits on the file system, and reads never pile up (a
///   change during a read marks it dirty; one more read follows, at least
///   `gapMS` after the last read of the root).
/// - A page gets messages through its `AsyncStream`, put there while `lock` is
///   held, so every page sees them in the order the state changed; the page's own
///   task writes them to its WebSocket. A page that stops reading (a phone put
///   away) is dropped once `backlog` messages wait: its socket closes, and the
///   page, on reconnecting, starts again from the overview.
public final class Hub: @unchecked Sendable {
    public let mount: String
    let reader = DispatchQueue(label: "hivefs.web.reader")
    private let lock = NSLock()
    private var state = State()
    /// The least time between two reads of the root `status.json` (ms): changes
    /// closer than that are read together.
    static let gapMS: Int64 = 10
    /// How many of a session's last events a page is sent when it opens it.
    static let recentEvents = 200
    /// How many messages may wait for a page before it is dropped.
    static let backlog = 512
    /// The most of a log read in one pass (the rest is read in the next).
    static let readLimit = 4 << 20

    struct State {
        /// Each session's `status.json` object, as the root file last gave it, by name.
        var rows: [String: Row] = [:]
        var order: [String] = []
        var pages: [Int: Page] = [:]
        var nextPage = 1
        /// The sessions some page shows, and what was last read of them.
        var views: [SessionRef: SessionView] = [:]
        var dirtyRoot = true
        var dirtyViews: Set<SessionRef> = []
        var scheduled = false
        var lastRootMS: Int64 = -1_000_000
        /// Why the mount or the daemon cannot be read now; nil when it can.
        var trouble: String?
        /// Whether the screen clock runs.
        var ticking = false
        /// Numbers the views made, so a read of a view forgotten meanwhile is not kept.
        var nextView = 1
    }

    struct Row: Equatable {
        /// The object with its clock-driven keys left out: what a change is judged by.
        var key: String
        /// The object as the file gave it.
        var json: String
        var state: String
    }

    struct Page {
        let send: AsyncStream<String>.Continuation
        var watching: SessionRef?
    }

    /// A watched session's files as last read (nil: not read yet, or absent).
    struct SessionView {
        /// Which view this is (`State.nextView`).
        var generation = 0
        var eventsOffset: Int64 = -1
        var recent: [String] = []
        var screen: String?
        var files: String?
        var git: String?
        var permission: String?
        var summary: String?
    }

    public init(mount: String) {
        self.mount = mount
    }

    // MARK: pages

    /// A page opened: it gets the overview at once, then every change.
    public func open() -> (id: Int, messages: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(Hub.backlog))
        let id = lock.withLock { () -> Int in
            let id = state.nextPage
            state.nextPage += 1
            state.pages[id] = Page(send: continuation, watching: nil)
            deliver(Messages.overview(state.order.compactMap { state.rows[$0]?.json }, trouble: state.trouble)) { $0 == id }
            return id
        }
        return (id, stream)
    }

    /// A page closed.
    public func close(_ id: Int) {
        let page = lock.withLock { state.pages.removeValue(forKey: id) }
        page?.send.finish()
        forgetUnwatched()
    }

    /// A page now shows one session (nil: the overview): it is sent what is known
    /// of it, and the session is read again.
    public func watch(_ id: Int, _ ref: SessionRef?) {
        lock.withLock {
            guard var page = state.pages[id] else { return }
            page.watching = ref
            state.pages[id] = page
            guard let ref else { return }
            if state.views[ref] == nil {
                state.views[ref] = SessionView(generation: state.nextView)
                state.nextView += 1
            }
            state.dirtyViews.insert(ref)
            if let view = state.views[ref], view.eventsOffset >= 0 {
                deliver(Messages.detail(ref.name, view, events: view.recent, reset: true)) { $0 == id }
            }
        }
        forgetUnwatched()
        schedule()
    }

    /// Puts `message` on the way to the pages `to` picks; call with `lock` held. A
    /// page whose backlog is full is dropped (its socket closes; it reconnects).
    private func deliver(_ message: String, to: (Int) -> Bool) {
        for (id, page) in state.pages where to(id) {
            if case .dropped = page.send.yield(message) {
                page.send.finish()
                state.pages[id] = nil
            }
        }
    }

    /// The pages showing `ref`.
    private func showing(_ ref: SessionRef) -> (Int) -> Bool {
        { [state] id in state.pages[id]?.watching == ref }
    }

    private func forgetUnwatched() {
        lock.withLock {
            let watched = Set(state.pages.values.compactMap(\.watching))
            for ref in state.views.keys where !watched.contains(ref) { state.views[ref] = nil }
        }
    }

    // MARK: changes

    /// Something changed: a session (by its root name), or everything (nil).
    public func changed(_ name: String?) {
        lock.withLock {
            state.dirtyRoot = true
            for ref in state.views.keys where name == nil || ref.name == name { state.dirtyViews.insert(ref) }
        }
        schedule()
    }

    /// The mount or the daemon cannot be read, or (nil) can again; pages are told.
    public func trouble(_ why: String?) {
        let changedNow = lock.withLock { () -> Bool in
            guard state.trouble != why else { return false }
            state.trouble = why
            deliver(Messages.trouble(why)) { _ in true }
            return true
        }
        if changedNow, why == nil { changed(nil) }
    }

    private func schedule() {
        let delay = lock.withLock { () -> Int64? in
            guard !state.scheduled else { return nil }
            state.scheduled = true
            return state.dirtyRoot ? max(0, state.lastRootMS + Hub.gapMS - Sys.monotonicMS()) : 0
        }
        guard let delay else { return }
        reader.asyncAfter(deadline: .now() + .milliseconds(Int(delay))) { [self] in readDirty() }
    }

    /// On `reader`: reads what is marked, and tells the pages what differs.
    private func readDirty() {
        let (root, views) = lock.withLock { () -> (Bool, Set<SessionRef>) in
            defer { state.dirtyRoot = false; state.dirtyViews = []; state.scheduled = false }
            return (state.dirtyRoot, state.dirtyViews)
        }
        if root { readRoot() }
        for ref in views { readView(ref) }
        tick()
    }

    /// Reads the root `status.json` and sends the rows that changed.
    private func readRoot() {
        lock.withLock { state.lastRootMS = Sys.monotonicMS() }
        let bytes: [UInt8]
        do throws(HiveError) {
            bytes = try MountFiles.read(mount + "/status.json")
        } catch {
            trouble("cannot read \(mount)/status.json: \(error.errnoName) \(error.reason) (is hivefs mounted?)")
            // Tried again each second until it reads (a daemon restarting mounts a moment later).
            reader.asyncAfter(deadline: .now() + .seconds(1)) { [weak self] in self?.changed(nil) }
            return
        }
        let objects = Messages.objects(bytes)
        lock.withLock {
            var changed: [String] = []
            var seen: Set<String> = []
            var order: [String] = []
            for (name, row) in objects {
                seen.insert(name)
                order.append(name)
                // Sent when what it shows changed, the clock aside; kept as it is in any case.
                if state.rows[name]?.key != row.key { changed.append(row.json) }
                state.rows[name] = row
            }
            let gone = state.order.filter { !seen.contains($0) }
            for g in gone { state.rows[g] = nil }
            state.order = order
            if !changed.isEmpty || !gone.isEmpty { deliver(Messages.rows(changed, gone: gone)) { _ in true } }
        }
        if lock.withLock({ state.trouble?.hasPrefix("cannot read ") == true }) { trouble(nil) }
    }

    /// Reads a watched session's files and sends each page showing it what changed.
    private func readView(_ ref: SessionRef) {
        guard let old = lock.withLock({ state.views[ref] }) else { return }
        var view = old
        let (newEvents, reset) = readEvents(ref, &view)
        view.screen = readScreen(ref)
        view.files = text(ref, "files")
        view.git = text(ref, "git")
        view.permission = text(ref, "permission.json").flatMap { $0.isEmpty ? nil : $0 }
        view.summary = text(ref, "summary")
        let same = !reset && newEvents.isEmpty && old.screen == view.screen && old.files == view.files
            && old.git == view.git && old.permission == view.permission && old.summary == view.summary
        lock.withLock {
            // A view forgotten during the read (or forgotten and made anew) is not written back.
            guard state.views[ref]?.generation == old.generation else { return }
            state.views[ref] = view
            if !same { deliver(Messages.detail(ref.name, view, events: reset ? view.recent : newEvents, reset: reset), to: showing(ref)) }
        }
        if view.eventsOffset >= 0, view.eventsOffset - old.eventsOffset >= Int64(Hub.readLimit) {
            // A burst larger than one pass: the rest next.
            lock.withLock { _ = state.dirtyViews.insert(ref) }
            schedule()
        }
    }

    /// The events added since the last read (all recent ones, `reset`, the first
    /// time). Read from the offset reached to the file's end, whole lines only, from
    /// one open file: nothing is sent twice or skipped, whatever `stat` would say.
    private func readEvents(_ ref: SessionRef, _ view: inout SessionView) -> ([String], Bool) {
        let fd = Glibc.open(ref.path(mount, "events.jsonl"), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return ([], false) }
        defer { Glibc.close(fd) }
        if view.eventsOffset < 0 {
            let end = Int64(lseek(fd, 0, SEEK_END))
            guard end >= 0 else { return ([], false) }
            let start = max(0, end - 256 * 1024)
            let bytes = readRange(fd, from: start, limit: Int(end - start))
            // From a line's start: after the first newline, unless at the file's start.
            let skip = start == 0 ? 0 : (bytes.firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count)
            let taken = Messages.lines(Array(bytes[skip...]))
            view.recent = Array(taken.lines.suffix(Hub.recentEvents))
            view.eventsOffset = start + Int64(skip + taken.consumed)
            return (view.recent, true)
        }
        let added = Messages.lines(readRange(fd, from: view.eventsOffset, limit: Hub.readLimit))
        guard !added.lines.isEmpty else { return ([], false) }
        view.eventsOffset += Int64(added.consumed)
        view.recent = Array((view.recent + added.lines).suffix(Hub.recentEvents))
        return (added.lines, false)
    }

    /// A session's terminal with its colours, as HTML: `screen.ansi`, or `screen`
    /// from a host whose hivefs has no `screen.ansi`.
    private func readScreen(_ ref: SessionRef) -> String? {
        if let a = text(ref, "screen.ansi") { return TerminalHTML.html(a) }
        return text(ref, "screen").map { TerminalHTML.html($0) }
    }

    private func text(_ ref: SessionRef, _ file: String) -> String? {
        (try? MountFiles.read(ref.path(mount, file))).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Up to `limit` bytes from `from` to the end of the file.
    private func readRange(_ fd: Int32, from: Int64, limit: Int) -> [UInt8] {
        var out = [UInt8]()
        while out.count < limit {
            let chunk = (try? Sys.pread(fd, count: min(65536, limit - out.count), offset: from + Int64(out.count))) ?? []
            if chunk.isEmpty { break }
            out += chunk
        }
        return out
    }

    // MARK: the screen clock

    /// While a page shows a live session, its screen is read again each second.
    private func tick() {
        let start = lock.withLock { () -> Bool in
            let live = state.views.keys.contains { Hub.isLive(state.rows[$0.name]?.state) }
            guard live, !state.ticking else { return false }
            state.ticking = true
            return true
        }
        guard start else { return }
        reader.asyncAfter(deadline: .now() + .seconds(1)) { [self] in
            let live = lock.withLock { () -> [SessionRef] in
                state.ticking = false
                return state.views.keys.filter { Hub.isLive(state.rows[$0.name]?.state) }
            }
            for ref in live { refreshScreen(ref) }
            tick()
        }
    }

    /// A shown live session's screen, and (on this host) its status: a terminal
    /// printing raises no notice, yet moves its `activity`, `cpu` and `memory`.
    private func refreshScreen(_ ref: SessionRef) {
        let screen = readScreen(ref)
        var row: Row?
        if ref.components.count == 1, let bytes = try? MountFiles.read(ref.path(mount, "status.json")) {
            row = Messages.objects(bytes).first { $0.0 == ref.name }?.1
        }
        lock.withLock {
            if let row, let known = state.rows[ref.name], known.key != row.key {
                state.rows[ref.name] = row
                deliver(Messages.rows([row.json], gone: [])) { _ in true }
            }
            guard var view = state.views[ref], view.screen != screen, let screen else { return }
            view.screen = screen
            state.views[ref] = view
            deliver(Messages.screen(ref.name, screen), to: showing(ref))
        }
    }

    /// The states in which a session's terminal runs.
    static func isLive(_ state: String?) -> Bool {
        state.flatMap(SessionState.init(rawValue:))?.isLive == true
    }
}
