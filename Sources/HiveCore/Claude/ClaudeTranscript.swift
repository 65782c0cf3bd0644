import Foundation

/// Claude Code's transcript: one line per content block, each repeating its API
/// message's `message.id` and `requestId` with usage that grows line by line; and
/// `cost-state` lines with its own total cost, written as it exits.
extension TranscriptLedger {
    /// Reads one transcript line.
    public mutating func read(line: ArraySlice<UInt8>) {
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)), let l = object as? [String: Any] else {
            skipped += 1
            return
        }
        if l["type"] as? String == "cost-state" {
            // Written as the agent exits (and again on resume): the running total so far.
            if let usd = (l["totalCostUSD"] as? NSNumber)?.doubleValue, usd.isFinite, usd >= 0 {
                agentCostUSD = usd
                sinceAgentCost = [:]
            }
            return
        }
        guard l["type"] as? String == "assistant", let m = l["message"] as? [String: Any] else { return }
        let sidechain = l["isSidechain"] as? Bool == true
        let model = m["model"] as? String ?? ""
        if !sidechain && model != "<synthetic>" {
            if !model.isEmpty { self.model = model }
            if let blocks = m["content"] as? [[String: Any]],
               let text = blocks.last(where: { $0["type"] as? String == "text" })?["text"] as? String {
                lastText = text
            }
        }
        guard let u = m["usage"] as? [String: Any] else { return }
        let usage = TranscriptLedger.usage(u)
        let id = (m["id"] as? String) ?? (l["uuid"] as? String) ?? "line-\(messages.count)"
        count(usage, key: id + "|" + ((l["requestId"] as? String) ?? ""), model: model)
    }
}

/// Where Claude Code keeps a session's transcript.
public enum ClaudePaths {
    /// The folder name Claude Code gives a project: its directory with every
    /// character that is not a letter or digit replaced by `-`.
    public static func projectFolder(_ dir: String) -> String {
        String(String.UnicodeScalarView(dir.unicodeScalars.map { s -> Unicode.Scalar in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") ? s : "-"
        }))
    }

    /// `CONFIG/projects/FOLDER/SESSION.jsonl`.
    public static func transcript(configDir: String, dir: String, session: String) -> String {
        configDir + "/projects/" + projectFolder(dir) + "/" + session + ".jsonl"
    }

    /// The folder of a session's subagent transcripts, beside its own transcript.
    public static func subagentsFolder(transcript: String) -> String {
        (transcript.hasSuffix(".jsonl") ? String(transcript.dropLast(6)) : transcript) + "/subagents"
    }
}
