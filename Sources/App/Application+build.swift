import AsyncHTTPClient
import Core
import Events
import Foundation
import Games
import Hummingbird
import Identity
import Ledger
import Logging
import Persistence
import Reporting
import ServiceLifecycle

/// The running platform's long-lived parts, built once from the configuration.
public struct AppDependencies: Sendable {
    public let configuration: Configuration
    public let database: Database
    public let clickHouse: ClickHouseClient
    public let nats: NATSLink
    public let eventStream: EventStream
    public let ledger: Ledger
    /// Nil when no SMTP relay is configured.
    public let smtp: SMTPSettings?
    /// Nil when no Telegram OpenID Connect client is configured.
    public let telegramOIDC: TelegramOIDC?
    public let providers: ProviderDirectory
    public let providerRegistry: ProviderRegistry
    public let gameSessions: GameSessions
    public let gameRounds: GameRounds
    /// Croupier Originals, registered on first use (after migrations).
    let originals: OriginalsHolder
    /// The wall clock of the request paths that count time windows (tests fix it).
    var now: @Sendable () -> Date = { Date() }

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.database = Database(
            url: try DatabaseURL(configuration.databaseURL), maximumConnections: configuration.databasePoolSize,
            logger: logger)
        self.clickHouse = ClickHouseClient(endpoint: try ClickHouseEndpoint(configuration.clickHouseURL))
        self.nats = NATSLink(url: configuration.natsURL)
        self.eventStream = EventStream(name: configuration.natsStream)
        self.ledger = Ledger(database: database, logger: logger)
        self.smtp =
            configuration.smtpURL.isEmpty
            ? nil : try SMTPSettings(url: configuration.smtpURL, from: configuration.mailFrom, caFile: configuration.smtpCAFile)
        let telegram = configuration.telegram
        self.telegramOIDC =
            telegram.oidcConfigured
            ? TelegramOIDC(
                settings: TelegramOIDCSettings(
                    issuer: telegram.oidcIssuer, clientID: telegram.oidcClientID, clientSecret: telegram.oidcClientSecret,
                    redirectURI: configuration.publicURL + "/auth/telegram/oidc/callback"),
                database: database, logger: logger) : nil
        self.providers = ProviderDirectory(database: database, secret: configuration.secretKey, logger: logger)
        self.providerRegistry = ProviderRegistry(
            directory: providers, ledger: ledger, lifetime: TimeInterval(configuration.providerCacheSeconds))
        self.gameSessions = GameSessions(database: database, logger: logger)
        self.gameRounds = GameRounds(database: database, logger: logger)
        let (providers, database) = (self.providers, self.database)
        self.originals = OriginalsHolder { [configuration] in
            try await OriginalsProvider.setUp(
                providers: providers, database: database, secret: configuration.secretKey, publicURL: configuration.publicURL,
                walletURL: configuration.publicURL, logger: Logger(label: "croupier.originals"))
        }
    }

    /// Manual money adjustments, for the staff API and `croupier adjust`.
    public var adjustments: StaffAdjustment {
        StaffAdjustment(database: database, ledger: ledger, audit: AuditLog(database: database, logger: Logger(label: "croupier.audit")))
    }

    public var hub88Wallet: Hub88Wallet {
        Hub88Wallet(
            registry: providerRegistry, sessions: gameSessions, ledger: ledger, rounds: gameRounds, database: database,
            logger: Logger(label: "croupier.hub88"))
    }

    /// `croupier worker`: the connection pool, and the background services once the schema is
    /// checked as `serve` checks it, so a worker never works on a schema this build does not know.
    public func workerServices(logger: Logger) -> [any Service] {
        [
            database.client,
            SchemaGate(
                check: { try await prepareSchemas(logger: logger) },
                services: backgroundJobs(readiness: readinessMonitor(logger: logger), logger: logger),
                logger: logger),
        ]
    }

    /// What runs beside the HTTP server.
    func backgroundServices(readiness: ReadinessMonitor, logger: Logger) -> [any Service] {
        [database.client] + backgroundJobs(readiness: readiness, logger: logger)
    }

    /// The background services that need the connection pool running.
    func backgroundJobs(readiness: ReadinessMonitor, logger: Logger) -> [any Service] {
        var services: [any Service] = [
            nats, readiness, OutboxRelay(database: database, link: nats, stream: eventStream, logger: logger),
            IdentityHousekeeping(database: database, logger: logger),
            OriginalsSettlement(originals: originals, logger: logger),
        ]
        if let smtp {
            services.append(MailDelivery(database: database, client: SMTPClient(settings: smtp), logger: logger))
        } else {
            logger.warning(
                "CROUPIER_SMTP_URL is not set: mail is queued but not sent\(configuration.environment == .development ? " (see /dev/mail)" : "")"
            )
        }
        return services
    }

    /// Runs `body` with the connection pool running, for one-shot commands.
    public func withDatabase<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    func readinessMonitor(logger: Logger) -> ReadinessMonitor {
        ReadinessMonitor(
            checks: [
                .postgres(database, logger: logger),
                .nats(nats),
                .clickHouse(clickHouse),
            ],
            logger: logger)
    }

    /// Refuses to serve a database whose schema is behind (or disagrees with) this build,
    /// unless `CROUPIER_MIGRATE_ON_START` asks to migrate. ClickHouse only feeds reports, so an
    /// unreachable ClickHouse is logged and does not stop the money path from starting.
    func prepareSchemas(logger: Logger) async throws {
        let postgres = PostgresMigrator(database: database, migrations: try .postgres(), logger: logger)
        let clickHouse = ClickHouseMigrator(client: self.clickHouse, migrations: try .clickHouse(), logger: logger)
        if configuration.migrateOnStart {
            try await postgres.migrate()
        } else {
            let pending = try await postgres.pending()
            if let first = pending.first {
                throw MigrationError.pending(engine: "postgres", count: pending.count, first: first.fileName)
            }
        }
        do {
            try await self.clickHouse.ping()
            if configuration.migrateOnStart {
                try await clickHouse.migrate()
            } else {
                let pending = try await clickHouse.pending()
                if let first = pending.first {
                    logger.error("\(MigrationError.pending(engine: "clickhouse", count: pending.count, first: first.fileName))")
                }
            }
        } catch let error as MigrationError {
            throw error
        } catch {
            logger.error("ClickHouse schema not checked: ClickHouse is unreachable", metadata: ["reason": "\(error)"])
        }
    }
}

