import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Player protection (docs/player-protection.md): the limits a player sets on themselves, their
/// time-outs and self-exclusions, and their reality-check interval. Every change takes the
/// player's Compliance lock and is audited in its transaction. The bets' side runs in SQL as
/// ledger hooks (`betCheck`, `countPlay`); deposits ask `DepositProtection`.
public struct PlayerProtection: Sendable {
    let database: Database
    let ledger: Ledger
    let audit: AuditLog
    let sessions: SessionStore
    let observer: any ProtectionObserver
    /// Payments' deposits, which the deposit limits sum (injected: Payments depends on Compliance).
    let history: any MoneyMovementHistory
    let logger: Logger
    let now: @Sendable () -> Date

    /// A raise or removal waits this long before the player may confirm it.
    public static let coolingOff: TimeInterval = 24 * 3600
    /// The reality-check interval when the player chose none.
    public static let defaultRealityCheckMinutes = 60

    /// The bet check the ledger runs (migration 0029): `limitReached`, `timedOut`, `selfExcluded`.
    /// Games runs it for a free bet too, with a stake of 0 (migration 0069).
    public static let betCheck = TransactionHook(function: "compliance_check_bet_v1")
    /// The follow-up after a bet, win or rollback that adds its amounts to the player's day.
    public static let countPlay = TransactionHook(function: "compliance_count_play_v1")

    public init(
        database: Database, ledger: Ledger, history: any MoneyMovementHistory, observer: any ProtectionObserver, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.ledger = ledger
        self.audit = AuditLog(database: database, logger: logger)
        self.sessions = SessionStore(database: database, logger: logger)
        self.observer = observer
        self.history = history
        self.logger = logger
        self.now = now
    }

    /// Everything the player's page and the staff page show.
    public func overview(of player: PlayerID) async throws -> ProtectionOverview {
        try await database.withConnection { connection in
            let minutes = try await connection.query(
                "SELECT reality_check_minutes FROM compliance_protection_players WHERE player_id = \(player.rawValue)", logger: logger
            ).collect().first.map { try $0.decode(Int.self) }
            return ProtectionOverview(
                limits: try await limits(of: player, on: connection),
                exclusion: try await exclusion(of: player, on: connection),
                realityCheckMinutes: minutes ?? Self.defaultRealityCheckMinutes, now: now())
        }
    }

    /// The exclusion in force now, if any (the one that ends last).
    public func exclusion(of player: PlayerID) async throws -> Exclusion? {
        try await database.withConnection { try await exclusion(of: player, on: $0) }
    }

    func exclusion(of player: PlayerID, on connection: PostgresConnection) async throws -> Exclusion? {
        let moment = now()
        let rows = try await connection.query(
            """
            SELECT kind, starts_at, ends_at FROM compliance_exclusions
             WHERE player_id = \(player.rawValue) AND starts_at <= \(moment) AND (ends_at IS NULL OR ends_at > \(moment))
             ORDER BY ends_at DESC NULLS FIRST LIMIT 1
            """, logger: logger)
        for try await (kind, startsAt, endsAt) in rows.decode((String, Date, Date?).self) {
            return Exclusion(kind: ExclusionKind(rawValue: kind) ?? .selfExclusion, startsAt: startsAt, endsAt: endsAt)
        }
        return nil
    }

    func limits(of player: PlayerID, on connection: PostgresConnection) async throws -> [ProtectionLimit] {
        let rows = try await connection.query(
            """
            SELECT kind, period, currency, units, pending_units, pending_effective_at FROM compliance_protection_limits
             WHERE player_id = \(player.rawValue) ORDER BY kind, currency, period
            """, logger: logger)
        var limits: [ProtectionLimit] = []
        for try await (kind, period, currency, units, pendingUnits, effectiveAt) in rows.decode(
            (String, String, String, Int64?, Int64?, Date?).self)
        {
            guard let kind = ProtectionLimitKind(rawValue: kind) else { continue }
            limits.append(
                ProtectionLimit(
                    kind: kind, period: ProtectionPeriod(rawValue: period), currency: currency.isEmpty ? nil : currency, units: units,
                    pending: effectiveAt.map { PendingLimitChange(units: pendingUnits, effectiveAt: $0) }))
        }
        return limits
    }

    /// The number of decimals of a currency the ledger keeps.
    func scale(of currency: String) async throws -> Int? { try await ledger.currencies()[currency]?.scale }
}

/// A player's protection as their page shows it.
public struct ProtectionOverview: Sendable, Equatable {
    public let limits: [ProtectionLimit]
    public let exclusion: Exclusion?
    public let realityCheckMinutes: Int
    /// The moment the overview was read, to tell which pending changes may be confirmed.
    public let now: Date
}
