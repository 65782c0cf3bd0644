import Foundation
import HiveCore

/// The `summary` and `summary.json` of an ended run.
final class Summaries: Sendable {
    let parts: Parts
    let gitView: GitView

    init(_ parts: Parts, gitView: GitView) {
        self.parts = parts
        self.gitView = gitView
    }

    /// Writes `summary` and `summary.json` once a session has ended, by whatever path
    /// (exit, kill, a policy, lost, failed to start). Runs on the session's ingest
    /// queue, after its last reports and transcript lines were read.
    func write(_ s: LiveSession) {
        let (r, ledger) = s.with { ($0.machine.record, $0.machine.countsTokens ? $0.machine.ledger : nil) }
        var commits: [(hash: String, subject: String)]?
        var diff: GitDiffStat?
        var branch: String?
        if r.repo != nil, let base = r.base {
            let folder = gitView.folder(r)
            let git = gitView.git
            // Without a worktree the record names no branch: the one checked out now, as `status` shows it.
            if r.branch == nil, Sys.stat(folder) != nil { branch = git.branch(folder) }
            if Sys.stat(folder) != nil, let head = git.head(folder) {
                commits = git.commits(folder, from: base, to: head)?.map { (hash: $0.0, subject: $0.1) }
                let d = git.run(folder, ["diff", "--shortstat", base, "--"])
                diff = d.ok ? GitDiffStat.parse(d.stdout) : nil
            }
        }
        var summary = SessionSummary(record: r, ledger: ledger, prices: parts.config.prices, commits: commits, diff: diff)
        summary.branch = branch
        do {
            try Sys.writeFileAtomically(parts.store.sessionDir(r.name) + "/summary", Array(summary.text.utf8), mode: 0o600)
            try Sys.writeFileAtomically(parts.store.sessionDir(r.name) + "/summary.json", Array(summary.json.utf8), mode: 0o600)
        } catch {
            parts.log.error("\(r.name): cannot write its summary: \(error)")
        }
        // What a mount keeps of an earlier run's summary is dropped.
        parts.machines.changed(r.name)
    }
}
