import Foundation
import HiveCore

/// One session as the dashboard shows it: the facts of its `status.json`, as
/// found in the root `status.json` (the same keys a script reads).
public struct SessionRow: Equatable, Sendable {
    public var name: String
    public var state: String
    public var agent: String
    public var tool: String?
    public var reason: String?
    public var message: String?
    public var idle: Int64?
    public var tokens: Int64?
    public var cost: Double?
    public var branch: String?
    public var changed: Int64?
    public var attach: String?
    public var model: String?
    public var events: Int64?
    public var exit: Int64?
    /// The last time anything happened to it (an event, terminal output).
    public var activity: String?
    /// Percent of a core its processes used over the last seconds, and their memory in bytes.
    public var cpu: Double?
    public var memory: Int64?

    public init(name: String, state: String, agent: String = "shell") {
        self.name = name; self.state = state; self.agent = agent
    }

    /// What the session is doing: why it waits (a permission, a question), else its
    /// tool, else why it is in its state (a kill, a loss), else its exit code, else
    /// its last message.
    public var doing: String? {
        if state == "waiting" { return reason ?? tool }
        return tool ?? reason ?? (isLive ? nil : exit.map { "exit \($0)" }) ?? message
    }

    /// Whether its agent is running (it can be paused, sent text, attached).
    public var isLive: Bool { ["starting", "working", "waiting", "idle", "paused"].contains(state) }

    /// Reads the rows out of the root `status.json` (an array of objects); an
    /// element without a name or state is skipped, never guessed at.
    public static func parse(_ data: [UInt8]) throws(HiveError) -> [SessionRow] {
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: Data(data)) } catch {
            throw .io("status.json is not JSON: \(error.localizedDescription)")
        }
        guard let array = any as? [[String: Any]] else { throw .io("status.json is not an array of objects") }
        return array.compactMap(row)
    }

    static func row(_ o: [String: Any]) -> SessionRow? {
        guard let name = o["name"] as? String, let state = o["state"] as? String else { return nil }
        var r = SessionRow(name: name, state: state, agent: o["agent"] as? String ?? "-")
        r.tool = o["tool"] as? String
        r.reason = o["reason"] as? String
        r.message = o["message"] as? String
        r.idle = int(o["idle"])
        let input = int(o["tokens.input"]), output = int(o["tokens.output"])
        r.tokens = input == nil && output == nil ? nil : (input ?? 0) + (output ?? 0)
        r.cost = (o["cost.usd"] as? NSNumber)?.doubleValue
        r.branch = o["branch"] as? String
        r.changed = int(o["changed"])
        r.attach = o["attach"] as? String
        r.model = o["model"] as? String
        r.events = int(o["events"])
        r.exit = int(o["exit"])
        r.activity = o["activity"] as? String
        r.cpu = (o["cpu"] as? NSNumber)?.doubleValue
        r.memory = int(o["memory"])
        return r
    }

    static func int(_ v: Any?) -> Int64? { (v as? NSNumber)?.int64Value }
}
