import Foundation
import HiveCore

extension Hive {
    public typealias Reply = @Sendable (HiveError?) -> Void

    /// Carries out a write to a session's `control`: checked whole, then told to the
    /// session's machine line by line on its queue; `reply` is called once it has
    /// taken effect, with the first refusal.
    public func control(_ name: String, _ bytes: [UInt8], uid: UInt32, reply: @escaping Reply) {
        guard let s = live(name) else { return reply(.notFound("no session \(name)")) }
        let commands: [SessionCommand]
        do throws(HiveError) {
            commands = try ControlParser.sessionCommands(bytes)
            try s.with { $0.machine }.check(commands)
        } catch {
            step(s, .refused(error, uid: uid))
            return reply(error)
        }
        s.queue.async { [self] in
            do throws(HiveError) {
                try s.with { $0.machine }.check(commands)
            } catch {
                step(s, .refused(error, uid: uid))
                return reply(error)
            }
            // Forks made are started whatever comes of the lines after them.
            var forks: [LiveSession] = []
            var refusal: HiveError?
            for c in commands {
                if let refused = step(s, .command(c, uid: uid), .queue(uid: uid)) { refusal = refused; break }
                guard case .fork(let name, let settings) = c else { continue }
                switch fork(s, name: name, settings: settings, uid: uid) {
                case .success(let child): forks.append(child)
                case .failure(let e):
                    step(s, .refused(e, uid: uid), .queue(uid: uid))
                    refusal = e
                }
                if refusal != nil { break }
            }
            let outcome = refusal
            start(forks, uid: uid) { reply(outcome) }
        }
    }

    /// Carries out a write to a session's `queue`, as complete lines (the bridge keeps
    /// each open file's unfinished line, `WriteKind.lines`): checked whole (`PromptQueue.prompts`),
    /// then its prompts told to the machine on the session's queue; `reply` is called
    /// once they are on disk. A prompt delivered at once is typed after the reply (the
    /// effect is handed on to the queue): typing is not the write's, and a terminal
    /// that fails to take it is an `error` event, not a refusal of prompts now queued.
    public func enqueue(_ name: String, _ bytes: [UInt8], uid: UInt32, reply: @escaping Reply) {
        guard let s = live(name) else { return reply(.notFound("no session \(name)")) }
        let prompts: [String]
        do throws(HiveError) {
            prompts = try PromptQueue.prompts(bytes)
        } catch {
            step(s, .refused(error, uid: uid))
            return reply(error)
        }
        guard !prompts.isEmpty else { return reply(nil) }
        s.queue.async { [self] in reply(step(s, .enqueue(prompts, uid: uid))) }
    }


    /// Starts sessions just made, each on its own queue; `done` once all were told.
    func start(_ sessions: [LiveSession], uid: UInt32, done: @escaping @Sendable () -> Void) {
        let group = DispatchGroup()
        for s in sessions {
            group.enter()
            s.queue.async { [self] in
                step(s, .command(.start, uid: uid), .queue(uid: uid))
                group.leave()
            }
        }
        group.notify(queue: .global(), execute: done)
    }

    /// Carries out a write to the root `control` (`new NAME key=value…`): checked
    /// whole first, so a bad line refuses the write before anything is made.
    public func rootControl(_ bytes: [UInt8], uid: UInt32, reply: @escaping Reply) {
        let commands: [RootCommand]
        do throws(HiveError) {
            commands = try ControlParser.rootCommands(bytes, home: config.home, agents: agents())
            for case .fork(let name, let parent, _) in commands {
                if exists(name) { throw HiveError.exists("session '\(name)' exists") }
                guard exists(parent) else { throw HiveError.notFound("no session \(parent) to fork") }
            }
            for case .new(let name, let spec) in commands { try checkNew(name, spec) }
        } catch {
            errorEvent(nil, error, uid: uid)
            return reply(error)
        }
        let started = DispatchGroup()
        for case .new(let name, let spec) in commands {
            started.enter()
            do throws(HiveError) {
                try makeAndStart(name, spec: spec, uid: uid) { started.leave() }
            } catch {
                started.leave()
                errorEvent(nil, error, uid: uid)
                return reply(error)
            }
        }
        for command in commands {
            switch command {
            case .hostAdd(let name, let destination):
                do throws(HiveError) {
                    guard let hosts = hostControl else { throw HiveError(.notSupported, "this daemon reaches no other host") }
                    try hosts.add(name: name, destination: destination)
                    noteDisk(store.appendRootOnly(Event(session: "-", kind: .hostAdded, detail: "\(name) \(destination)", uid: uid)))
                } catch {
                    errorEvent(nil, error, uid: uid)
                    return reply(error)
                }
            case .hostRemove(let name):
                do throws(HiveError) {
                    guard let hosts = hostControl else { throw HiveError(.notSupported, "this daemon reaches no other host") }
                    try hosts.remove(name: name)
                    noteDisk(store.appendRootOnly(Event(session: "-", kind: .hostRemoved, detail: name, uid: uid)))
                } catch {
                    errorEvent(nil, error, uid: uid)
                    return reply(error)
                }
            default:
                break
            }
        }
        for case .pruneHistory(let olderThan) in commands {
            store.pruneHistory(olderThan: olderThan, uid: uid) { [onTreeChange] in onTreeChange?(.historyEntryGone($0)) }
            onChange?("")
        }
        let forks = commands.compactMap { c -> (String, String, [String])? in
            if case .fork(let name, let parent, let settings) = c { return (name, parent, settings) }
            return nil
        }
        started.notify(queue: .global()) { [self] in forkAll(forks, uid: uid, reply: reply) }
    }

