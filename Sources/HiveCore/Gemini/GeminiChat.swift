import Foundation

extension TranscriptLedger {
    /// Reads one line of a Gemini CLI chat record (`chats/session-*.jsonl`).
    ///
    /// Messages of type `gemini` carry `tokens` {input, output, cached, thoughts,
    /// tool, total} and `model`; a record written again under the same `id`
    /// replaces the earlier one, so each field's largest value per id is kept.
    /// Gemini counts cached input inside `input` (shown apart here) and bills
    /// thoughts as output. `$set` and `$rewindTo` lines change no count: tokens
    /// spent on a rewound turn were spent.
    mutating func read(geminiLine line: ArraySlice<UInt8>) {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)), let m = object as? [String: Any] else {
            skipped += 1
            return
        }
        guard m["type"] as? String == "gemini" else { return }
        let model = m["model"] as? String ?? ""
        if !model.isEmpty { self.model = model }
        if let text = m["content"] as? String, !text.isEmpty { lastText = text }
        guard let t = m["tokens"] as? [String: Any] else { return }
        let raw = TranscriptLedger.usage(["input_tokens": t["input"] as Any, "output_tokens": t["output"] as Any,
                                          "cache_read_input_tokens": t["cached"] as Any])
        let thoughts = TranscriptLedger.usage(["output_tokens": t["thoughts"] as Any]).output
        let usage = TokenUsage(input: max(0, raw.input - raw.cacheRead), output: raw.output + thoughts, cacheRead: raw.cacheRead)
        count(usage, key: "gemini|" + ((m["id"] as? String) ?? "line-\(messages.count)"), model: model)
    }
}
