// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Ferry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // System libraries (Debian: liblua5.4-dev, libcurl4-openssl-dev, libsqlite3-dev).
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // What must be C: the JSON <-> Lua bridge and sandbox (no longjmp crosses Swift frames),
        // and wrappers for libcurl's variadic setopt.
        .target(name: "CFerryLua", dependencies: ["CLua"]),
        .target(name: "CFerryCurl", dependencies: ["CCurl"]),

        // Swift libraries by concern.
        // The C libraries only for FerryVersion (their run-time versions).
        .target(name: "FerryCore", dependencies: ["CLua", "CCurl", "CSQLite"]),
        .target(name: "FerryStore", dependencies: ["CSQLite", "FerryCore"]),
        .target(name: "FerryScripting", dependencies: ["CFerryLua", "CLua", "FerryCore"]),
        .target(name: "FerryCluster", dependencies: [
            "CFerryCurl", "FerryCore", .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "FerryRecipes", dependencies: [
            "FerryCore", "FerryScripting", "FerryStore", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The copy pipeline: reader → transform workers → bulk writers, bounded queues, the ledger.
        .target(name: "FerryPipeline", dependencies: [
            "FerryCore", "FerryCluster", "FerryRecipes", "FerryScripting",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The journal (SQLite): runs, phases, slices, dead letters, skipped documents.
        .target(name: "FerryJournal", dependencies: ["FerryCore", "FerryStore", "FerryPipeline"]),
        // `ferry verify` and the check before the switch: documents, counts, mapping, canaries.
        .target(name: "FerryVerify", dependencies: [
            "FerryCore", "FerryCluster", "FerryRecipes", "FerryScripting", "FerryJournal", "FerryPipeline",
        ]),
        // The run loop, the strategies (one per mode), the copy-pass service, operator operations.
        .target(name: "FerryMigration", dependencies: [
            "FerryCore", "FerryCluster", "FerryRecipes", "FerryScripting", "FerryStore",
            "FerryPipeline", "FerryJournal", "FerryVerify",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "FerryAuthoring", dependencies: [
            "FerryCore", "FerryCluster", "FerryRecipes", "FerryScripting",
        ]),
        .executableTarget(name: "ferry", dependencies: [
            "FerryMigration", "FerryJournal", "FerryVerify", "FerryPipeline", "FerryAuthoring", "FerryRecipes", "FerryCluster", "FerryCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Starts a real osmem-server process for integration tests.
        .target(name: "FerryTestSupport", dependencies: ["FerryCore", "FerryCluster", "FerryRecipes"]),

        .testTarget(name: "FerryCoreTests", dependencies: ["FerryCore"]),
        .testTarget(name: "FerryScriptingTests", dependencies: ["FerryScripting", "FerryCore", "CFerryLua"]),
        .testTarget(name: "FerryClusterTests", dependencies: ["FerryCluster", "FerryTestSupport", "FerryCore"]),
        .testTarget(name: "FerryRecipesTests", dependencies: ["FerryRecipes", "FerryScripting", "FerryStore", "FerryTestSupport"]),
        .testTarget(name: "FerryAuthoringTests", dependencies: [
            "FerryAuthoring", "FerryRecipes", "FerryCluster", "FerryTestSupport", "FerryMigration", "FerryJournal", "FerryVerify",
        ]),
        .testTarget(name: "FerryPipelineTests", dependencies: ["FerryPipeline", "FerryRecipes", "FerryCluster", "FerryTestSupport"]),
        .testTarget(name: "FerryMigrationTests", dependencies: [
            "FerryMigration", "FerryJournal", "FerryVerify", "FerryPipeline", "FerryRecipes", "FerryCluster", "FerryTestSupport",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
