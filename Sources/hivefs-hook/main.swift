#if canImport(Glibc)
import Glibc
#endif
import HiveHook

// hivefs-hook LOG [PAYLOAD]: what an agent's hooks run. Appends the payload (the
// argument, else stdin) to LOG and exits 0, always, printing nothing on stdout
// (see HookWriter).
let args = CommandLine.arguments
if args.count == 2 || args.count == 3 {
    if let why = HookWriter.run(path: args[1], argument: args.count == 3 ? args[2] : nil) {
        HookWriter.complain("hivefs-hook: " + why)
    }
} else {
    HookWriter.complain("usage: hivefs-hook LOG [PAYLOAD]   (appends the payload, else stdin, to LOG; run by agents' hooks)")
}
exit(0)
