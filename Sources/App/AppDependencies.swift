import AsyncHTTPClient
import Bonuses
import Compliance
import Core
import Events
import Foundation
import Games
import Hummingbird
import Identity
import Ledger
import Logging
import Payments
import Persistence
import Reporting
import Schema
import ServiceLifecycle

/// The running platform's long-lived parts, built once from the configuration.
public struct AppDependencies: Sendable {
    public let configuration: Configuration
    public let database: Database
    public let clickHouse: ClickHouseClient
    public let nats: NATSLink
    public let eventStream: EventStream
    public let ledger: Ledger
    /// This copy's fan-out of ledger events to players' open live balances sockets.
    let liveBalances: LiveBalanceHub
    /// Nil when no SMTP relay is configured.
    public let smtp: SMTPSettings?
    /// Nil when no Telegram OpenID Connect client is configured.
    public let telegramOIDC: TelegramOIDC?
    public let providers: ProviderDirectory
    public let providerRegistry: ProviderRegistry
    public let gameSessions: GameSessions
    public let gameRounds: GameRounds
    /// The payment gateways configured (Stripe when its credentials are set).
    public let gateways: PaymentGateways
    /// Compliance's KYC: FX rates, levels, profiles, documents, applications and the limits
    /// deposits and withdrawals ask.
    public let kyc: KYC
    /// Compliance's player protection: limits, time-outs, self-exclusions, reality checks.
    public var protection: PlayerProtection {
        PlayerProtection(
            database: database, ledger: ledger, history: PaymentsMovementHistory(logger: Logger(label: "croupier.compliance")),
            observer: ExclusionForfeitsBonuses(grants: bonusGrants, logger: Logger(label: "croupier.bonuses")),
            logger: Logger(label: "croupier.compliance"), now: now)
    }

    /// Identity's player segments, which staff tag and bonus campaigns may target.
    public var playerSegments: PlayerSegments { PlayerSegments(database: database, logger: Logger(label: "croupier.identity")) }

    /// What other contexts add to the wallet's calls (Games' WalletHooks): player protection's
    /// bet check and play counters, then Bonuses' maximum bet and wagering. Protection checks
    /// first: an excluded player is told so, not that a bonus caps the stake.
    public var walletHooks: WalletHooks {
        let bonuses = bonusWalletHooks
        return WalletHooks(
            betChecks: [PlayerProtection.betCheck] + bonuses.betChecks,
            betFollowUps: [PlayerProtection.countPlay] + bonuses.betFollowUps,
            winFollowUps: [PlayerProtection.countPlay] + bonuses.winFollowUps, rewardWin: bonuses.rewardWin)
    }

    /// Croupier Originals, registered on first use (after migrations).
    let originals: OriginalsHolder
    /// The wall clock of the request paths that count time windows (tests fix it).
    var now: @Sendable () -> Date = { Date() }

    public init(configuration: Configuration, logger: Logger) throws {
        // Metrics made before swift-metrics is bootstrapped stay no-ops for good: the pool's
        // wait timer, made just below, was never exported until this came first.
        _ = MetricsRegistry.shared
        self.configuration = configuration
        self.database = Database(
            url: try DatabaseURL(configuration.databaseURL), maximumConnections: configuration.databasePoolSize,
            logger: logger)
        self.clickHouse = ClickHouseClient(endpoint: try ClickHouseEndpoint(configuration.clickHouseURL))
        self.nats = NATSLink(url: configuration.natsURL)
        self.eventStream = EventStream(
            name: configuration.natsStream, replicas: configuration.natsStreamReplicas, maxAgeDays: configuration.natsStreamMaxAgeDays)
        self.ledger = Ledger(database: database, logger: logger).batching(configuration.ledgerBatch)
        self.liveBalances = LiveBalanceHub(
            link: nats, stream: eventStream, sessions: SessionStore(database: database, logger: logger),
            logger: Logger(label: "croupier.live"))
        self.smtp =
            configuration.smtpURL.isEmpty
            ? nil : try SMTPSettings(url: configuration.smtpURL, from: configuration.mailFrom, caFile: configuration.smtpCAFile)
        let telegram = configuration.telegram
        self.telegramOIDC =
            telegram.oidcConfigured
            ? TelegramOIDC(
                settings: TelegramOIDCSettings(
                    issuer: telegram.oidcIssuer, clientID: telegram.oidcClientID, clientSecret: telegram.oidcClientSecret,
                    redirectURI: SiteURL(publicURL: configuration.publicURL).absolute(.telegramOIDCCallback)),
                database: database, logger: logger) : nil
        self.providers = ProviderDirectory(database: database, secret: configuration.secretKey, logger: logger)
        self.providerRegistry = ProviderRegistry(
            directory: providers, ledger: ledger, lifetime: TimeInterval(configuration.providerCacheSeconds))
        self.gameSessions = GameSessions(database: database, logger: logger)
        self.gameRounds = GameRounds(database: database, logger: logger)
        self.gateways = PaymentGateways.configured(configuration, database: database, logger: Logger(label: "croupier.payments"))
        let complianceLogger = Logger(label: "croupier.compliance")
        self.kyc = KYC(
            database: database, ledger: ledger, secret: configuration.secretKey, pivot: configuration.pivotCurrency,
            history: PaymentsMovementHistory(logger: complianceLogger), logger: complianceLogger)
        let (providers, database) = (self.providers, self.database)
        self.originals = OriginalsHolder { [configuration] in
            try await OriginalsProvider.setUp(
                providers: providers, database: database, secret: configuration.secretKey, publicURL: configuration.publicURL,
                walletURL: configuration.publicURL, logger: Logger(label: "croupier.originals"))
        }
    }

