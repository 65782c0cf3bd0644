import ArgumentParser
import Foundation
import HiveLink
import HiveRuntime
import SystemPackage

/// `hivefs serve --stdio`: this host's tree for another host's daemon, which runs
/// this command over ssh. It relays its stdin and stdout to the daemon's link
/// socket, byte for byte: the daemon itself serves the tree (9P2000.L, hivefs(5)
/// LINK), so what the other host sees is what the local mount shows.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve this host's tree on stdin and stdout, for another host's hivefs (run over ssh).",
        discussion: "Speaks 9P2000.L with the daemon of the state directory; the daemon must be running (hivefs mount)."
    )

    @Flag(name: .long, help: "Serve on stdin and stdout (the only way offered).")
    var stdio = false

    @Option(name: .long, help: "The state directory (default $XDG_STATE_HOME/hivefs).", completion: .directory)
    var state: String?

    @OptionGroup var location: Location

    func validate() throws {
        guard stdio else { throw ValidationError("say --stdio: the tree is served on stdin and stdout only") }
    }

    func run() throws {
        let file = try ConfigFile.load(location.config)
        let stateDir = absolute(state ?? file.state ?? HiveConfig.defaultStateDir())
        let path = LinkListener.socketPath(stateDir: stateDir)
        let socket: FileDescriptor
        do {
            socket = try Sys.connectUnix(path)
        } catch .noSuchFileOrDirectory, .connectionRefused {
            warn("no hivefs daemon is running for \(stateDir) on this host (start it with hivefs mount)")
            throw ExitCode(3)
        } catch {
            warn("cannot reach the daemon at \(path): \(error)")
            throw ExitCode(3)
        }
        // stdin to the daemon on a thread of its own; the daemon's answers to stdout here.
        let input = Thread {
            while let chunk = try? Sys.readSome(FileDescriptor.standardInput), !chunk.isEmpty {
                guard (try? Sys.writeAll(socket, chunk)) != nil else { break }
            }
            shutdown(socket.rawValue, Int32(SHUT_WR))
        }
        input.start()
        while let chunk = try? Sys.readSome(socket), !chunk.isEmpty {
            guard (try? Sys.writeAll(FileDescriptor.standardOutput, chunk)) != nil else { break }
        }
        try? socket.close()
    }
}
