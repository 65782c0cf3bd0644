import ArgumentParser
import Foundation
import HiveCore

/// `[link]`: the ssh command line and the far side's command every host uses
/// unless its own entry names others.
struct LinkDefaults: Decodable, Equatable, Sendable {
    var ssh: String?
    var command: String?
}

/// One of `[hosts]`: `NAME = "ssh destination"`, or a table with `destination`,
/// `ssh` (the ssh command line, default `ssh`) and `command` (what runs on the far
/// side, default `hivefs serve --stdio`). The user's own ssh config, keys, agent
/// and ControlMaster apply: hivefs only runs ssh.
struct HostEntry: Decodable, Equatable {
    var destination: String
    var ssh: String?
    var command: String?

    enum CodingKeys: String, CodingKey { case destination, ssh, command }

    init(destination: String, ssh: String? = nil, command: String? = nil) {
        self.destination = destination
        self.ssh = ssh
        self.command = command
    }

    init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let d = try? single.decode(String.self) {
            self.init(destination: d)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(destination: try c.decode(String.self, forKey: .destination),
                  ssh: try c.decodeIfPresent(String.self, forKey: .ssh),
                  command: try c.decodeIfPresent(String.self, forKey: .command))
    }

    /// What runs on the far side when none is named.
    static let defaultCommand = "hivefs serve --stdio"

    /// The command line of the link: ssh, in batch mode (a password prompt would
    /// hang it), with no terminal, to the destination, running `command`.
    func argv(_ defaults: LinkDefaults? = nil) throws -> [String] {
        do throws(HiveError) {
            try HostName.validateDestination(destination)
        } catch {
            throw ValidationError("[hosts] destination: \(error.reason)")
        }
        let ssh = self.ssh ?? defaults?.ssh
        let command = self.command ?? defaults?.command
        let sshWords: [String]
        do {
            sshWords = try CommandLineWords.split(ssh ?? "ssh")
        } catch {
            throw ValidationError("ssh = \"\(ssh ?? "")\": \(error)")
        }
        return sshWords + ["-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "ServerAliveInterval=5",
                           "-o", "ServerAliveCountMax=2", destination, "--", command ?? HostEntry.defaultCommand]
    }
}
