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
/// - A page gets messages through its `AsyncStream`; the page's own task writes
///   them to its WebSocket, in order.
public final class Hub: @unchecked Sendable {
    public let mount: String
    let reader = DispatchQueue(label: "hivefs.web.reader")
    private let lock = NSLock()
    private var state = State()
    /// The least time between two reads of the root `status.json` (ms): changes
    /// closer than that are read together.
    static let gapMS: Int64 = 40
    /// How many of a session's last events a page is sent when it opens it.
    static let recentEvents = 200

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
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let (id, hello) = lock.withLock { () -> (Int, String) in
            let id = state.nextPage
            state.nextPage += 1
            state.pages[id] = Page(send: continuation, watching: nil)
            return (id, Messages.overview(state.order.compactMap { state.rows[$0]?.json }, trouble: state.trouble))
        }
        continuation.yield(hello)
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
        let known = lock.withLock { () -> (Page, SessionView?)? in
            guard var page = state.pages[id] else { return nil }
            page.watching = ref
            state.pages[id] = page
            guard let ref else { return nil }
            if state.views[ref] == nil { state.views[ref] = SessionView() }
            state.dirtyViews.insert(ref)
            return (page, state.views[ref])
        }
        forgetUnwatched()
        if let (page, view) = known, let ref, let view, view.eventsOffset >= 0 {
            page.send.yield(Messages.detail(ref.name, view, events: view.recent, reset: true))
        }
        schedule()
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
        let pages = lock.withLock { () -> [Page]? in
            guard state.trouble != why else { return nil }
            state.trouble = why
            return Array(state.pages.values)
        }
        guard let pages else { return }
        let message = Messages.trouble(why)
        for p in pages { p.send.yield(message) }
        if why == nil { changed(nil) }
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
            return
        }
        let objects = Messages.objects(bytes)
        let (changed, gone, pages) = lock.withLock { () -> ([String], [String], [Page]) in
            var changed: [String] = []
            var seen: Set<String> = []
            var order: [String] = []
            for (name, row) in objects {
                seen.insert(name)
                order.append(name)
                if state.rows[name] != row { changed.append(row.json); state.rows[name] = row }
            }
            let gone = state.order.filter { !seen.contains($0) }
            for g in gone { state.rows[g] = nil }
            state.order = order
            return (changed, gone, Array(state.pages.values))
        }
        if lock.withLock({ state.trouble }) != nil { trouble(nil) }
        guard !changed.isEmpty || !gone.isEmpty else { return }
        let message = Messages.rows(changed, gone: gone)
        for p in pages { p.send.yield(message) }
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
        let pages = lock.withLock { () -> [Page] in
            guard state.views[ref] != nil else { return [] }
            state.views[ref] = view
            return state.pages.values.filter { $0.watching == ref }
        }
        let same = !reset && newEvents.isEmpty && old.screen == view.screen && old.files == view.files
            && old.git == view.git && old.permission == view.permission && old.summary == view.summary
        guard !same else { return }
        let message = Messages.detail(ref.name, view, events: reset ? view.recent : newEvents, reset: reset)
        for p in pages { p.send.yield(message) }
    }

    /// The events added since the last read (all recent ones, `reset`, the first time).
    private func readEvents(_ ref: SessionRef, _ view: inout SessionView) -> ([String], Bool) {
        let path = ref.path(mount, "events.jsonl")
        var st = stat()
        guard stat(path, &st) == 0 else { return ([], false) }
        let size = Int64(st.st_size)
        if view.eventsOffset < 0 || size < view.eventsOffset {
            let lines = (try? MountFiles.tail(path, bytes: 256 * 1024)) ?? []
            view.recent = Array(lines.suffix(Hub.recentEvents))
            view.eventsOffset = size
            return (view.recent, true)
        }
        guard size > view.eventsOffset else { return ([], false) }
        let added = Messages.lines(readRange(path, from: view.eventsOffset, to: size))
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

    private func readRange(_ path: String, from: Int64, to: Int64) -> [UInt8] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { Glibc.close(fd) }
        let count = Int(min(to - from, 1 << 20))
        var buf = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buf.withUnsafeMutableBytes { b -> Int in
                guard let base = b.baseAddress else { return 0 }
                return pread(fd, base + got, count - got, off_t(from) + off_t(got))
            }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return Array(buf[0..<got])
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

    private func refreshScreen(_ ref: SessionRef) {
        let screen = readScreen(ref)
        let pages = lock.withLock { () -> [Page] in
            guard var view = state.views[ref], view.screen != screen else { return [] }
            view.screen = screen
            state.views[ref] = view
            return state.pages.values.filter { $0.watching == ref }
        }
        guard !pages.isEmpty, let screen else { return }
        let message = Messages.screen(ref.name, screen)
        for p in pages { p.send.yield(message) }
    }

    /// The states in which a session's terminal runs.
    static func isLive(_ state: String?) -> Bool {
        state.flatMap(SessionState.init(rawValue:))?.isLive == true
    }
}
