// swift-tools-version:6.0
import PackageDescription

// Coverage-guided fuzzing (libFuzzer) of the ecosystem parser and the control API's request
// decoding. A package of its own so that the main Package.swift does not change; build and run
// with `./run.sh` (or `make soak`). The main package exports no library with SwiftPM2Core or
// SwiftPM2Daemon, so a `.package(path: "../")` dependency could not reach them: the targets
// below are symbolic links to the main package's source folders (Sources/… → ../../Sources/…),
// compiled again here with the fuzzer's instrumentation. Keep the dependencies in step with
// the main Package.swift's SwiftPM2Daemon target.
let package = Package(
    name: "swiftpm2-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(name: "CSpawn"),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
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
            ],
            // The request harness calls the router's internal decoding (`@testable import`).
            swiftSettings: [.unsafeFlags(["-enable-testing"])]
        ),
        // libFuzzer brings `main`: the harnesses are libraries of one `@_cdecl` function each,
        // compiled as such (-parse-as-library).
        .executableTarget(
            name: "FuzzEcosystem", dependencies: ["SwiftPM2Core"],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "FuzzRequest",
            dependencies: [
                "SwiftPM2Daemon", "SwiftPM2Core",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library", "-enable-testing"])]
        ),
    ],
    swiftLanguageModes: [.v6]
)
