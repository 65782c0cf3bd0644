import ArgumentParser
import Foundation
import HiveCore
import HiveRuntime
import TOMLKit

/// The optional config file (`$XDG_CONFIG_HOME/hivefs/config.toml`); every key
/// has a default and a command-line flag, and flags win.
struct ConfigFile: Decodable {
    var mountpoint: String?
    var state: String?
    var socket: String?
    var worktrees: String?
    var idleTimeout: String?
    var budgetAction: String?
    var restore: Bool?
    var quietAfter: Double?
    var killGrace: Double?
    /// `[prices."MODEL-PREFIX"]` tables: dollars per million tokens.
    var prices: [String: PriceEntry] = [:]
    /// `[on]`: a shell command line per state change (`waiting`, `idle`, … `any`).
    var on: [String: String] = [:]
    /// Seconds an `[on]` command may run before it is killed.
    var onTimeout: Double?
    /// `[hosts]`: other machines, by the name they have here.
    var hosts: [String: HostEntry] = [:]
    /// `[link]`: how every host is reached unless its entry says otherwise.
    var link: LinkDefaults?
    /// The port `hivefs web` listens on, on loopback, when `--listen` is not given.
    var webPort: Int?
    /// `auto` (cgroups where hivefs can make them) or `off`.
    var cgroups: String?
    /// The sandbox of sessions that name none: `none` or `bwrap`.
    var sandbox: String?
    /// The bubblewrap program, when not `bwrap` on PATH.
    var bwrap: String?

    /// The keys the file may hold, at its top and in its tables.
    static let topKeys: Set<String> = ["mountpoint", "state", "socket", "worktrees", "idle-timeout", "quiet-after",
                                       "kill-grace", "prices", "on", "on-timeout", "budget-action", "restore", "hosts", "link", "web-port",
                                       "cgroups", "sandbox", "bwrap"]
    static let onKeys: Set<String> = ["waiting", "idle", "exited", "killed", "failed", "any"]
    static let priceKeys: Set<String> = ["input", "output", "cache_read", "cache_write", "cache_write_1h"]
    static let hostKeys: Set<String> = ["destination", "ssh", "command"]
    static let linkKeys: Set<String> = ["ssh", "command"]

    init() {}

    /// One `[prices."…"]` table; the cache prices default to Anthropic's ratios.
    struct PriceEntry: Decodable {
        var input: Double
        var output: Double
        var cacheRead: Double?
        var cacheWrite: Double?
        var cacheWrite1h: Double?

        enum CodingKeys: String, CodingKey {
            case input, output
            case cacheRead = "cache_read"
            case cacheWrite = "cache_write"
            case cacheWrite1h = "cache_write_1h"
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func dollars(_ k: CodingKeys) throws -> Double? {
                let v: Double?
                if let i = try? c.decodeIfPresent(Int.self, forKey: k) { v = Double(i) } else {
                    v = try c.decodeIfPresent(Double.self, forKey: k)
                }
                if let v, !(v >= 0 && v.isFinite) {
                    throw DecodingError.dataCorruptedError(forKey: k, in: c, debugDescription: "a price is a number of dollars, 0 or more")
                }
                return v
            }
            guard let i = try dollars(.input), let o = try dollars(.output) else {
                throw DecodingError.keyNotFound(CodingKeys.input, .init(codingPath: c.codingPath, debugDescription: "a price needs input and output"))
            }
            input = i; output = o
            cacheRead = try dollars(.cacheRead)
            cacheWrite = try dollars(.cacheWrite)
            cacheWrite1h = try dollars(.cacheWrite1h)
        }

        var price: Price {
            let base = Price(input: input, output: output)
            return Price(input: input, output: output, cacheRead: cacheRead ?? base.cacheRead,
                         cacheWrite: cacheWrite ?? base.cacheWrite, cacheWrite1h: cacheWrite1h ?? base.cacheWrite1h)
        }
    }

