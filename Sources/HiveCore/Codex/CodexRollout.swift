import Foundation

extension TranscriptLedger {
    /// The key under which a Codex session's running totals are kept.
    static let codexTotals = "codex|total"

    /// Reads one line of a Codex rollout (`{"timestamp","type","payload"}`).
    ///
    /// `token_count` events carry `info.total_token_usage`, the session's totals so
    /// far (OpenAI counts cached input inside `input_tokens`, and reasoning inside
    /// `output_tokens`). The same event is often written twice, and a resumed
    /// session goes on from its totals, so the totals are kept as each field's
    /// largest value, never summed: reading a line again changes nothing.
    mutating func read(codexLine line: ArraySlice<UInt8>) {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)), let l = object as? [String: Any] else {
            skipped += 1
            return
        }
        guard let payload = l["payload"] as? [String: Any] else { return }
        switch l["type"] as? String {
        case "turn_context":
            if let m = payload["model"] as? String, !m.isEmpty { model = m }
        case "event_msg":
            switch payload["type"] as? String {
            case "agent_message":
                if let text = payload["message"] as? String { lastText = text }
            case "token_count":
                guard let info = payload["info"] as? [String: Any], let t = info["total_token_usage"] as? [String: Any] else { return }
                let u = TranscriptLedger.usage(["input_tokens": t["input_tokens"] as Any, "output_tokens": t["output_tokens"] as Any,
                                                "cache_read_input_tokens": t["cached_input_tokens"] as Any])
                // Cached input is inside input_tokens: shown apart, as for Claude.
                let totals = TokenUsage(input: max(0, u.input - u.cacheRead), output: u.output, cacheRead: u.cacheRead)
                count(totals, key: Self.codexTotals, model: model ?? "")
            default:
                return
            }
        default:
            return
        }
    }
}
