#if canImport(Glibc)
import Glibc
#endif
import HiveHook

// hivefs-hook LOG: what an agent's hooks run. Appends the payload on stdin to LOG
// and exits 0, always, printing nothing on stdout (see HookWriter).
let args = CommandLine.arguments
if args.count == 2 {
    if let why = HookWriter.run(path: args[1]) {
        HookWriter.complain("hivefs-hook: " + why)
    }
} else {
    HookWriter.complain("usage: hivefs-hook LOG   (appends the hook payload on stdin to LOG; run by agents' hooks)")
}
exit(0)