    /// Staff members, their passwords at the configured bcrypt cost, for the console and the CLI.
    public func staffDirectory(logger: Logger) -> StaffDirectory {
        StaffDirectory(
            database: database, secret: configuration.secretKey, logger: logger, bcryptCost: UInt8(configuration.staffBcryptCost))
    }

    /// Manual money adjustments: checked here for staff's requests, moved at once by `croupier adjust`.
    public var adjustments: StaffAdjustment {
        StaffAdjustment(
            database: database, ledger: ledger, players: PlayerStatuses(database: database, logger: Logger(label: "croupier.identity")),
            audit: AuditLog(database: database, logger: Logger(label: "croupier.audit")))
    }

    /// Staff's manual adjustments with four eyes, for the staff API and the console.
    var adjustmentApprovals: AdjustmentApprovals {
        AdjustmentApprovals(
            adjustments: adjustments, requests: AdjustmentRequests(ledger: ledger),
            audit: AuditLog(database: database, logger: Logger(label: "croupier.audit")),
            owners: OwnerThreshold(amounts: configuration.adjustmentOwnerFrom),
            now: now)
    }

    public var deposits: Deposits {
        Deposits(
            database: database, ledger: ledger, gateways: gateways, limits: kyc.limits, protection: protection, monitoring: amlEngine,
            logger: Logger(label: "croupier.payments"),
            observers: [DepositBonusObserver(bonuses: depositBonuses, protection: protection, segments: playerSegments)])
    }

    public var webhookInbox: WebhookInbox {
        WebhookInbox(database: database, gateways: gateways, deposits: deposits, logger: Logger(label: "croupier.payments"))
    }

    /// Gateways' credentials sealed in PostgreSQL, for `croupier gateways` and the console.
    public var gatewayCredentials: GatewayCredentials {
        GatewayCredentials(
            database: database, secret: configuration.secretKey, logger: Logger(label: "croupier.payments"),
            officialURLsOnly: configuration.environment == .production)
    }

    /// Withdrawals, confirmed with a code mailed by `composer`'s words.
    func withdrawals(composer: any StepUpMailComposer) -> Withdrawals {
        let logger = Logger(label: "croupier.payments")
        return Withdrawals(
            database: database, ledger: ledger, gateways: gateways,
            stepUp: StepUpCodes(database: database, secret: configuration.secretKey, composer: composer, logger: logger),
            screening: AMLScreening(engine: amlEngine), limits: kyc.limits, settings: configuration.withdrawals, logger: logger,
            gates: [RunningBonusGate(grants: bonusGrants)])
    }

    public var payouts: Payouts {
        Payouts(
            database: database, ledger: ledger, gateways: gateways, settings: configuration.withdrawals, holds: amlCases,
            logger: Logger(label: "croupier.payments"))
    }

    /// The built-in sandbox gateway, nil in production.
    public var sandbox: SandboxGateway? { gateways.sandbox }

