/// A session's queue of prompts (its `queue` file): what a write holds, what the
/// record keeps of it, and its limits.
///
/// Decisions, stated once:
/// - Any write to `queue` appends: each line of it that is not blank is one prompt,
///   kept exactly as written but for a trailing "\r". `echo x > queue` appends too
///   (the truncation of `O_TRUNC` is taken and ignored, as for `control`).
/// - A write is checked whole before anything of it is queued: a line longer than
///   `maxLine` bytes is E2BIG, a NUL byte or text that is not UTF-8 is EINVAL, and
///   more prompts than `capacity` pending at once is ENOSPC; then nothing of it is.
/// - The queue lives in the event log (`queue.added`, `queue.sent`, `queue.cleared`),
///   folded by `SessionRecord.apply`, so a replay gives it back; each prompt gets an
///   id, 1, 2, 3… in the session, in `key`; its whole text is in `value`.
/// - A prompt is delivered (`queue.sent`, fsync'd, then typed as `send` types) when
///   the session is `idle`, its agent is watched by this daemon, and no delivery is
///   in flight. A delivery is in flight from `queue.sent` until the agent has been
///   seen at work (`working` or `waiting`, or a `prompt` report) and is `idle` again;
///   or, when none of that comes, until the terminal has been quiet for
///   `quiet-after` since the prompt was typed (`SessionMachine+Queue.swift`).
/// - Recorded before it is typed, a prompt is never typed twice by a daemon; a crash
///   in between can lose its typing. A restarted daemon delivers the prompt in flight
///   again only to an agent that reports its prompts (`AgentAdapter.reportsPrompts`)
///   and reported no `prompt` after it: for other agents delivery is at most once.
public enum PromptQueue {
    /// The longest prompt, in bytes.
    public static let maxLine = 64 * 1024
    /// The most prompts a session holds pending.
    public static let capacity = 1000

    /// The prompts a write to `queue` holds, in order; none for a write of blank lines.
    public static func prompts(_ bytes: [UInt8]) throws(HiveError) -> [String] {
        guard !bytes.contains(0) else { throw .invalid("a prompt cannot hold a NUL byte; nothing of this write was queued") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid("the write is not valid UTF-8; nothing of it was queued")
        }
        var out: [String] = []
        // Split on bytes' scalars: Swift reads "\r\n" as one Character, which "\n" would not match.
        for part in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String.UnicodeScalarView(part)
            if line.last == "\r" { line.removeLast() }
            let prompt = String(line)
            guard prompt.utf8.count <= maxLine else {
                throw .tooBig("a prompt holds at most \(maxLine) bytes; line \(out.count + 1) holds \(prompt.utf8.count); nothing of this write was queued")
            }
            if prompt.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { continue }
            out.append(prompt)
        }
        return out
    }

    /// ENOSPC when `adding` more prompts would pass `capacity`.
    public static func checkRoom(pending: Int, adding: Int) throws(HiveError) {
        guard pending + adding <= capacity else {
            throw HiveError(.noSpace, "a queue holds at most \(capacity) prompts; \(pending) are pending and this write holds \(adding); nothing of it was queued")
        }
    }

    /// The queue as `queue` shows it: one prompt a line, in order.
    public static func text(_ pending: [QueuedPrompt]) -> String {
        pending.map { $0.text + "\n" }.joined()
    }
}

/// A prompt waiting in a session's queue.
public struct QueuedPrompt: Sendable, Equatable, Codable {
    /// Its number in the session (from 1), in its events' `key`.
    public var id: Int
    public var text: String

    public init(id: Int, text: String) {
        self.id = id
        self.text = text
    }
}

/// The prompt delivered last, while its turn has not ended.
public struct QueueFlight: Sendable, Equatable, Codable {
    public var prompt: QueuedPrompt
    /// The agent has been seen at work since (`working`, `waiting`, or a `prompt` report).
    public var begun = false

    public init(prompt: QueuedPrompt) { self.prompt = prompt }
}
