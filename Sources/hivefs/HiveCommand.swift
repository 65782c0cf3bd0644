import ArgumentParser

/// The `hivefs` command: mount the tree, and a few conveniences for people who
/// prefer commands to files.
@main
struct HiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hivefs",
        abstract: "AI coding-agent sessions as files: each session a directory, each control a write.",
        discussion: "Mount with `hivefs mount`, then use cat, echo, mkdir, rmdir and tail -f on the tree. See hivefs(1) and hivefs(5).",
        version: "0.1.0",
        subcommands: [MountCommand.self, UnmountCommand.self, NewCommand.self, StatusCommand.self,
                      TopCommand.self, WebCommand.self, AttachCommand.self, ServeCommand.self, LaunchCommand.self, HookCommand.self]
    )
}
