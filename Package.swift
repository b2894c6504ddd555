// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swiftpm2",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftpm2d", targets: ["swiftpm2d"]),
        .executable(name: "swiftpm2", targets: ["swiftpm2"]),
        .library(name: "SwiftPM2Worker", targets: ["SwiftPM2Worker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C shims: only what Swift cannot do (fork/exec with a post-fork setup; libsystemd).
        .target(name: "CSpawn"),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // Pure model: ecosystem files, policies, API types. No sockets, no processes.
        .target(name: "SwiftPM2Core", dependencies: ["CYAML"]),

        .target(
            name: "SwiftPM2Daemon",
            dependencies: [
                "SwiftPM2Core", "CSpawn", "CSystemd",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .target(
            name: "SwiftPM2Client",
            dependencies: [
                "SwiftPM2Core", "CSpawn",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(name: "SwiftPM2Worker"),

        .executableTarget(
            name: "swiftpm2d",
            dependencies: ["SwiftPM2Daemon", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "swiftpm2",
            dependencies: [
                "SwiftPM2Client", "SwiftPM2Core",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Example apps managed by the demo and the end-to-end tests.
        .executableTarget(
            name: "example-server",
            dependencies: [
                "SwiftPM2Worker",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "ecosystem-examples/Sources/example-server"
        ),
        .executableTarget(name: "example-crasher", path: "ecosystem-examples/Sources/example-crasher"),
        .executableTarget(name: "example-exit-now", path: "ecosystem-examples/Sources/example-exit-now"),
        .executableTarget(name: "example-messenger", dependencies: ["SwiftPM2Worker"], path: "ecosystem-examples/Sources/example-messenger"),

        .testTarget(name: "SwiftPM2CoreTests", dependencies: ["SwiftPM2Core"]),
        .testTarget(name: "SwiftPM2DaemonTests", dependencies: ["SwiftPM2Daemon"]),
        .testTarget(name: "SwiftPM2ClientTests", dependencies: ["SwiftPM2Client"]),
        .testTarget(name: "EndToEndTests", dependencies: ["SwiftPM2Client", "SwiftPM2Core", "CSpawn"]),
    ],
    swiftLanguageModes: [.v6]
)
