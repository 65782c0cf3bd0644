// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hivefs",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hivefs", targets: ["hivefs"]),
        .executable(name: "hivefs-hook", targets: ["hivefs-hook"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
    ],
    targets: [
        // libfuse3, through pkg-config; the shim header fixes the API version.
        .systemLibrary(
            name: "CFuse",
            pkgConfig: "fuse3",
            providers: [.apt(["libfuse3-dev"])]
        ),
        // Linux calls that Glibc's Swift overlay does not expose (pidfd_open).
        .target(name: "CLinux"),
        // The pure core: model, formats, parser, renderers. No FUSE, no processes.
        .target(
            name: "HiveCore",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")]
        ),
        // The effects: state directory, tmux, process trees, the watcher, the daemon model.
        .target(
            name: "HiveRuntime",
            dependencies: [
                "HiveCore", "CLinux",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // The thin FUSE bridge: inodes, handles, low-level callbacks, errno mapping.
        .target(
            name: "HiveFUSE",
            dependencies: [
                "CFuse", "HiveCore", "HiveRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The link between hosts: 9P2000.L serving of the tree (the codec is the core's).
        .target(
            name: "HiveLink",
            dependencies: [
                "HiveCore", "HiveRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // `hivefs web`: the dashboard in a browser, served over HTTP and a WebSocket,
        // reading and writing only the mount's files, woken by the daemon's link.
        .target(
            name: "HiveWeb",
            dependencies: [
                "HiveCore", "HiveLink", "HiveTop",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // `hivefs top`: a dashboard that reads and writes only the mount's files.
        .target(
            name: "HiveTop",
            dependencies: ["HiveCore", "CLinux", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // What agents' hooks run: appends a payload to a session's hooks.log. No
        // Foundation, so that it starts about as fast as a C program.
        .target(name: "HiveHook"),
        .executableTarget(
            name: "hivefs-hook",
            dependencies: ["HiveHook"],
            linkerSettings: [.unsafeFlags(["-static-stdlib"])]
        ),
        // The executable: argument parsing and wiring.
        .executableTarget(
            name: "hivefs",
            dependencies: [
                "HiveCore", "HiveRuntime", "HiveFUSE", "HiveHook", "HiveTop", "HiveLink", "HiveWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // The fuzz tests' seeded generator, shared by the unit and integration tests.
        .target(name: "HiveFuzz", path: "Tests/HiveFuzz"),
        .testTarget(name: "HiveCoreTests", dependencies: ["HiveCore", "HiveHook", "HiveFuzz"]),
        // The dashboard's pure parts: keys, layout, frames.
        .testTarget(name: "HiveTopTests", dependencies: ["HiveTop", "HiveCore"]),
        // The runtime's parts that need files but no mount.
        .testTarget(
            name: "HiveRuntimeTests",
            dependencies: ["HiveRuntime", "HiveCore", .product(name: "Logging", package: "swift-log")]
        ),
        // The link's pure parts: other hosts' objects renamed, offsets kept.
        .testTarget(name: "HiveLinkTests", dependencies: ["HiveLink", "HiveCore"]),
        // The web server's pure parts: the terminal as HTML, tokens, origins, routes.
        .testTarget(name: "HiveWebTests", dependencies: ["HiveWeb", "HiveCore"]),
        // The FUSE bridge's handling of requests, driven with a stub table and recorded
        // replies: no mount, no /dev/fuse.
        .testTarget(
            name: "HiveFUSETests",
            dependencies: ["HiveFUSE", "HiveCore", .product(name: "Logging", package: "swift-log")]
        ),
        // Mounts the real binary (built alongside) in temporary directories.
        .testTarget(
            name: "HiveIntegrationTests",
            dependencies: ["HiveCore", "HiveFuzz"],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