    public var hub88Wallet: Hub88Wallet {
        Hub88Wallet(
            registry: providerRegistry, sessions: gameSessions, ledger: ledger,
            players: PlayerStatuses(database: database, logger: Logger(label: "croupier.identity")), rounds: gameRounds,
            database: database, hooks: walletHooks, logger: Logger(label: "croupier.hub88"))
    }

    /// `croupier worker`: the connection pool, and the background services once the schema is
    /// checked as `serve` checks it, so a worker never works on a schema this build does not know.
    public func workerServices(logger: Logger) -> [any Service] {
        [
            database.client,
            SchemaGate(
                check: { try await prepareSchemas(logger: logger) },
                services: backgroundJobs(role: .worker, readiness: readinessMonitor(logger: logger), logger: logger),
                logger: logger),
        ]
    }

    /// What runs beside the HTTP server: the background jobs once the server's start-up has
    /// checked the schema (before, a migrating start showed every job failing on missing tables).
    func backgroundServices(readiness: ReadinessMonitor, schemaChecked: SchemaChecked, logger: Logger) -> [any Service] {
        [
            database.client,
            SchemaGate(
                check: { await schemaChecked.wait() }, services: backgroundJobs(role: .serve, readiness: readiness, logger: logger),
                logger: logger),
        ]
    }

    /// The background services that need the connection pool running. Every copy of serve and
    /// worker runs them: the outbox relay and mail delivery claim rows with `FOR UPDATE SKIP
    /// LOCKED` and the event loaders share one durable consumer, so copies share the work; the schedules run under a lease (`Leased`), so one copy
    /// at a time runs each.
    func backgroundJobs(role: RunningCopy.Role, readiness: ReadinessMonitor, logger: Logger) -> [any Service] {
        let leases = LeaseSession(database: database, logger: logger)
        var services: [any Service] = [
            nats, readiness, heartbeat(role: role, logger: logger),
            OutboxRelay(database: database, link: nats, stream: eventStream, logger: logger),
            EventLoader(
                link: nats, stream: eventStream, clickHouse: clickHouse, valuation: CompliancePivotValuation(rates: kyc.rates),
                logger: logger),
            WebhookProcessor(inbox: webhookInbox, logger: logger),
            PayoutProcessor(payouts: payouts, logger: logger),
            Leased(
                FactsCompaction(clickHouse: ClickHouseClient(endpoint: clickHouse.endpoint, timeout: .seconds(3_600)), logger: logger),
                lease: AdvisoryLease(name: FactsCompaction.leaseName, session: leases, logger: logger)),
            Leased(
                IdentityHousekeeping(database: database, logger: logger),
                lease: AdvisoryLease(name: IdentityHousekeeping.leaseName, session: leases, logger: logger)),
            Leased(
                OriginalsSettlement(originals: originals, logger: logger),
                lease: AdvisoryLease(name: OriginalsSettlement.leaseName, session: leases, logger: logger)),
            Leased(amlScan(logger: logger), lease: AdvisoryLease(name: AMLScan.leaseName, session: leases, logger: logger)),
            Leased(
                bonusSettlementJob(logger: logger),
                lease: AdvisoryLease(name: BonusSettlementJob.leaseName, session: leases, logger: logger)),
        ]
        // Only `serve` has sockets to feed.
        if role == .serve { services.append(liveBalances) }
        do {
            services.append(
                Leased(
                    try reportScheduleJob(logger: logger),
                    lease: AdvisoryLease(name: ReportScheduleJob.leaseName, session: leases, logger: logger)))
        } catch {
            logger.error("report schedules do not run: the locale files are missing from this build", metadata: ["reason": "\(error)"])
        }
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

    func heartbeat(role: RunningCopy.Role, logger: Logger) -> ProcessHeartbeat {
        ProcessHeartbeat(database: database, role: role, version: configuration.buildVersion, schemaVersion: schemaVersion, logger: logger)
    }

    /// The latest PostgreSQL migration this build knows (0 only if the build's migrations cannot
    /// load, which start-up refuses before anything reads this).
    var schemaVersion: Int { (try? MigrationSet.postgres().migrations.last?.version) ?? 0 }

    func systemHealth(readiness: ReadinessMonitor, logger: Logger) throws -> SystemHealth {
        SystemHealth(
            readiness: readiness, database: database, nats: nats, stream: eventStream, inbox: webhookInbox,
            mail: MailQueue(database: database, logger: logger), migrations: try .postgres(), logger: logger)
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
