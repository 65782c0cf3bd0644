/// A session's queue of prompts (its `queue` file): what a write holds, what the
/// record keeps of it, and its limits.
///
/// Decisions, stated once:
/// - Any write to `queue` appends: each line of it that is not blank is one prompt,
///   kept exactly as written but for a trailing "\r". `echo x > queue` appends too
///   (the truncation of `O_TRUNC` is taken and ignored, as for `control`).
/// - Lines, not writes, are prompts: a program that buffers its output writes in
///   blocks cut at any byte, so each open handle keeps its unfinished last line
///   (`PromptLines`) and only complete lines are queued; what is left at close is
///   queued as the last line.
/// - The complete lines of a write are checked together before any is queued: a
///   line longer than `maxLine` bytes is E2BIG; a NUL byte, text that is not UTF-8,
///   or a control character (C0 but tab, and DEL: a "\r" mid-line would submit early,
///   an ESC interrupt) is EINVAL; more than `capacity` prompts or `maxBytes` bytes
///   pending at once is ENOSPC; then none of them is.
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
    /// The most bytes of prompts a session holds pending (a queue lives in memory and in the record).
    public static let maxBytes = 4 * 1024 * 1024

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
            try checkControls(prompt, line: out.count + 1)
            out.append(prompt)
        }
        return out
    }

    /// EINVAL for a control character in a prompt: it would be typed as a key.
    static func checkControls(_ prompt: String, line: Int) throws(HiveError) {
        for (i, c) in prompt.unicodeScalars.enumerated() where (c.value < 0x20 && c != "\t") || c.value == 0x7F {
            let code = "U+" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16, uppercase: true)
            throw .invalid("prompt \(line) holds the control character \(code) at character \(i + 1) (a terminal takes it as a key); nothing of this write was queued")
        }
    }

    /// ENOSPC when `adding` would pass `capacity` prompts or `maxBytes` bytes pending.
    public static func checkRoom(pending: [QueuedPrompt], adding: [String]) throws(HiveError) {
        guard pending.count + adding.count <= capacity else {
            throw HiveError(.noSpace, "a queue holds at most \(capacity) prompts; \(pending.count) are pending and this write holds \(adding.count); nothing of it was queued")
        }
        let held = pending.reduce(0) { $0 + $1.text.utf8.count }
        let more = adding.reduce(0) { $0 + $1.utf8.count }
        guard held + more <= maxBytes else {
            throw HiveError(.noSpace, "a queue holds at most \(maxBytes) bytes of prompts (4 MiB); \(held) are pending and this write holds \(more); nothing of it was queued")
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
