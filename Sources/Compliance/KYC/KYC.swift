import Core
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// The Compliance context's KYC, built once (the App's composition root): FX rates, levels,
/// profiles, documents, applications, the limits Payments asks, and the player's verification
/// view. `history` is Payments' `MoneyMovementHistory`, injected because Payments depends on
/// Compliance and not the other way round.
public struct KYC: Sendable {
    public let rates: FXRates
    public let levels: KYCLevels
    public let profiles: ComplianceProfiles
    public let documents: KYCDocuments
    public let applications: KYCApplications
    /// What Payments' deposits and withdrawals ask, in their transactions.
    public let limits: KYCLimits
    let database: Database

    public init(
        database: Database, ledger: Ledger, secret: SecretKey, pivot: String, history: any MoneyMovementHistory, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.rates = FXRates(pivot: pivot, database: database, ledger: ledger, logger: logger)
        self.levels = KYCLevels(database: database, logger: logger)
        self.profiles = ComplianceProfiles(database: database, logger: logger, now: now)
        self.documents = KYCDocuments(database: database, secret: secret, logger: logger)
        let requirements = RequirementCheck(profiles: profiles, documents: documents)
        self.applications = KYCApplications(
            database: database, levels: levels, requirements: requirements, documents: documents, logger: logger, now: now)
        self.limits = KYCLimits(levels: levels, history: history, rates: rates, requirements: requirements, logger: logger, now: now)
    }

    /// `KYCLevels.update` with the pivot's scale found for the caller: what the staff form calls
    /// (`kyc.review` or `risk.manage`, checked by the App).
    public func updateLevel(_ level: Int, requirements: [KYCRequirement], limits: LevelLimits, staff: Int64) async throws {
        guard let scale = try await rates.scale(of: rates.pivot) else { throw MissingRate(currency: rates.pivot, moment: Date()) }
        try await levels.update(level: level, requirements: requirements, limits: limits, pivotScale: scale, staff: staff)
    }

    /// Everything the player's verification page shows, in one read.
    public func verification(of player: PlayerID) async throws -> VerificationView {
        try await database.withConnection { connection in
            let level = try await levels.level(of: player, on: connection)
            let all = try await levels.all(on: connection)
            var usage: [LimitUsage] = []
            var rateMissing: String?
            do {
                usage = try await limits.usage(of: player, on: connection)
            } catch let missing as MissingRate {
                rateMissing = missing.currency
            }
            let next = all.first { $0.level == level + 1 }
            let applications = try await KYCApplications.applications(
                try await connection.query(
                    """
                    SELECT \(unescaped: KYCApplications.columns) FROM compliance_applications WHERE player_id = \(player.rawValue)
                     ORDER BY id DESC LIMIT 1
                    """, logger: limits.logger))
            var nextRequirements: [RequirementStatus] = []
            if let next { nextRequirements = try await limits.requirements.statuses(of: player, for: next.requirements, on: connection) }
            return VerificationView(
                level: level, pivot: rates.pivot, levels: all, usage: usage, usageRateMissing: rateMissing, nextLevel: next?.level,
                nextRequirements: nextRequirements,
                profile: try await profiles.profile(of: player, on: connection),
                documents: try await documents.documents(of: player, on: connection),
                latestApplication: applications.first)
        }
    }
}

/// The player's verification page in one value (docs/compliance.md "What the player sees").
public struct VerificationView: Sendable {
    public let level: Int
    public let pivot: String
    /// Every level with its requirements and limits, so the player sees what each allows.
    public let levels: [KYCLevel]
    /// What they used of each limit of their level in the last 24 hours and 30 days, and what is
    /// left (empty when `usageRateMissing` names a currency without a rate).
    public let usage: [LimitUsage]
    public let usageRateMissing: String?
    /// The next level (nil at the top) and how each of its requirements stands.
    public let nextLevel: Int?
    public let nextRequirements: [RequirementStatus]
    public let profile: ComplianceProfile
    /// Their documents, newest first, with states and staff's reasons (never bytes).
    public let documents: [KYCDocument]
    /// Their latest application (open, or the last decided one with its reason).
    public let latestApplication: KYCApplication?

    /// The open application, if any.
    public var openApplication: KYCApplication? {
        latestApplication.flatMap { [.pending, .documentRequested].contains($0.state) ? $0 : nil }
    }
}
