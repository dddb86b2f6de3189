// swift-tools-version:6.1
import PackageDescription

// Contexts depend only in the direction DESIGN §2 sets:
// Core ← Persistence ← Ledger ← {Games, Payments, Bonuses} ← App; Games and Payments also ask
// Identity (player status, step-up codes), and Payments asks Compliance, which reads Ledger and
// Identity through their APIs.
let package = Package(
    name: "croupier",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "croupier", targets: ["croupier"]),
        // The simulation and the benchmarks, whose workload code stays out of `croupier`.
        .executable(name: "croupier-bench", targets: ["croupier-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP/HTTP only: the default traits would also build the gRPC exporter and its stack.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .target(
            name: "Core",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Persistence",
            dependencies: [
                "Core",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "Core", "Persistence",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Compliance",
            dependencies: [
                "Core", "Persistence", "Ledger", "Identity",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Identity",
            dependencies: [
                "Core", "Persistence",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Games",
            dependencies: [
                "Core", "Persistence", "Ledger", "Identity", "Compliance",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Payments",
            dependencies: [
                "Core", "Persistence", "Ledger", "Identity", "Compliance",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Bonuses",
            dependencies: [
                "Core", "Persistence", "Ledger",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Migrations")]
        ),
        .target(
            name: "Events",
            dependencies: [
                "Core", "Persistence",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "Reporting",
            dependencies: [
                "Core", "Persistence", "Events",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // ClickHouse's migrations, and PostgreSQL's (saved reports, schedules).
            resources: [.copy("Migrations"), .copy("PostgresMigrations")]
        ),
        // Every context's migrations in one global order: the one list of contexts with a schema.
        .target(
            name: "Schema", dependencies: ["Persistence", "Ledger", "Identity", "Games", "Payments", "Compliance", "Bonuses", "Reporting"]),
        // The REST contract (openapi.yaml); the build plugin generates its types and server
        // protocol into the build directory, never into the source tree.
        .target(
            name: "AppAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            resources: [.copy("openapi.yaml")],
            // The generated code declares its imports' access; this makes the rest agree.
            swiftSettings: [.enableUpcomingFeature("InternalImportsByDefault")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .target(
            name: "App",
            dependencies: [
                "Core", "Persistence", "Ledger", "Identity", "Games", "Payments", "Compliance",
                "Bonuses", "Events", "Reporting", "Schema", "AppAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            resources: [.copy("Resources")]
        ),
        .target(
            name: "CommandSupport",
            dependencies: [
                "App", "Core", "Persistence", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "croupier",
            dependencies: [
                "App", "Bonuses", "CommandSupport", "Core", "Games", "Identity", "Ledger", "Persistence", "Reporting", "Schema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Simulation and benchmark workloads, each beside the context it exercises.
        .target(name: "LedgerTesting", dependencies: ["Core", "Ledger", "Persistence", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "IdentityTesting", dependencies: ["Persistence", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "GamesTesting",
            dependencies: [
                "Core", "Games", "IdentityTesting", "Ledger", "LedgerTesting", "Persistence",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "croupier-bench",
            dependencies: [
                "App", "CommandSupport", "Compliance", "Core", "Events", "Games", "GamesTesting", "Ledger", "LedgerTesting", "Persistence",
                "Reporting", "Schema",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CoreTests", dependencies: ["Core"]),
        .testTarget(
            name: "PersistenceTests",
            dependencies: [
                "Persistence", "Schema", "TestSupport", .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "LedgerTesting", "Persistence", "TestSupport"]),
        .testTarget(
            name: "IdentityTests",
            dependencies: [
                "Identity", "Persistence", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["telegram_sign.py", "smtp_server.py", "oidc_provider.py", "mime_parse.py"]
        ),
        .testTarget(
            name: "EventsTests",
            dependencies: [
                "Events", "TestSupport", .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]),
        // Bonuses' campaigns, grants, wagering and conversion against the real PostgreSQL.
        .testTarget(name: "BonusesTests", dependencies: ["Bonuses", "Ledger", "Persistence", "TestSupport"]),
        .testTarget(
            name: "GamesTests",
            dependencies: [
                "Games", "Identity", "Compliance", "Persistence", "TestSupport", "Bonuses",
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "PaymentsTests", dependencies: ["Payments", "Ledger", "Identity", "Compliance", "Persistence", "TestSupport"],
            exclude: ["stripe_sign.py", "nowpayments_sign.py"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "Schema", "TestSupport", "Events", "Ledger", "Persistence"]),
        // Compliance's KYC and AML against the real PostgreSQL; Payments supplies the movement
        // history the limits and rules sum, as it does in the running platform.
        .testTarget(
            name: "ComplianceTests",
            dependencies: [
                "Compliance", "Payments", "Ledger", "Identity", "Persistence", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "AppAPI", "Bonuses", "CommandSupport", "Compliance", "IdentityTesting", "Reporting", "Schema", "TestSupport",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Core", "Persistence", "Events", "Reporting", "Schema", "Compliance",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TestSupport"
        ),
    ]
)
