import Core
import Foundation
import Logging
import Persistence
import Synchronization

/// The gateways this deployment takes payments through (docs/payments.md, "Gateway
/// credentials"): the built-in sandbox (never in production), those whose credentials are in the
/// configuration, and those whose credentials are sealed in PostgreSQL, which override the
/// configuration's for the same gateway. A gateway switched off takes no new deposits or
/// withdrawals, but its webhooks and payouts already under way still settle.
public struct PaymentGateways: Sendable {
    let fixed: [String: any PaymentGateway]
    let stored: StoredGateways?

    public init(_ gateways: [any PaymentGateway], stored: StoredGateways? = nil) {
        self.fixed = Dictionary(gateways.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        self.stored = stored
    }

    public static func configured(_ configuration: Configuration, database: Database, logger: Logger) -> PaymentGateways {
        var base = configuration.publicURL
        while base.hasSuffix("/") { base.removeLast() }
        let callback = base + "/webhooks/nowpayments"
        // NOWPayments' payout login is the configuration's alone, whichever credentials its gateway has.
        let payouts = configuration.nowPaymentsPayouts
        var gateways: [any PaymentGateway] = configuration.stripe.map { [StripeGateway(settings: $0)] } ?? []
        if let settings = configuration.nowPayments {
            gateways.append(NOWPaymentsGateway(settings: settings, payouts: payouts, callbackURL: callback, logger: logger))
        }
        if configuration.environment != .production {
            gateways.append(
                SandboxGateway(
                    checkoutBase: base + SandboxGateway.checkoutPath,
                    webhookKey: configuration.secretKey.derive("payments.sandbox.webhook"),
                    database: database, logger: logger))
        }
        let stored = StoredGateways(
            credentials: GatewayCredentials(
                database: database, secret: configuration.secretKey, logger: logger,
                officialURLsOnly: configuration.environment == .production),
            lifetime: TimeInterval(configuration.providerCacheSeconds)
        ) { gateway, apiURL, apiKey, secret in
            switch gateway {
            case "stripe": StripeGateway(settings: StripeSettings(apiURL: apiURL, apiKey: apiKey, webhookSecret: secret))
            case "nowpayments":
                NOWPaymentsGateway(
                    settings: NOWPaymentsSettings(apiURL: apiURL, apiKey: apiKey, ipnSecret: secret), payouts: payouts,
                    callbackURL: callback,
                    logger: logger)
            default: nil
            }
        }
        return PaymentGateways(gateways, stored: stored)
    }

    /// Any configured gateway, switched on or off: for webhooks and payouts under way.
    public func gateway(_ code: String) async throws -> (any PaymentGateway)? { try await current().gateways[code] }

    /// A gateway that takes new deposits and withdrawals.
    public func active(_ code: String) async throws -> (any PaymentGateway)? {
        let current = try await current()
        return current.enabled.contains(code) ? current.gateways[code] : nil
    }

    /// The gateways taking new deposits and withdrawals, sorted by code.
    public func active() async throws -> [any PaymentGateway] {
        let current = try await current()
        return current.gateways.values.filter { current.enabled.contains($0.code) }.sorted { $0.code < $1.code }
    }

    /// The built-in sandbox gateway, nil in production.
    public var sandbox: SandboxGateway? { fixed["sandbox"] as? SandboxGateway }

    /// Every gateway with where its credentials come from and whether it is on, for staff.
    public func overview() async throws -> [GatewayOverview] {
        let current = try await current()
        let records = try await stored?.credentials.records() ?? []
        return current.gateways.values.sorted { $0.code < $1.code }.map { gateway in
            let record = records.first { $0.gateway == gateway.code }
            let source: GatewayOverview.Source = record != nil ? .stored : gateway is SandboxGateway ? .builtIn : .configuration
            return GatewayOverview(gateway: gateway, source: source, enabled: current.enabled.contains(gateway.code), record: record)
        }
    }

    /// Reads stored credentials again at the next use (after staff changed them on this copy).
    public func refresh() { stored?.forget() }

    private func current() async throws -> StoredGateways.Snapshot {
        guard let stored else { return StoredGateways.Snapshot(gateways: fixed, enabled: Set(fixed.keys)) }
        return try await stored.merged(over: fixed)
    }
}

public struct GatewayOverview: Sendable {
    public enum Source: String, Sendable { case builtIn, configuration, stored }
    public let gateway: any PaymentGateway
    public let source: Source
    public let enabled: Bool
    /// The stored credentials' fingerprints, when they are stored.
    public let record: GatewayRecord?
}

/// The gateways built from credentials in PostgreSQL, read again after `lifetime` seconds, so a
/// staff switch counts on every copy within that time.
public final class StoredGateways: Sendable {
    struct Snapshot: Sendable {
        let gateways: [String: any PaymentGateway]
        let enabled: Set<String>
    }

    let credentials: GatewayCredentials
    let lifetime: TimeInterval
    let build: @Sendable (_ gateway: String, _ apiURL: String, _ apiKey: String, _ secret: String) -> (any PaymentGateway)?
    private let cache = Mutex<(loaded: Date, stored: [(gateway: any PaymentGateway, enabled: Bool)])?>(nil)

    init(
        credentials: GatewayCredentials, lifetime: TimeInterval,
        build: @escaping @Sendable (_ gateway: String, _ apiURL: String, _ apiKey: String, _ secret: String) -> (any PaymentGateway)?
    ) {
        self.credentials = credentials
        self.lifetime = lifetime
        self.build = build
    }

    func forget() { cache.withLock { $0 = nil } }

    func merged(over fixed: [String: any PaymentGateway], now: Date = Date()) async throws -> Snapshot {
        let cached = cache.withLock { cached in cached.flatMap { now.timeIntervalSince($0.loaded) < lifetime ? $0.stored : nil } }
        let stored: [(gateway: any PaymentGateway, enabled: Bool)]
        if let cached {
            stored = cached
        } else {
            stored = try await credentials.stored().compactMap { row in
                build(row.gateway, row.apiURL, row.apiKey, row.webhookSecret).map { ($0, row.enabled) }
            }
            cache.withLock { $0 = (now, stored) }
        }
        var gateways = fixed
        var enabled = Set(fixed.keys)
        for (gateway, on) in stored {
            gateways[gateway.code] = gateway
            if on { enabled.insert(gateway.code) } else { enabled.remove(gateway.code) }
        }
        return Snapshot(gateways: gateways, enabled: enabled)
    }
}