    /// The root's `new NAME from=PARENT` lines, one after another, each on its parent's
    /// queue (recorded there as the parent's `fork` command); the first refusal stops them.
    private func forkAll(_ forks: [(name: String, parent: String, settings: [String])], uid: UInt32, reply: @escaping Reply) {
        guard let (name, parentName, settings) = forks.first else { return reply(nil) }
        guard let parent = live(parentName) else {
            let e = HiveError.notFound("no session \(parentName) to fork")
            errorEvent(nil, e, uid: uid)
            return reply(e)
        }
        parent.queue.async { [self] in
            if let refused = step(parent, .command(.fork(name: name, settings: settings), uid: uid), .queue(uid: uid)) {
                return reply(refused)
            }
            switch fork(parent, name: name, settings: settings, uid: uid) {
            case .success(let child):
                start([child], uid: uid) { [self] in forkAll(Array(forks.dropFirst()), uid: uid, reply: reply) }
            case .failure(let e):
                step(parent, .refused(e, uid: uid), .queue(uid: uid))
                errorEvent(nil, e, uid: uid)
                reply(e)
            }
        }
    }

    /// Whether the session of a `new` line can be made as it will be: its name free,
    /// and what starting it needs there (`sandbox.network=off` needs the config's
    /// sandbox to be bwrap when the line names none).
    func checkNew(_ name: String, _ spec: SessionSpec) throws(HiveError) {
        if exists(name) { throw HiveError.exists("session '\(name)' exists") }
        var spec = spec
        if spec.sandbox.isEmpty { spec.sandbox = config.sandbox }
        try checkStartable(spec)
    }

    /// Makes the session of a `new` line and has it started, as the root `control`
    /// and the spool make every session: checked (`checkNew`), made (its `created`
    /// event, with `origin` added to its detail), then told to start on its queue;
    /// `started` is called once its machine has been told. Throws, having made
    /// nothing, when it cannot be made.
    func makeAndStart(_ name: String, spec given: SessionSpec, uid: UInt32, origin: String? = nil,
                      started: @escaping @Sendable () -> Void = {}) throws(HiveError) {
        try checkNew(name, given)
        var spec = given
        if spec.dir.isEmpty { spec.dir = config.home }
        start([try create(name, spec: spec, uid: uid, origin: origin)], uid: uid, done: started)
    }

    /// Carries out one line of a spool file owned by `uid` (Spool.swift): the session
    /// a `new` line names, made and started as a root `control` write makes it, and
    /// marked in its `created` event as coming from `file`.
    func spoolLine(_ line: String, uid: UInt32, file: String) -> Result<String, HiveError> {
        do throws(HiveError) {
            let (name, spec) = try SpoolFile.command(line, home: config.home, agents: agents())
            try makeAndStart(name, spec: spec, uid: uid, origin: "from spool \(Text.oneLine(file))")
            return .success(name)
        } catch {
            return .failure(error)
        }
    }

    /// What `start` needs that the machine cannot know: the agents there are now,
    /// and what depends on who runs hivefs (the agent's runtime says).
    func checkStartable(_ spec: SessionSpec) throws(HiveError) {
        let catalog = agents()
        try spec.checkStartable(agents: catalog)
        if let key = spec.limits.set.first, let why = settings.limitsUnsupported {
            throw .unsupported("limit.\(key.rawValue): \(why)")
        }
        try (catalog.adapterOrMissing(spec.agent) as? any AgentRuntime)?.checkLaunchable(spec)
    }

