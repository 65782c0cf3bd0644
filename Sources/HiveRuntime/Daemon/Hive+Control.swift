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
            for c in commands {
                if let refused = step(s, .command(c, uid: uid), .queue(uid: uid)) { return reply(refused) }
            }
            reply(nil)
        }
    }

    /// Carries out a write to a session's `queue`: checked whole (`PromptQueue.prompts`),
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

    /// Carries out a write to the root `control` (`new NAME key=value…`).
    public func rootControl(_ bytes: [UInt8], uid: UInt32, reply: @escaping Reply) {
        let commands: [RootCommand]
        do throws(HiveError) {
            commands = try ControlParser.rootCommands(bytes, home: config.home, agents: agents())
            for case .new(let name, var spec) in commands {
                if exists(name) { throw HiveError.exists("session '\(name)' exists") }
                // Checked as it will be made: `sandbox.network=off` needs the config's sandbox to be bwrap.
                if spec.sandbox.isEmpty { spec.sandbox = config.sandbox }
                try checkStartable(spec)
            }
        } catch {
            errorEvent(nil, error, uid: uid)
            return reply(error)
        }
        var created: [LiveSession] = []
        for case .new(let name, var spec) in commands {
            if spec.dir.isEmpty { spec.dir = config.home }
            do {
                created.append(try create(name, spec: spec, uid: uid))
            } catch {
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
        let group = DispatchGroup()
        for s in created {
            group.enter()
            s.queue.async { [self] in
                step(s, .command(.start, uid: uid), .queue(uid: uid))
                group.leave()
            }
        }
        group.notify(queue: .global()) { reply(nil) }
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

    private func create(_ name: String, spec given: SessionSpec, uid: UInt32) throws(HiveError) -> LiveSession {
        if exists(name) { throw .exists("session '\(name)' exists") }
        var spec = given
        // A session that names no sandbox gets the config's.
        if spec.sandbox.isEmpty { spec.sandbox = config.sandbox }
        try store.createSession(name)
        let now = Timestamp.now()
        var detail = "agent \(spec.agent.rawValue)"
        if !spec.dir.isEmpty { detail += " dir \(spec.dir)" }
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
        for file in SessionFile.frozen where !file.isOnDisk && file != .screen {
            if let r = views.render(name, file) { store.writeSessionFile(name, file.rawValue, String(decoding: r.bytes, as: UTF8.self)) }
        }
        if Sys.stat(store.screenPath(name)) == nil { store.writeSessionFile(name, "screen", "") }
    }
}
