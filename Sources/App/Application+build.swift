import AppAPI
import AsyncHTTPClient
import Bonuses
import Core
import Events
import Foundation
import Games
import Hummingbird
import HummingbirdWebSocket
import Identity
import Ledger
import Logging
import Persistence
import Reporting
import ServiceLifecycle

/// Builds the HTTP application: middleware, routes and the background services it needs.
public func buildApplication(dependencies: AppDependencies, logger: Logger) async throws -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let readiness = dependencies.readinessMonitor(logger: logger)
    let schemaChecked = SchemaChecked()
    let live = try liveBalances(dependencies: dependencies, logger: logger)
    let router = try await buildRouter(dependencies: dependencies, readiness: readiness, live: live, logger: logger)
    var app = Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: live.webSocketRouter()),
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "croupier"),
        services: dependencies.backgroundServices(readiness: readiness, schemaChecked: schemaChecked, logger: logger),
        onServerRunning: { channel in
            logger.notice(
                "serving", metadata: ["url": "\(configuration.publicURL)", "address": "\(channel.localAddress?.description ?? "?")"])
        },
        logger: logger)
    app.beforeServerStarts {
        try await dependencies.prepareSchemas(logger: logger)
        await schemaChecked.open()
        do {
            _ = try await dependencies.originals.get()
        } catch {
            logger.error("Croupier Originals is not available", metadata: ["reason": "\(postgresReason(error))"])
        }
    }
    return app
}

/// The live balances socket's parts: one for the WebSocket router, one for the HTTP router.
func liveBalances(dependencies: AppDependencies, logger: Logger) throws -> LiveBalancesController {
    LiveBalancesController(
        admission: try LiveAdmission(
            publicURL: dependencies.configuration.publicURL, sessions: SessionStore(database: dependencies.database, logger: logger)),
        socket: LiveBalanceSocket(
            hub: dependencies.liveBalances, ledger: dependencies.ledger, currencies: CurrencyCatalog(ledger: dependencies.ledger)))
}

