import Core
import Foundation
import Ledger
import Persistence
import PostgresNIO

/// Ending a bonus (docs/bonuses.md "Conversion, expiry, forfeit"): in one transaction, the
/// ledger moves the player's whole `bonus` balance (to real up to the cap when wagering is met,
/// the rest back to the house) and the grant records what moved. The grant's row is read
/// unlocked and written only after the ledger's operations, which take the player's ledger rows
/// first, as a bet (whose wagering hook updates the grant) does: one lock order, no deadlock.
/// The balance is read again under that lock: if a bet or win moved it meanwhile, the
/// transaction is rolled back and decided afresh, so what moves is exact.
extension Grants {
    public enum Ending: Sendable, Equatable {
        /// End it only if wagering is met (convert) or its time ran out (expire).
        case due
        /// The player, staff or an exclusion gives it up, with a reason.
        case forfeit(String)
    }

    /// Ends the player's running bonus in `currency` if `ending` says so, or settles bonus money
    /// won after it ended (below). Answers the grant it changed, or nil.
    @discardableResult
    public func settle(player: PlayerID, currency: String, _ ending: Ending = .due) async throws -> Grant? {
        for attempt in 1...5 {
            do {
                return try await database.withTransaction(logger: logger) { connection in
                    try await settle(player: player, currency: currency, ending, on: connection)
                }
            } catch is BonusBalanceMoved where attempt < 5 {
                continue
            }
        }
        throw BonusBalanceMoved()
    }

    /// Forfeits every running bonus of the player (a self-exclusion, the player's own request).
    public func forfeitAll(player: PlayerID, reason: String) async throws -> [Grant] {
        var ended: [Grant] = []
        for grant in try await active(of: player) {
            if let changed = try await settle(player: player, currency: grant.currency, .forfeit(reason)) { ended.append(changed) }
        }
        return ended
    }

    /// One round of the background job: every grant whose wagering is met or whose time ran out,
    /// and every player holding bonus money won after their bonus ended. Answers how many changed.
    public func settleDue() async throws -> Int {
        try await endFinishedSpins()
        let due = try await database.withConnection { connection in
            var due: [(PlayerID, String)] = []
            let rows = try await connection.query(
                """
                SELECT player_id, currency FROM bonuses_grants
                 WHERE state = 'active' AND (expires_at <= \(now()) OR (wagered_units >= required_units
                       AND NOT EXISTS (SELECT 1 FROM bonuses_free_spins s WHERE s.grant_id = bonuses_grants.id AND s.ended_at IS NULL)))
                """, logger: logger)
            for try await (player, currency) in rows.decode((Int64, String).self) { due.append((PlayerID(player), currency)) }
            for holder in try await ledger.bonusHolders(on: connection)
            where !due.contains(where: { $0.0 == holder.player && $0.1 == holder.currency }) {
                due.append((holder.player, holder.currency))
            }
            return due
        }
        var changed = 0
        for (player, currency) in due {
            do {
                if try await settle(player: player, currency: currency) != nil { changed += 1 }
            } catch {
                logger.error("a bonus could not be settled", metadata: ["player": "\(player)", "reason": "\(postgresReason(error))"])
            }
        }
        return changed
    }

    func settle(player: PlayerID, currency: String, _ ending: Ending, on connection: PostgresConnection) async throws -> Grant? {
        let balance = try await ledger.bonusBalance(of: player, currency: currency, on: connection)
        let latest = try await Grant.list(
            """
            SELECT \(unescaped: Grant.columns) FROM bonuses_grants g JOIN bonuses_campaigns c ON c.id = g.campaign_id
             WHERE g.player_id = \(player.rawValue) AND g.currency = \(currency) ORDER BY g.id DESC LIMIT 1
            """, on: connection, logger: logger
        ).first
        // Money that was never a grant's (none ever ran here) is not Bonuses' to move.
        guard let grant = latest else { return nil }
        let state: Grant.State
        let keyStem: String
        var reason: String?
        if grant.state == .active {
            // Free spins not yet over may still win: the grant cannot convert before them.
            let spinsRunning = try await spinsOpen(grant: grant.id, on: connection)
            switch ending {
            case .forfeit(let why): (state, reason) = (.forfeited, why)
            case .due where grant.wageringMet && !spinsRunning: state = .converted
            case .due where grant.expiresAt <= now(): state = .expired
            case .due: return nil
            }
            keyStem = "grant:\(grant.id)"
        } else {
            // A win on a bet staked before the bonus ended credits its bonus share after it:
            // it follows the grant's ending (converted up to what is left of the cap).
            guard balance.units > 0 else { return nil }
            if case .forfeit(let why) = ending { reason = why }
            state = reason == nil ? grant.state : .forfeited
            keyStem = "residual:\(player):\(currency):\(balance.asOfTransaction)"
        }
        let capLeft = grant.maxConversionUnits.map { max(0, $0 - grant.convertedUnits) } ?? balance.units
        let converted = state == .converted ? min(balance.units, capLeft) : 0
        let forfeited = balance.units - converted
        try await move(converted, Movement.bonusConvert, key: "\(keyStem):convert", grant: grant, on: connection)
        try await move(forfeited, Movement.bonusForfeit, key: "\(keyStem):forfeit", grant: grant, reason: reason, on: connection)
        guard try await ledger.bonusBalance(of: player, currency: currency, on: connection).units == 0 else { throw BonusBalanceMoved() }
        let updated = try await connection.query(
            """
            UPDATE bonuses_grants
               SET state = CASE WHEN state = 'active' THEN \(state.rawValue) ELSE state END,
                   settled_at = coalesce(settled_at, \(now())), reason = coalesce(reason, \(reason)),
                   converted_units = converted_units + \(converted), forfeited_units = forfeited_units + \(forfeited)
             WHERE id = \(grant.id) AND state = \(grant.state.rawValue) AND converted_units = \(grant.convertedUnits)
               AND forfeited_units = \(grant.forfeitedUnits)
               AND (state <> 'active' OR \(state.rawValue) <> 'converted' OR wagered_units >= required_units)
            RETURNING id
            """, logger: logger)
        var changed = false
        for try await _ in updated.decode(Int64.self) { changed = true }
        // Another settlement of this grant committed first, or a bet's rollback took wagering back
        // below the requirement after the grant was read (the row as it stands now is what the
        // UPDATE weighs): start again from what it left.
        guard changed else { throw BonusBalanceMoved() }
        if grant.state == .active, state != .converted { try await cancelSpins(grant: grant.id, on: connection) }
        return try await self.grant(grant.id, on: connection)
    }

    /// Applies `movement` of `units` (nothing when 0) under Bonuses' key `key`.
    private func move(
        _ units: Int64, _ movement: (Int64) -> Movement, key: String, grant: Grant, reason: String? = nil,
        on connection: PostgresConnection
    ) async throws {
        guard units > 0 else { return }
        var metadata = ["grant": String(grant.id)]
        if let reason { metadata["reason"] = String(reason.prefix(200)) }
        let outcome = try await ledger.apply(
            LedgerOperation(
                key: IdempotencyKey(scope: "bonuses", key: key), player: grant.player, currency: grant.currency, movement: movement(units),
                metadata: metadata),
            on: connection)
        switch outcome.code {
        case .ok: return
        case .insufficientFunds: throw BonusBalanceMoved()
        default: throw BonusLedgerRefusal(code: outcome.code)
        }
    }
}

/// The player's bonus balance changed while a settlement decided: decided again.
struct BonusBalanceMoved: Error {}