/// Builds the HTTP application: middleware, routes and the background services it needs.
public func buildApplication(dependencies: AppDependencies, logger: Logger) async throws -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let readiness = dependencies.readinessMonitor(logger: logger)
    let router = try await buildRouter(dependencies: dependencies, readiness: readiness, logger: logger)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "croupier"),
        services: dependencies.backgroundServices(readiness: readiness, logger: logger),
        onServerRunning: { channel in
            logger.notice(
                "serving", metadata: ["url": "\(configuration.publicURL)", "address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger)
    app.beforeServerStarts {
        try await dependencies.prepareSchemas(logger: logger)
        do {
            _ = try await dependencies.originals.get()
        } catch {
            logger.error("Croupier Originals is not available", metadata: ["reason": "\(postgresReason(error))"])
        }
    }
    return app
}

/// The router alone, so tests can exercise routes without the background services.
func buildRouter(dependencies: AppDependencies, readiness: ReadinessMonitor, logger: Logger) async throws -> Router<AppRequestContext> {
    let configuration = dependencies.configuration
    guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw AppError(.internalServerError, code: "resourcesMissing")
    }
    let pages = try await PageRenderer.load(
        resources: resources,
        csrf: CSRFProtection(secret: configuration.secretKey, secureCookies: configuration.publicURL.hasPrefix("https://")),
        environment: configuration.environment)

    _ = MetricsRegistry.shared
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        ClientAddressMiddleware(trustedProxies: configuration.trustedProxies)
        SecurityHeadersMiddleware(strictTransportSecurity: configuration.environment == .production)
        ErrorPageMiddleware(pages: pages)
        MetricsMiddleware()
        RequestLimitsMiddleware(maxBodyBytes: configuration.maxBodyBytes)
        StaticFilesMiddleware(
            files: FileMiddleware(
                configuration.publicDirectory,
                cacheControl: .init([(MediaType(type: .any), [.public, .maxAge(3600)])]),
                logger: logger),
            prefixes: ["/css/", "/js/", "/img/"])
    }
    if configuration.environment == .test {
        router.addMiddleware { TestPlayerMiddleware() }
    }
    HealthController(readiness: readiness).addRoutes(to: router)
    let contract = try String(contentsOf: resources.appendingPathComponent("openapi.yaml"), encoding: .utf8)
    router.get("/api/v1/openapi.yaml") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: contract)))
    }
    let signInOptions = SignInOptions(
        telegram: configuration.telegram, publicURL: configuration.publicURL, development: configuration.environment == .development)
    SiteController(pages: pages, signIn: signInOptions).addRoutes(to: router)
    let currencies = CurrencyCatalog(ledger: dependencies.ledger)
    let staffDirectory = StaffDirectory(database: dependencies.database, secret: configuration.secretKey, logger: logger)
    let sessions = SessionStore(database: dependencies.database, logger: logger)
    let audit = AuditLog(database: dependencies.database, logger: logger)
    router.addMiddleware {
        StaffAuthMiddleware(sessions: sessions, directory: staffDirectory)
        PlayerSessionMiddleware(sessions: sessions)
    }
    let telegram = configuration.telegram
    let limits = SignInLimits(limiter: RateLimiter(database: dependencies.database, logger: logger), now: dependencies.now)
    let access = StaffAccess(audit: audit, csrf: pages.csrf)
    let auth = AuthController(
        signIn: PlayerSignIn(
            database: dependencies.database, secret: configuration.secretKey, composer: SignInMail(localization: pages.localization),
            publicURL: configuration.publicURL, logger: logger),
        sessions: sessions,
        telegram: TelegramVerifier(botToken: telegram.botToken, maxAge: telegram.authMaxAge, publicKeyHex: telegram.publicKey),
        pages: pages, mail: MailQueue(database: dependencies.database, logger: logger), environment: configuration.environment,
        limits: limits,
        secureCookies: configuration.publicURL.hasPrefix("https://"), authMaxAge: Double(telegram.authMaxAge.components.seconds),
        access: access, oidc: dependencies.telegramOIDC,
        flow: SignInFlowBinding(secret: configuration.secretKey, secureCookies: configuration.publicURL.hasPrefix("https://")))
    auth.addRoutes(to: router)
    SignInPages(auth: auth, options: signInOptions).addRoutes(to: router)
    ProfileController(
        pages: pages, signIn: auth.signIn, sessions: sessions, access: access, secureCookies: auth.secureCookies,
        header: PlayerHeader(ledger: dependencies.ledger, currencies: currencies)
    ).addRoutes(to: router)
    StaffSignInController(
        pages: pages, directory: staffDirectory, sessions: sessions, access: access, limits: limits,
        secureCookies: configuration.publicURL.hasPrefix("https://")
    ).addRoutes(to: router)
    StaffMembersController(pages: pages, directory: staffDirectory, access: access, publicURL: configuration.publicURL).addRoutes(
        to: router)
    AuditLogPage(pages: pages, access: access, audit: audit).addRoutes(to: router)
    StaffAdjustmentsAPI(access: access, adjustments: dependencies.adjustments).addRoutes(to: router)
    StaffEnrolmentPages(pages: pages, directory: staffDirectory, access: access, limits: limits).addRoutes(to: router)
    WalletController(ledger: dependencies.ledger, currencies: currencies, pages: pages).addRoutes(to: router)
    let header = PlayerHeader(ledger: dependencies.ledger, currencies: currencies)
    GamesController(
        pages: pages, providers: dependencies.providers,
        launcher: GameLauncher(
            providers: dependencies.providers, registry: dependencies.providerRegistry, sessions: dependencies.gameSessions,
            ledger: dependencies.ledger,
            currencies: currencies, publicURL: configuration.publicURL),
        wallet: dependencies.hub88Wallet, header: header
    ).addRoutes(to: router)
    OriginalsController(pages: pages, originals: dependencies.originals).addRoutes(to: router)
    AdminGamesController(
        pages: pages, providers: dependencies.providers, registry: dependencies.providerRegistry, rounds: dependencies.gameRounds,
        access: access,
        currencies: currencies
    ).addRoutes(to: router)
    return router
}