    /// Seconds may be written as integers (`3`) or decimals (`0.5`).
    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mountpoint = try c.decodeIfPresent(String.self, forKey: .mountpoint)
        state = try c.decodeIfPresent(String.self, forKey: .state)
        socket = try c.decodeIfPresent(String.self, forKey: .socket)
        worktrees = try c.decodeIfPresent(String.self, forKey: .worktrees)
        idleTimeout = try c.decodeIfPresent(String.self, forKey: .idleTimeout)
        budgetAction = try c.decodeIfPresent(String.self, forKey: .budgetAction)
        restore = try c.decodeIfPresent(Bool.self, forKey: .restore)
        func seconds(_ k: CodingKeys) throws -> Double? {
            if let i = try? c.decodeIfPresent(Int.self, forKey: k) { return Double(i) }
            return try c.decodeIfPresent(Double.self, forKey: k)
        }
        quietAfter = try seconds(.quietAfter)
        killGrace = try seconds(.killGrace)
        prices = try c.decodeIfPresent([String: PriceEntry].self, forKey: .prices) ?? [:]
        on = try c.decodeIfPresent([String: String].self, forKey: .on) ?? [:]
        onTimeout = try seconds(.onTimeout)
        hosts = try c.decodeIfPresent([String: HostEntry].self, forKey: .hosts) ?? [:]
        link = try c.decodeIfPresent(LinkDefaults.self, forKey: .link)
        webPort = try c.decodeIfPresent(Int.self, forKey: .webPort)
        cgroups = try c.decodeIfPresent(String.self, forKey: .cgroups)
        sandbox = try c.decodeIfPresent(String.self, forKey: .sandbox)
        bwrap = try c.decodeIfPresent(String.self, forKey: .bwrap)
    }

    enum CodingKeys: String, CodingKey {
        case mountpoint, state, socket, worktrees
        case quietAfter = "quiet-after"
        case killGrace = "kill-grace"
        case idleTimeout = "idle-timeout"
        case budgetAction = "budget-action"
        case restore
        case prices, on
        case onTimeout = "on-timeout"
        case hosts, link
        case webPort = "web-port"
        case cgroups, sandbox, bwrap
    }

    /// Reads the file if it exists; a file that exists but cannot be parsed is an error.
    static func load(_ path: String) throws -> ConfigFile {
        guard FileManager.default.fileExists(atPath: path) else { return ConfigFile() }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        do {
            // A key hivefs does not know is a mistake to show, not to ignore.
            let table = try TOMLTable(string: text)
            try unknown(table.keys, allowed: topKeys, in: "")
            if let on = table["on"]?.table { try unknown(on.keys, allowed: onKeys, in: "[on]") }
            if let l = table["link"]?.table { try unknown(l.keys, allowed: linkKeys, in: "[link]") }
            for name in table["hosts"]?.table?.keys ?? [] {
                if let h = table["hosts"]?.table?[name]?.table { try unknown(h.keys, allowed: hostKeys, in: "[hosts.\(name)]") }
            }
            for model in table["prices"]?.table?.keys ?? [] {
                if let p = table["prices"]?.table?[model]?.table { try unknown(p.keys, allowed: priceKeys, in: "[prices.\"\(model)\"]") }
            }
            return try TOMLDecoder().decode(ConfigFile.self, from: text)
        } catch let e as ValidationError {
            throw ValidationError("\(path): \(e.message)")
        } catch {
            throw ValidationError("\(path): \(error)")
        }
    }

    static func unknown(_ keys: [String], allowed: Set<String>, in table: String) throws {
        if let k = keys.sorted().first(where: { !allowed.contains($0) }) {
            throw ValidationError("unknown key '\(k)'\(table.isEmpty ? "" : " in " + table); known: \(allowed.sorted().joined(separator: ", "))")
        }
    }
}

/// Options every command that talks to a mount shares.
struct Location: ParsableArguments {
    @Option(name: .long, help: "The config file.", completion: .file(extensions: ["toml"]))
    var config: String = HiveConfig.defaultConfigFile()

    /// The mount point: the argument, else the config file's, else ~/hive.
    func mountpoint(_ given: String?) throws -> String {
        if let given { return absolute(given) }
        let file = try ConfigFile.load(config)
        return absolute(expand(file.mountpoint ?? HiveConfig.defaultMountpoint()))
    }
}

func expand(_ path: String) -> String {
    if path == "~" { return Sys.home }
    if path.hasPrefix("~/") { return Sys.home + path.dropFirst(1) }
    return path
}

func absolute(_ path: String) -> String {
    let p = expand(path)
    if p.hasPrefix("/") { return p }
    return FileManager.default.currentDirectoryPath + "/" + p
}

/// Prints to stderr.
func warn(_ s: String) {
    FileHandle.standardError.write(Data(("hivefs: " + s + "\n").utf8))
}
