/// The lines written to `queue` through one open handle, put back together: a
/// program that buffers its output (python, jq, sed, `cat` with 128 KiB blocks)
/// writes in blocks cut at any byte, so a write's last line may go on in the next.
///
/// Decisions, stated once:
/// - Only complete lines (up to and with a newline) leave a write (`take`); the
///   unfinished rest waits for the next write on the same handle. A newline never
///   falls inside a UTF-8 sequence, so complete lines are whole text.
/// - An unfinished line that grows past `PromptQueue.maxLine` (and its "\r") is E2BIG
///   at once and dropped; the bytes that go on with it, up to its newline, are
///   dropped too (each write of nothing but them is E2BIG again). A write whose
///   rest is too long already is refused whole: none of its lines is queued.
/// - At close (`finish`), a rest that is not empty is the last line, given with a
///   newline so that what takes it sees a complete line.
public struct PromptLines: Sendable, Equatable {
    /// The unfinished last line.
    public private(set) var rest: [UInt8] = []
    /// A line over the limit is being dropped, up to its newline.
    public private(set) var dropping = false

    public init() {}

    /// The complete lines `bytes` finishes (with what came before them), or none;
    /// E2BIG when the unfinished line is now too long (it is dropped).
    public mutating func take(_ bytes: [UInt8]) throws(HiveError) -> [UInt8] {
        let newline = UInt8(ascii: "\n")
        guard let last = bytes.lastIndex(of: newline) else {
            if dropping { throw PromptLines.tooLong(more: true) }
            rest += bytes
            try checkRest()
            return []
        }
        let complete: [UInt8]
        if dropping, let first = bytes.firstIndex(of: newline) {
            // The dropped line ends here; what follows is new.
            // Empty when that newline is the write's only one.
            complete = Array(bytes[(first + 1)..<(last + 1)])
            dropping = false
        } else {
            complete = rest + bytes[...last]
        }
        rest = Array(bytes[(last + 1)...])
        // A rest too long already refuses the whole write: nothing of it is queued.
        try checkRest()
        return complete
    }

    /// The rest as the last line, with its newline; nil when there is none.
    public mutating func finish() -> [UInt8]? {
        defer { rest = []; dropping = false }
        guard !rest.isEmpty else { return nil }
        return rest + [UInt8(ascii: "\n")]
    }

    private mutating func checkRest() throws(HiveError) {
        guard rest.count > PromptQueue.maxLine + 1 else { return }
        rest = []
        dropping = true
        throw PromptLines.tooLong(more: false)
    }

    private static func tooLong(more: Bool) -> HiveError {
        .tooBig(more ? "this write goes on with a line already over \(PromptQueue.maxLine) bytes; it is dropped up to its newline"
                     : "a prompt holds at most \(PromptQueue.maxLine) bytes; this line is longer and has no newline yet: it was dropped, up to its newline")
    }
}
