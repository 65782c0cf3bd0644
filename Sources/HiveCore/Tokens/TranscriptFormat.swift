/// The kinds of transcript a `TranscriptLedger` reads.
public enum TranscriptFormat: Sendable {
    /// Claude Code's transcript: usage per API message, repeated per content block.
    case claude
    /// Codex CLI's rollout: `token_count` events carrying the session's running totals.
    case codex
    /// Gemini CLI's chat record: one line per message, tokens on the model's.
    case gemini
}
