// swift-tools-version:6.2
// The hub: a federated referral hub for Dutch municipalities' relationship and
// divorce support desks. Dependencies read one way:
// COpenSSL → HubProtocol → HubNode → executables (hub-node, hubctl).
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "hub",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "HubProtocol", targets: ["HubProtocol"]),
        .executable(name: "hub-node", targets: ["hub-node"]),
        .executable(name: "hubctl", targets: ["hubctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "HubProtocol",
            dependencies: ["COpenSSL"],
            swiftSettings: strict
        ),
        .target(
            name: "HubNode",
            dependencies: [
                "HubProtocol",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "hub-node",
            dependencies: [
                "HubNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "hubctl",
            dependencies: [
                "HubProtocol",
                "HubNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HubProtocolTests",
            dependencies: ["HubProtocol"],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HubNodeTests",
            dependencies: ["HubNode", "HubProtocol"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["HubProtocol"],
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
    ]
)