    /// `mkdir NAME`: a `new` session with the default spec.
    public func mkdir(_ name: String, uid: UInt32) throws(HiveError) {
        try SessionName.validate(name)
        var spec = SessionSpec()
        spec.dir = config.home
        _ = try create(name, spec: spec, uid: uid)
    }

    func create(_ name: String, spec given: SessionSpec, uid: UInt32, origin: String? = nil) throws(HiveError) -> LiveSession {
        if exists(name) { throw .exists("session '\(name)' exists") }
        var spec = given
        // A session that names no sandbox gets the config's.
        if spec.sandbox.isEmpty { spec.sandbox = config.sandbox }
        try store.createSession(name)
        let now = Timestamp.now()
        var detail = "agent \(spec.agent.rawValue)"
        if !spec.dir.isEmpty { detail += " dir \(spec.dir)" }
        if let origin { detail += " " + origin }
        let e = Event(time: now, session: name, kind: EventKind.created, detail: detail, uid: uid, state: .new, spec: spec)
        let s = LiveSession(machine: machine(SessionRecord(name: name, spec: spec, created: now), agents: agents()))
        registry.add(s)
        onTreeChange?(.sessionMade(name))
        step(s, .record(e, durable: true))
        reports.follow(s)
        return s
    }

    /// Writes a spec file of a `new` session: the whole value, checked; EACCES once
    /// started. Runs on the session's queue, so it cannot interleave with `start`.
    public func setSpec(_ name: String, _ key: SpecKey, _ bytes: [UInt8], uid: UInt32, reply: @escaping Reply) {
        guard let s = live(name) else { return reply(.notFound("no session \(name)")) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return reply(.invalid("\(key.rawValue) must be UTF-8 text"))
        }
        guard bytes.count <= ControlParser.maxWrite else {
            return reply(.tooBig("\(key.rawValue) holds at most \(ControlParser.maxWrite) bytes"))
        }
        s.queue.async { [self] in
            let (state, current) = s.with { ($0.machine.record.state, $0.machine.record.spec) }
            guard state == .new else { return reply(.denied("\(key.rawValue) is read-only once the session has started")) }
            var spec = current
            let catalog = agents()
            do throws(HiveError) {
                try spec.set(key, text, home: config.home, agents: catalog)
            } catch {
                return reply(error)
            }
            if let refused = step(s, .spec(key, spec, uid: uid), .queue(uid: uid)) { return reply(refused) }
            if key == .agent { s.with { $0.machine.use(catalog.adapterOrMissing(spec.agent)) } }
            reply(nil)
        }
    }

    /// `rmdir NAME`: an ended (or never started) session moves, whole, to `history/`.
    public func rmdir(_ name: String, uid: UInt32, reply: @escaping Reply) {
        guard let s = live(name) else { return reply(.notFound("no session \(name)")) }
        s.queue.async { [self] in
            let state = s.record.state
            guard !state.isLive else {
                return reply(.busy("\(name) is \(state.rawValue); kill it before removing it"))
            }
            gitView.retire(s)
            // A run whose end no daemon saw (lost in a crash) may have left its cgroup.
            processes.closeCgroup(s, agentKilled: false)
            let now = Timestamp.now()
            step(s, .record(Event(time: now, session: name, kind: EventKind.removed, detail: "to history", uid: uid), durable: true))
            reports.unfollow(s)
            freezeViews(s)
            do throws(HiveError) {
                let entry = try store.moveToHistory(name, at: now)
                registry.remove(name)
                log.info("\(name) moved to history/\(entry)")
                onChange?(name)
                reply(nil)
            } catch {
                reply(error)
            }
        }
    }

    /// Writes the files a history entry shows, as they read at removal.
    private func freezeViews(_ s: LiveSession) {
        let name = s.name
        for file in [SessionFile.diff, .diffStat] {
            if let c = views.diff(name, stat: file == .diffStat) { store.writeSessionFile(name, file.rawValue, bytes: c.bytes) }
        }
        for file in SessionFile.frozen where !file.isOnDisk && file != .screen && file != .diff && file != .diffStat {
            if let r = views.render(name, file) { store.writeSessionFile(name, file.rawValue, String(decoding: r.bytes, as: UTF8.self)) }
        }
        if Sys.stat(store.screenPath(name)) == nil { store.writeSessionFile(name, "screen", "") }
    }
}
