#if canImport(Glibc)
import Glibc
#endif
import HiveHook

// hivefs-hook LOG [PAYLOAD]: what an agent's hooks run. Appends the payload (the
// argument, else stdin) to LOG and exits 0, always, printing nothing on stdout
// (see HookWriter).
//
// hivefs-hook --status FILE LOG [COMMAND]: what Claude Code's status line runs. Keeps
// the snapshot it gives in FILE, tells LOG, and runs the user's own status-line
// COMMAND, if any, whose output is the status line (see HookWriter.runStatus).
let args = CommandLine.arguments
if args.count >= 4 && args.count <= 5 && args[1] == "--status" {
    if let why = HookWriter.runStatus(file: args[2], log: args[3], then: args.count == 5 ? args[4] : nil) {
        HookWriter.complain("hivefs-hook: " + why)
    }
} else if args.count == 2 || args.count == 3 {
    if let why = HookWriter.run(path: args[1], argument: args.count == 3 ? args[2] : nil) {
        HookWriter.complain("hivefs-hook: " + why)
    }
} else {
    HookWriter.complain("usage: hivefs-hook LOG [PAYLOAD]   (appends the payload, else stdin, to LOG; run by agents' hooks)\n"
                        + "       hivefs-hook --status FILE LOG [COMMAND]   (Claude Code's status line)")
}
exit(0)
