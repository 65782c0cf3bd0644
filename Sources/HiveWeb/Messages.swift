import Foundation
import HiveCore

/// The messages a page gets over its WebSocket, one JSON object each, told apart
/// by `t`:
///
/// - `overview`: `sessions` (every row of the root `status.json`), `trouble`.
/// - `rows`: `sessions` (the rows that changed, whole), `gone` (names).
/// - `detail`: a shown session's `name`, `events` (its `events.jsonl` objects,
///   all recent ones when `reset`, else the new ones), `screen` (HTML), `files`,
///   `git`, `summary` (texts, null when absent), `permission` (object or null).
/// - `screen`: `name`, `screen` (HTML), between details.
/// - `trouble`: `reason`, why the mount cannot be read now (null: it can again).
///
/// A page sends `{"watch": NAME}` to be sent a session's details, or
/// `{"watch": null}` for the overview alone.
enum Messages {
    /// The keys that change with the clock alone; a row differing only in them is
    /// not sent again (the page counts idle time itself).
    static let clockKeys: Set<String> = ["idle", "idle-timeout.left"]

    /// The root `status.json`'s objects by name, in order, taken as text: the file
    /// holds one object a line, each a session's `status.json` (another host's
    /// renamed and checked when it came), keys in hivefs's order, `name` first. A
    /// line that is not such an object is skipped. Parsing 200 objects as JSON and
    /// writing them again on every change cost ~300 ms of CPU; this costs ~1.
    static func objects(_ bytes: [UInt8]) -> [(String, Hub.Row)] {
        var out: [(String, Hub.Row)] = []
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var line = bytes[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: ",") { line = line.dropLast() }
            guard line.starts(with: namePrefix), line.last == UInt8(ascii: "}"),
                  let name = stringValue(line, at: line.startIndex + namePrefix.count) else { continue }
            let state = find(statePrefix, in: line).flatMap { stringValue(line, at: $0) } ?? ""
            out.append((name, Hub.Row(key: steady(line), json: String(decoding: line, as: UTF8.self), state: state)))
        }
        return out
    }

    static let namePrefix = Array(#"{"name":""#.utf8)
    static let statePrefix = Array(#","state":""#.utf8)

    /// The object without the values of `clockKeys` (numbers or null: no comma in them).
    static func steady(_ line: ArraySlice<UInt8>) -> String {
        var out = Array(line)
        for k in clockKeys {
            let key = Array(",\(JSONWriter.quote(k)):".utf8)
            guard let at = find(key, in: out[...]) else { continue }
            var end = at
            while end < out.count, out[end] != UInt8(ascii: ","), out[end] != UInt8(ascii: "}") { end += 1 }
            out.removeSubrange((at - key.count)..<end)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Where the text after `needle` starts in `hay`, if it is there.
    static func find(_ needle: [UInt8], in hay: ArraySlice<UInt8>) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = hay.startIndex
        while i <= hay.endIndex - needle.count {
            if hay[i] == first, hay[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            i += 1
        }
        return nil
    }

    /// The JSON string whose text starts at `at` (just after its opening quote), decoded.
    static func stringValue(_ b: ArraySlice<UInt8>, at: Int) -> String? {
        var i = at
        var escaped = false
        while i < b.endIndex {
            switch b[i] {
            case UInt8(ascii: "\\"): escaped = true; i += 2
            case UInt8(ascii: "\""):
                let raw = b[at..<i]
                guard escaped else { return String(decoding: raw, as: UTF8.self) }
                return (try? JSONSerialization.jsonObject(with: Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]), options: .fragmentsAllowed)) as? String
            default: i += 1
            }
        }
        return nil
    }

    /// The whole lines at the start of `bytes`, and how many bytes they take.
    static func lines(_ bytes: [UInt8]) -> (lines: [String], consumed: Int) {
        guard let last = bytes.lastIndex(of: 0x0A) else { return ([], 0) }
        let text = String(decoding: bytes[...last], as: UTF8.self)
        return (text.split(separator: "\n").map(String.init), last + 1)
    }

    static func overview(_ rows: [String], trouble: String?) -> String {
        var w = JSONWriter()
        w.string("t", "overview")
        w.raw("sessions", "[" + rows.joined(separator: ",") + "]")
        w.stringOrNull("trouble", trouble)
        return w.result
    }

    static func rows(_ changed: [String], gone: [String]) -> String {
        var w = JSONWriter()
        w.string("t", "rows")
        w.raw("sessions", "[" + changed.joined(separator: ",") + "]")
        w.raw("gone", "[" + gone.map(JSONWriter.quote).joined(separator: ",") + "]")
        return w.result
    }

    static func detail(_ name: String, _ view: Hub.SessionView, events: [String], reset: Bool) -> String {
        var w = JSONWriter()
        w.string("t", "detail")
        w.string("name", name)
        w.bool("reset", reset)
        // Lines that are not JSON objects (a torn write) are left out, not passed on.
        w.raw("events", "[" + events.filter(isObject).joined(separator: ",") + "]")
        w.stringOrNull("screen", view.screen)
        w.stringOrNull("files", view.files)
        w.stringOrNull("git", view.git)
        w.stringOrNull("summary", view.summary)
        if let p = view.permission, isObject(p) { w.raw("permission", p) } else { w.null("permission") }
        return w.result
    }

    static func screen(_ name: String, _ html: String) -> String {
        var w = JSONWriter()
        w.string("t", "screen")
        w.string("name", name)
        w.string("screen", html)
        return w.result
    }

    static func trouble(_ why: String?) -> String {
        var w = JSONWriter()
        w.string("t", "trouble")
        w.stringOrNull("reason", why)
        return w.result
    }

    /// Whether a line is one JSON object (so it can be passed on as it is).
    static func isObject(_ line: String) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) is [String: Any]
    }

    /// A refusal as the page shows it: the errno's name and number, and the reason.
    static func refusal(_ e: HiveError) -> String {
        var w = JSONWriter()
        w.string("errno", e.errnoName)
        w.int("code", Int64(e.errno.rawValue))
        w.string("reason", e.reason)
        return w.result
    }
}
