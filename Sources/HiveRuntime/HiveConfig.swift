import Foundation
import HiveCore

/// Everything the daemon can be told; every key has a default (DESIGN.md §7).
public struct HiveConfig: Sendable {
    /// Where the tree is mounted.
    public var mountpoint: String
    /// The state directory, the durable record.
    public var stateDir: String
    /// The name of hivefs's private tmux server (`tmux -L NAME`).
    public var socket: String = "hive"
    /// Terminal quiet for this long turns a session from `working` to `idle`.
    public var quietAfterMS: Int = 3000
    /// How long `kill` waits after TERM before it sends KILL.
    public var killGraceMS: Int = 5000
    /// The pause between typing `send` text and pressing Enter.
    public var sendEnterDelayMS: Int = 150
    /// The mounting user's home, for `~` and the default `dir`.
    public var home: String
    /// This program, which tmux runs as the launcher of each agent.
    public var executable: String
    /// What agents' hooks run: `hivefs-hook` beside this program, else `hivefs hook`.
    public var hookCommand: [String]
    /// Claude Code's config folder (`$CLAUDE_CONFIG_DIR`, else `~/.claude`), where its transcripts are.
    public var claudeConfigDir: String
    /// What tokens cost, for `cost.usd`: the standard table and the config's `[prices]`.
    public var prices: PriceTable = .standard
    /// Seconds idle or waiting after which a session that set no `idle-timeout` is
    /// ended; nil for never.
    public var idleTimeout: Int64?
    /// Start again, at mount, the sessions whose agents were lost while hivefs was down.
    public var restore = false
    /// What a spent budget does: pause the session (the default) or kill it.
    public var budgetKills = false
    /// Commands run on state changes (`[on]` in the config): by new state, or `any`.
    public var onCommands: [String: String] = [:]
    /// How long an `[on]` command may run before it is killed.
    public var onTimeoutMS = 30_000
    /// Where the agents the user defines are (`agents/NAME.toml` beside the config file).
    public var agentsDir: String
    /// Where sessions' worktrees are made: `WORKTREES/REPO/NAME`.
    public var worktreesDir: String
    /// How long a read of `git` waits for a refresh before it is served what is known.
    public var gitWaitMS = 150
    /// A read of `git` older than this asks git again.
    public var gitFreshMS = 1000
    /// A read of the root `status.json` older than this asks git again, for changes
    /// no report marked (a file edited by hand).
    public var gitStatusFreshMS: Int64 = 60_000
    /// After a read, changes refresh `git` at once for this long; after that, only reads do.
    public var gitReaderMS: Int64 = 60_000
    /// `auto`: sessions get cgroups where hivefs can make them (`Cgroups`); `off`: never.
    public var cgroups = "auto"
    /// The sandbox of sessions that name none: `none` or `bwrap`.
    public var sandbox = "none"
    /// The bubblewrap program; nil: `bwrap` on PATH.
    public var bwrap: String?

    public init(mountpoint: String, stateDir: String, home: String = Sys.home, executable: String = Sys.executablePath) {
        self.mountpoint = mountpoint
        self.stateDir = stateDir
        self.home = home
        self.executable = executable
        self.worktreesDir = stateDir + "/worktrees"
        let configFile = HiveConfig.defaultConfigFile(home: home)
        self.agentsDir = Sys.folder(of: configFile) + "/agents"
        let beside = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)]) + "/hivefs-hook"
        self.hookCommand = access(beside, X_OK) == 0 ? [beside] : [executable, "hook"]
        if let c = ProcessInfo.processInfo.environment["CLAUDE_CONFIG_DIR"], c.hasPrefix("/") {
            claudeConfigDir = c
        } else {
            claudeConfigDir = home + "/.claude"
        }
    }

    /// `$XDG_STATE_HOME/hivefs`, or `~/.local/state/hivefs`.
    public static func defaultStateDir(home: String = Sys.home) -> String {
        if let x = ProcessInfo.processInfo.environment["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/hivefs" }
        return home + "/.local/state/hivefs"
    }

    /// `$XDG_CONFIG_HOME/hivefs/config.toml`, or `~/.config/hivefs/config.toml`.
    public static func defaultConfigFile(home: String = Sys.home) -> String {
        if let x = ProcessInfo.processInfo.environment["XDG_CONFIG_HOME"], x.hasPrefix("/") { return x + "/hivefs/config.toml" }
        return home + "/.config/hivefs/config.toml"
    }

    /// `~/hive`.
    public static func defaultMountpoint(home: String = Sys.home) -> String { home + "/hive" }
}