/// The router alone, so tests can exercise routes without the background services.
func buildRouter(
    dependencies: AppDependencies, readiness: ReadinessMonitor, live: LiveBalancesController, logger: Logger
) async throws -> Router<AppRequestContext> {
    let configuration = dependencies.configuration
    guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
        throw AppError(.internalServerError, code: .resourcesMissing)
    }
    let site = SiteURL(publicURL: configuration.publicURL)
    let pages = try await PageRenderer.load(
        resources: resources, csrf: CSRFProtection(secret: configuration.secretKey, secureCookies: site.isSecure),
        environment: configuration.environment)

    _ = MetricsRegistry.shared
    let router = Router(context: AppRequestContext.self)
    router.addMiddleware {
        // First, so the request's span covers every other middleware; only when traces are
        // exported, so a server without a collector does no tracing work at all.
        if configuration.otelEndpoint != nil { RequestTracingMiddleware<AppRequestContext>() }
        ClientAddressMiddleware(trustedProxies: configuration.trustedProxies)
        SecurityHeadersMiddleware(strictTransportSecurity: configuration.environment == .production)
        ErrorPageMiddleware(pages: pages)
        MetricsMiddleware()
        RequestLimitsMiddleware(
            maxBodyBytes: configuration.maxBodyBytes,
            largerBodies: [VerificationController.uploadPath: VerificationController.uploadBodyBytes])
        StaticFilesMiddleware(
            files: FileMiddleware(
                configuration.publicDirectory,
                cacheControl: .init([(MediaType(type: .any), [.public, .maxAge(3600)])]),
                logger: logger),
            prefixes: ["/css/", "/js/", "/img/"])
    }
    HealthController(readiness: readiness).addRoutes(to: router)
    let contract = try APIDocument.yaml()
    router.get("/api/v1/openapi.yaml") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: contract)))
    }
    let signInOptions = SignInOptions(telegram: configuration.telegram, site: site, development: configuration.environment == .development)
    SiteController(pages: pages, signIn: signInOptions).addRoutes(to: router)
    let currencies = CurrencyCatalog(ledger: dependencies.ledger)
    let reports = dependencies.reports
    let staffDirectory = dependencies.staffDirectory(logger: logger)
    let sessions = SessionStore(database: dependencies.database, logger: logger)
    let audit = AuditLog(database: dependencies.database, logger: logger)
    router.addMiddleware {
        StaffAuthMiddleware(sessions: sessions, directory: staffDirectory)
        PlayerSessionMiddleware(sessions: sessions)
    }
    // Pages that post forms, and the console (signed-in staff only): every state change in
    // them carries the session-bound CSRF token, checked once here, not in each handler.
    let forms = router.group().add(middleware: CSRFMiddleware(csrf: pages.csrf))
    let console = router.group(SiteRoute.adminHome.path).add(middleware: SignInRequired.staff)
        .add(middleware: CSRFMiddleware(csrf: pages.csrf))
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
        secureCookies: site.isSecure, authMaxAge: Double(telegram.authMaxAge.components.seconds),
        access: access, oidc: dependencies.telegramOIDC,
        flow: SignInFlowBinding(secret: configuration.secretKey, secureCookies: site.isSecure))
    auth.addRoutes(to: forms)
    SignInPages(auth: auth, options: signInOptions, protection: dependencies.protection).addRoutes(to: forms)
    ProfileController(
        pages: pages, signIn: auth.signIn, sessions: sessions, access: access, secureCookies: auth.secureCookies,
        header: PlayerHeader(ledger: dependencies.ledger, currencies: currencies)
    ).addRoutes(to: forms)
    let staffSignIn = StaffSignInController(
        pages: pages, directory: staffDirectory, sessions: sessions, access: access, limits: limits,
        secureCookies: site.isSecure)
    staffSignIn.addRoutes(to: forms)
    StaffEnrolmentPages(pages: pages, directory: staffDirectory, access: access, limits: limits).addRoutes(to: forms)
    let health = try dependencies.systemHealth(readiness: readiness, logger: logger)
    let withdrawals = dependencies.withdrawals(composer: StepUpMail(localization: pages.localization))
    StaffMembersController(
        pages: pages, directory: staffDirectory, access: access, site: site,
        figures: DashboardFigures(
            reports: reports, pivot: dependencies.configuration.pivotCurrency, health: health, withdrawals: withdrawals)
    ).addRoutes(to: console)
    AuditLogPage(pages: pages, access: access, audit: audit).addRoutes(to: console)
    AdminHealthController(pages: pages, health: health, access: access).addRoutes(to: console)
    WalletController(ledger: dependencies.ledger, currencies: currencies, pages: pages, grants: dependencies.bonusGrants)
        .addRoutes(to: router)
    live.addRoutes(to: router)
    let header = PlayerHeader(ledger: dependencies.ledger, currencies: currencies)
    let launcher = GameLauncher(
        providers: dependencies.providers, registry: dependencies.providerRegistry, sessions: dependencies.gameSessions,
        ledger: dependencies.ledger, currencies: currencies, site: site,
        protection: dependencies.protection)
    GamesController(
        pages: pages, providers: dependencies.providers, launcher: launcher, wallet: dependencies.hub88Wallet, header: header,
        protection: dependencies.protection
    ).addRoutes(to: router)
    OriginalsController(pages: pages, originals: dependencies.originals).addRoutes(to: router)
    WebhooksController(inbox: dependencies.webhookInbox).addRoutes(to: router)
    CashierController(
        pages: pages, deposits: dependencies.deposits, withdrawals: withdrawals, ledger: dependencies.ledger,
        gateways: dependencies.gateways, currencies: currencies, kyc: dependencies.kyc,
        header: header,
        access: access, site: site,
        bonuses: PlayerBonuses(
            grants: dependencies.bonusGrants, deposits: dependencies.depositBonuses, segments: dependencies.playerSegments)
    ).addRoutes(to: forms)
    VerificationController(pages: pages, kyc: dependencies.kyc, currencies: currencies, header: header)
        .addRoutes(to: router, csrf: pages.csrf)
    ResponsibleGamblingController(pages: pages, protection: dependencies.protection, currencies: currencies, header: header)
        .addRoutes(to: router, csrf: pages.csrf)
    AdminKYCLevelsController(pages: pages, kyc: dependencies.kyc, access: access).addRoutes(to: console)
    AdminKYCController(
        pages: pages, kyc: dependencies.kyc, protection: dependencies.protection, currencies: currencies, access: access
    ).addRoutes(to: console)
    AdminFXController(pages: pages, rates: dependencies.kyc.rates, access: access).addRoutes(to: console)
    let savedReports = dependencies.savedReportLibrary(logger: logger)
    AdminReportsController(pages: pages, access: access, reports: reports, library: savedReports).addRoutes(to: console)
    AdminSavedReportsController(access: access, library: savedReports).addRoutes(to: console)
    let adjustments = dependencies.adjustmentApprovals
    AdminBonusesController(
        pages: pages, campaigns: dependencies.bonusCampaigns, requests: GrantRequests(grants: dependencies.bonusGrants),
        currencies: currencies, access: access, owners: adjustments.owners
    ).addRoutes(to: console)
    AdminAdjustmentsController(pages: pages, approvals: adjustments, currencies: currencies, access: access).addRoutes(to: console)
    AdminPaymentsController(
        pages: pages, deposits: dependencies.deposits, inbox: dependencies.webhookInbox, currencies: currencies, access: access
    ).addRoutes(to: console)
    AdminDepositsController(
        pages: pages, deposits: dependencies.deposits, withdrawals: withdrawals, currencies: currencies, access: access
    ).addRoutes(to: console)
    AdminGatewaysController(
        pages: pages, gateways: dependencies.gateways, credentials: dependencies.gatewayCredentials, access: access
    ).addRoutes(to: console)
    AdminWithdrawalsController(
        pages: pages, withdrawals: withdrawals, payouts: dependencies.payouts, currencies: currencies, access: access
    ).addRoutes(to: console)
    AdminAMLController(
        pages: pages, alerts: dependencies.amlAlerts, cases: dependencies.amlCases, rules: dependencies.amlRules, withdrawals: withdrawals,
        staffDirectory: staffDirectory, currencies: currencies, access: access
    ).addRoutes(to: console)
    let playersBackOffice = PlayersBackOffice(
        directory: PlayerDirectory(database: dependencies.database, logger: logger),
        blocks: PlayerBlocks(database: dependencies.database, logger: logger),
        notes: PlayerNotes(database: dependencies.database, logger: logger),
        segments: dependencies.playerSegments)
    AdminPlayersController(
        pages: pages, access: access, players: playersBackOffice,
        view: AdminPlayerSources(
            identity: playersBackOffice, sessions: sessions, audit: audit, ledger: dependencies.ledger, currencies: currencies,
            kyc: dependencies.kyc, protection: dependencies.protection, alerts: dependencies.amlAlerts, cases: dependencies.amlCases,
            deposits: dependencies.deposits, withdrawals: withdrawals, grants: dependencies.bonusGrants,
            rounds: dependencies.gameRounds)
    ).addRoutes(to: console)
    if let sandbox = dependencies.sandbox {
        SandboxCheckoutController(pages: pages, sandbox: sandbox, inbox: dependencies.webhookInbox).addRoutes(to: forms)
    }
    AdminGamesController(
        pages: pages, providers: dependencies.providers, registry: dependencies.providerRegistry, rounds: dependencies.gameRounds,
        access: access,
        currencies: currencies
    ).addRoutes(to: console)
    try CroupierAPI(
        auth: auth, staffSignIn: staffSignIn, adjustments: adjustments, ledger: dependencies.ledger, reports: reports,
        savedReports: savedReports,
        currencies: currencies,
        launcher: launcher, deposits: dependencies.deposits, withdrawals: withdrawals,
        depositReturnURL: site.absolute(.cashier)
    ).addRoutes(to: router)
    return router
}
