import Foundation
import HiveCore
import TOMLKit

/// Reads the agents the user defines: `agents/NAME.toml` in the config directory
/// (hivefs.5, AGENT FILES), each checked whole. A file with a mistake defines
/// nothing; its problem names the file, the line and the reason, and is told at
/// mount (a `warning` event) and by `new agent=NAME` (EINVAL).
///
/// The folder is read again when a file in it changed (by name, size and
/// modification time), so a new or edited file counts without a restart.
final class AgentFiles: @unchecked Sendable {
    /// A file that defines nothing: its refusal, EINVAL with the file, the line and
    /// the reason (`agents/NAME.toml:3: prompt must be a string`), and the agent its
    /// name would have given, if it is a valid name.
    struct Problem: Equatable, Sendable {
        var error: HiveError
        var agent: AgentName?

        init(file: String, line: Int?, reason: String, agent: AgentName?) {
            self.init(.invalid(file + (line.map { ":\($0)" } ?? "") + ": " + reason), agent: agent)
        }

        init(_ error: HiveError, agent: AgentName?) {
            self.error = error
            self.agent = agent
        }

        var text: String { error.reason }
    }

    /// What a file comes to: an agent, or a refusal.
    enum Reading {
        case defined(DefinedAgent.Definition)
        case refused(Problem)
    }

    let folder: String
    private let lock = NSLock()
    private var stamp: [String] = []
    private var loaded: (catalog: AgentCatalog, problems: [Problem]) = (.builtIn, [])

    init(folder: String) { self.folder = folder }

    /// The catalog as the folder is now, and the files it refused.
    func current() -> (catalog: AgentCatalog, problems: [Problem]) {
        let names = Sys.listDirectory(folder).filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.sorted()
        let now = names.map { n -> String in
            let st = Sys.stat(folder + "/" + n)
            return "\(n) \(st.map { "\($0.st_size) \($0.st_mtim.tv_sec).\($0.st_mtim.tv_nsec)" } ?? "-")"
        }
        lock.lock(); defer { lock.unlock() }
        if now == stamp { return loaded }
        var agents: [any AgentAdapter] = []
        var problems: [Problem] = []
        for n in names {
            switch AgentFiles.read(folder + "/" + n) {
            case .defined(let d): agents.append(DefinedAgent(d))
            case .refused(let p): problems.append(p)
            }
        }
        let refused = Dictionary(problems.compactMap { p in p.agent.map { ($0, p.text) } }) { a, _ in a }
        loaded = (AgentCatalog(defined: agents, refused: refused), problems)
        stamp = now
        return loaded
    }

    /// The keys a file may hold, at its top and in its tables.
    static let topKeys: Set<String> = ["command", "resume", "prompt", "reports", "notify", "model", "screen", "keys"]
    static let screenKeys: Set<String> = ["working", "waiting", "idle"]
    static let keyKeys: Set<String> = ["interrupt", "approve", "deny"]

