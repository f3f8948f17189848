// swift-tools-version:6.1
import PackageDescription

/// Strict settings shared by every target (STYLE.md §2.6).
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tidemark",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tidemark", targets: ["TidemarkCLI"]),
        .executable(name: "tidemark-bench", targets: ["TidemarkBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // No swift-configuration or full-Foundation extras: fewer packages to build in CI.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .target(
            name: "TidemarkCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkRepository",
            dependencies: [
                "TidemarkCore", "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkStorage",
            dependencies: [
                "TidemarkCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkEngines",
            dependencies: [
                "TidemarkCore", "CSQLite",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkCatalog",
            dependencies: [
                "TidemarkCore", "CSQLite",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkControl",
            dependencies: [
                "TidemarkCore", "TidemarkRepository",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkServer",
            dependencies: [
                "TidemarkCore", "TidemarkControl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.copy("Dashboard/Templates"), .copy("Dashboard/Assets")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkEnvironment",
            dependencies: [
                "TidemarkCore", "TidemarkStorage", "TidemarkEngines", "TidemarkCatalog", "TidemarkControl", "TidemarkServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TidemarkCLI",
            dependencies: [
                "TidemarkCore", "TidemarkStorage", "TidemarkEngines",
                "TidemarkCatalog", "TidemarkControl", "TidemarkServer", "TidemarkEnvironment", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "TidemarkBench",
            dependencies: [
                "TidemarkCore", "TidemarkStorage", "TidemarkCatalog", "TidemarkControl", "TidemarkEnvironment",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TidemarkTesting",
            dependencies: [
                "TidemarkCore", "TidemarkEngines", "TidemarkStorage",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkCoreTests",
            dependencies: ["TidemarkCore", "TidemarkTesting"],
            // Read through #filePath, so they are not bundled resources.
            exclude: ["Retention/Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkControlTests",
            dependencies: [
                "TidemarkControl", "TidemarkCore", "TidemarkCatalog", "TidemarkStorage", "TidemarkTesting", "TidemarkEnvironment",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkRepositoryTests",
            dependencies: [
                "TidemarkRepository", "TidemarkStorage", "TidemarkTesting",
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkStorageTests",
            dependencies: ["TidemarkStorage", "TidemarkTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkEnginesTests",
            dependencies: ["TidemarkEngines", "TidemarkTesting", "CSQLite"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkCatalogTests",
            dependencies: ["TidemarkCatalog", "TidemarkTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkServerTests",
            dependencies: [
                "TidemarkServer", "TidemarkControl", "TidemarkCore", "TidemarkCLI", "TidemarkStorage", "TidemarkEngines", "TidemarkTesting", "TidemarkEnvironment",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TidemarkCLITests",
            dependencies: [
                "TidemarkCLI", "TidemarkTesting", "TidemarkCore", "CZstd", "TidemarkEnvironment",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
