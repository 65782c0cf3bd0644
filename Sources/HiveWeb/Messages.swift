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

    /// The root `status.json`'s objects by name, in order; what is not an object
    /// with a name is skipped.
    static func objects(_ bytes: [UInt8]) -> [(String, Hub.Row)] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [Any] else { return [] }
        var out: [(String, Hub.Row)] = []
        for case let object as [String: Any] in array {
            guard let name = object["name"] as? String else { continue }
            var steady = object
            for k in clockKeys { steady[k] = nil }
            guard let key = try? JSONSerialization.data(withJSONObject: steady, options: [.sortedKeys]),
                  let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { continue }
            out.append((name, Hub.Row(key: String(decoding: key, as: UTF8.self), json: String(decoding: json, as: UTF8.self),
                                      state: object["state"] as? String ?? "")))
        }
        return out
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