    /// One file, checked.
    static func read(_ path: String) -> Reading {
        let file = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
        let word = String(file.dropLast(".toml".count))
        let shown = "agents/" + file
        func problem(_ reason: String, key: String? = nil, table: String? = nil, text: String = "") -> Problem {
            Problem(file: shown, line: key.flatMap { line(of: $0, table: table, in: text) }, reason: reason,
                    agent: AgentName.isValid(word) ? AgentName(rawValue: word) : nil)
        }
        guard AgentName.isValid(word) else {
            return .refused(problem("'\(Text.printable(word))' cannot name an agent: a lowercase letter, then lowercase letters, digits, '-' and '_'"))
        }
        let name = AgentName(rawValue: word)
        guard !AgentCatalog.isBuiltIn(name) else {
            return .refused(Problem(file: shown, line: nil, reason: "\(name) is a built-in agent; name the file otherwise", agent: nil))
        }
        guard let bytes = Sys.readFile(path, followLinks: true) else {
            return .refused(problem("cannot read it: \(String(cString: strerror(errno)))"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { return .refused(problem("not UTF-8 text")) }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            return .refused(Problem(file: shown, line: e.source.begin.line, reason: e.description, agent: name))
        } catch {
            return .refused(problem("not TOML: \(error)"))
        }
        do throws(HiveError) {
            return .defined(try definition(table, name: name, file: shown, text: text))
        } catch {
            return .refused(Problem(error, agent: name))
        }
    }

    private static func definition(_ t: TOMLTable, name: AgentName, file: String, text: String) throws(HiveError) -> DefinedAgent.Definition {
        func fail(_ reason: String, _ key: String, _ table: String? = nil) -> HiveError {
            Problem(file: file, line: line(of: key, table: table, in: text), reason: reason, agent: name).error
        }
        func unknown(_ keys: [String], _ allowed: Set<String>, _ table: String?) throws(HiveError) {
            if let k = keys.sorted().first(where: { !allowed.contains($0) }) {
                throw fail("unknown key '\(k)'" + (table.map { " in [\($0)]" } ?? "") + "; keys: " + allowed.sorted().joined(separator: ", "), k, table)
            }
        }
        func string(_ t: TOMLTable, _ key: String, _ table: String? = nil) throws(HiveError) -> String? {
            guard let v = t[key] else { return nil }
            guard let s = v.string else { throw fail("\(key) must be a string", key, table) }
            return s
        }
        func words(_ t: TOMLTable, _ key: String, _ table: String? = nil) throws(HiveError) -> [String]? {
            guard let v = t[key] else { return nil }
            guard let a = v.array else { throw fail("\(key) must be an array of strings", key, table) }
            var out: [String] = []
            for item in a {
                guard let s = item.string, !s.isEmpty else { throw fail("\(key) must be an array of strings, none empty", key, table) }
                out.append(s)
            }
            return out
        }
        func commandLine(_ key: String) throws(HiveError) -> String? {
            guard let line = try string(t, key) else { return nil }
            let words: [String]
            do throws(HiveError) { words = try CommandLineWords.split(line) } catch { throw fail("\(key): \(error.reason)", key) }
            guard !words.isEmpty else { throw fail("\(key) is empty", key) }
            return line
        }

        try unknown(t.keys, topKeys, nil)
        guard let command = try commandLine("command") else {
            throw Problem(file: file, line: nil, reason: "command is missing: the program to run, and its arguments", agent: name).error
        }
        var d = DefinedAgent.Definition(name: name, file: file, command: command)
        d.resume = try commandLine("resume")
        if let p = try string(t, "prompt") {
            guard let v = DefinedAgent.Definition.Prompt(rawValue: p) else {
                throw fail("prompt is one of \(DefinedAgent.Definition.Prompt.allCases.map(\.rawValue).joined(separator: ", "))", "prompt")
            }
            d.prompt = v
        }
        if let r = try string(t, "reports") {
            guard let v = DefinedAgent.Definition.Reports(rawValue: r) else {
                throw fail("reports is one of \(DefinedAgent.Definition.Reports.allCases.map(\.rawValue).joined(separator: ", "))", "reports")
            }
            d.reports = v
        }
        d.notify = try words(t, "notify") ?? []
        if d.reports == .notify && !d.notify.contains(where: { $0.contains("{notify}") }) {
            throw t["notify"] == nil
                ? fail("reports = \"notify\" needs notify: the arguments that give the agent a command, with {notify} for it", "reports")
                : fail("notify must contain {notify}, where hivefs's command goes", "notify")
        }
        if d.reports != .notify && !d.notify.isEmpty { throw fail("notify is only for reports = \"notify\"", "notify") }
        d.model = try words(t, "model") ?? []
        if !d.model.isEmpty && !d.model.contains(where: { $0.contains("{model}") }) {
            throw fail("model must contain {model}, where the session's model goes", "model")
        }
        if let v = t["screen"] {
            guard let screen = v.table else { throw fail("screen must be a table: [screen]", "screen") }
            try unknown(screen.keys, screenKeys, "screen")
            func pattern(_ key: String) throws(HiveError) -> ScreenPattern? {
                guard let source = try string(screen, key, "screen") else { return nil }
                do { return try ScreenPattern(source) } catch { throw fail("\(key): \(error.reason)", key, "screen") }
            }
            d.working = try pattern("working")
            d.waiting = try pattern("waiting")
            d.idle = try pattern("idle")
        }
        if let v = t["keys"] {
            guard let keys = v.table else { throw fail("keys must be a table: [keys]", "keys") }
            try unknown(keys.keys, keyKeys, "keys")
            func keyList(_ key: String) throws(HiveError) -> [String]? {
                guard let list = try words(keys, key, "keys") else { return nil }
                for k in list where !KeyNames.isValid(k) {
                    throw fail("\(key): '\(Text.printable(k))' is not a key tmux knows (Enter, Escape, C-c, a letter…)", key, "keys")
                }
                return list
            }
            d.interrupt = try keyList("interrupt") ?? d.interrupt
            d.approve = try keyList("approve") ?? []
            d.deny = try keyList("deny") ?? []
        }
        return d
    }

    /// The line (from 1) where `key` is set, in `[table]` when given: for messages
    /// (TOMLKit keeps no positions of its own for keys).
    static func line(of key: String, table: String?, in text: String) -> Int? {
        var current: String?
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let l = raw.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("[") {
                current = String(l.dropFirst().prefix { $0 != "]" }).trimmingCharacters(in: .whitespaces)
                if current == key && table == nil { return i + 1 }
                continue
            }
            guard current == table, l.hasPrefix(key) else { continue }
            let rest = l.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
            if rest.hasPrefix("=") { return i + 1 }
        }
        return nil
    }
}
