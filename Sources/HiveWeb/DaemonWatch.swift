import Foundation
import HiveCore
import HiveLink
import HiveRuntime
import Logging

/// The daemon's change notifications, which tell the hub what to read again: the
/// same link another host's hivefs uses (`hivefs serve --stdio` to the daemon's
/// `link.sock`).
///
/// - Its `.notices` say which session changed (`changed NAME`), for any change a
///   session's files show (an event, git's answer, tokens counted).
/// - Its root `events`, followed from its end, carry other hosts' sessions' events
///   (`@HOST/NAME …` lines), which this host's notices do not announce.
/// - When the link goes down (the daemon stopped or restarted), the pages are told
///   why, and following starts again once a second until it comes back up; then
///   everything is read again.
///
/// `following` and `partial` are behind `lock`; the link's reader thread and the
/// retry thread call in.
public final class DaemonWatch: @unchecked Sendable {
    let link: LinkClient
    let hub: Hub
    let log: Logger
    private let lock = NSLock()
    private var following: (@Sendable () -> Void)?
    private var run = 0
    /// The last following whose end was heard (its link cut), perhaps before `follow` returned.
    private var ended = 0
    private var partial: [UInt8] = []
    private var stopped = false

    /// `command` starts the relay to the daemon (`hivefs serve --stdio …`).
    public init(command: [String], hub: Hub, logger: Logger) {
        link = LinkClient(name: "the daemon", command: command, logger: logger)
        self.hub = hub
        log = logger
    }

    public func start() {
        link.onNotice = { [weak self] line in self?.notice(line) }
        link.onState = { [weak self] state in
            guard let self else { return }
            if case .down(let reason, let since) = state {
                hub.trouble("the daemon does not answer since \(since.rfc3339): \(reason)")
                lock.withLock { following = nil; partial = [] }
            }
        }
        let thread = Thread { [weak self] in
            while let self, !self.lock.withLock({ self.stopped }) {
                if self.lock.withLock({ self.following == nil }) { self.follow() }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        thread.name = "hivefs.web.daemon"
        thread.start()
    }

    public func stop() {
        let f = lock.withLock { () -> (@Sendable () -> Void)? in stopped = true; defer { following = nil }; return following }
        f?()
        link.stop()
    }

    /// A line of `.notices`.
    func notice(_ line: String) {
        let words = line.split(separator: " ", maxSplits: 1).map(String.init)
        switch words.first {
        case "changed" where words.count == 2: hub.changed(words[1] == "*" ? nil : words[1])
        case "attributes": break
        default: hub.changed(nil)  // a name added or gone, an overflow: read everything
        }
    }

    /// Follows the root `events` from its end.
    private func follow() {
        do throws(HiveError) {
            let size = try link.stat(["events"]).size
            let mine = lock.withLock { () -> Int in run += 1; partial = []; return run }
            let stop = try link.follow(["events"], from: Int64(size), onBytes: { [weak self] _, bytes in
                guard let self else { return false }
                return self.take(mine, bytes)
            }, onEnd: { [weak self] why in
                guard let self else { return }
                lock.withLock {
                    ended = max(ended, mine)
                    if run == mine { following = nil }
                }
                log.info("web: the daemon's events are no longer followed: \(why)")
            })
            let kept = lock.withLock { () -> Bool in
                guard run == mine, !stopped, ended < mine else { return false }
                following = stop
                return true
            }
            // Ended already (the link cut as it began): the next second tries again.
            guard kept else { return stop() }
            hub.trouble(nil)
        } catch {
            hub.trouble("cannot reach the daemon: \(error.errnoName) \(error.reason)")
        }
    }

    /// A piece of the root `events`: each whole line of another host's session
    /// marks it changed.
    private func take(_ mine: Int, _ bytes: [UInt8]) -> Bool {
        let names = lock.withLock { () -> [String]? in
            guard run == mine else { return nil }
            partial += bytes
            guard let cut = partial.lastIndex(of: 0x0A) else {
                if partial.count > 1 << 20 { partial = [] }
                return []
            }
            let lines = String(decoding: partial[...cut], as: UTF8.self).split(separator: "\n")
            partial = Array(partial[(cut + 1)...])
            return lines.compactMap { line in
                guard line.hasPrefix("@"), let end = line.firstIndex(of: " ") else { return nil }
                return String(line[..<end])
            }
        }
        guard let names else { return false }
        for n in Set(names) { hub.changed(n) }
        return true
    }
}
