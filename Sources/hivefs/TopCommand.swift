import ArgumentParser
import Foundation
import HiveCore
import HiveTop

struct TopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "A live dashboard of every session; keys attach to, send to, pause, resume, interrupt, kill, remove and create them.",
        discussion: "It reads and writes only the mount's files (status.json, NAME/events, NAME/screen, control, rmdir), as a script would. Press ? inside it for the keys."
    )

    @Option(name: .long, help: "The mount point (default ~/hive).", completion: .directory) var mount: String?
    @Option(name: .long, help: "Seconds between full reads of the mount (it also reads as soon as an event arrives).")
    var interval: Double = 1
    @Flag(name: .long, help: "Print one frame as plain text and exit (no terminal needed).") var once = false
    @Option(name: .long, help: "With --once: the frame's width and height (default: the terminal's, else 120x40).")
    var size: String?
    @OptionGroup var location: Location

    func validate() throws {
        guard interval >= 0.1, interval <= 3600 else { throw ValidationError("--interval is between 0.1 and 3600 seconds") }
        if size != nil, !once { throw ValidationError("--size goes with --once") }
    }

    func run() throws {
        let mp = try location.mountpoint(mount)
        if once {
            let (w, h) = try frameSize()
            do throws(HiveError) {
                print(try TopApp.once(mount: mp, width: w, height: h), terminator: "")
            } catch {
                warn("cannot read \(mp): \(error.errnoName) \(error.reason) (is hivefs mounted?)")
                throw ExitCode(64)
            }
            return
        }
        do throws(HiveError) {
            let app = try TopApp(mount: mp, defaultDir: FileManager.default.currentDirectoryPath,
                                 interval: Int64(interval * 1000))
            try app.run()
        } catch {
            warn("\(error.errnoName) \(error.reason)")
            throw ExitCode(64)
        }
    }

    func frameSize() throws -> (Int, Int) {
        if let size {
            let parts = size.split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2, parts[0] >= 20, parts[1] >= 5, parts[0] <= 1000, parts[1] <= 1000 else {
                throw ValidationError("--size is WIDTHxHEIGHT, at least 20x5 (120x40)")
            }
            return (parts[0], parts[1])
        }
        let env = ProcessInfo.processInfo.environment
        return (env["COLUMNS"].flatMap { Int($0) } ?? 120, env["LINES"].flatMap { Int($0) } ?? 40)
    }
}
