import Core
import Foundation
import Identity
import PostgresNIO

/// Setting, lowering, raising and removing limits (docs/player-protection.md "Cooling-off"): a
/// new or lower limit applies at once; a raise or removal waits `coolingOff` and then the
/// player's confirmation, and the limit in force stays until then.
extension PlayerProtection {
    /// Sets the limit in `slot` to `amount` (decimal text of the currency, or whole minutes for
    /// the session limit), or removes it when `amount` is nil. `actor` is who asked, for the audit.
    public func setLimit(player: PlayerID, slot: LimitSlot, amount: String?, actor: String) async throws -> LimitChangeResult {
        let wanted = try await units(of: amount, in: slot)
        let moment = now()
        let key = slot.stored
        return try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            let current =
                try await connection.query(
                    """
                    SELECT units FROM compliance_protection_limits
                     WHERE player_id = \(player.rawValue) AND kind = \(key.kind) AND period = \(key.period) AND currency = \(key.currency)
                    """, logger: logger
                ).collect().first.map { try $0.decode(Int64?.self) } ?? nil
            let result: LimitChangeResult
            if let inForce = current, wanted.map({ $0 > inForce }) ?? true {
                result = .pending(effectiveAt: moment.addingTimeInterval(Self.coolingOff))
                try await connection.query(
                    """
                    UPDATE compliance_protection_limits SET pending_units = \(wanted),
                           pending_effective_at = \(moment.addingTimeInterval(Self.coolingOff)), updated_at = \(moment)
                     WHERE player_id = \(player.rawValue) AND kind = \(key.kind) AND period = \(key.period) AND currency = \(key.currency)
                    """, logger: logger
                ).collect()
            } else {
                result = .applied
                try await store(player: player, slot: slot, units: wanted, at: moment, on: connection)
            }
            var summary = ["kind": key.kind, "period": key.period, "currency": key.currency, "units": wanted.map(String.init) ?? "none"]
            if case .pending(let effectiveAt) = result { summary["effectiveAt"] = effectiveAt.formatted(.iso8601) }
            try await audit.append(
                AuditEntry(
                    actor: actor, action: result == .applied ? "compliance.limit_set" : "compliance.limit_raise_requested",
                    target: "player:\(player.rawValue)", summary: summary), on: connection)
            return result
        }
    }

    /// Applies the raise or removal waiting in `slot`, once its cooling-off is over.
    public func confirm(player: PlayerID, slot: LimitSlot, actor: String) async throws {
        let moment = now()
        let key = slot.stored
        try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            let rows = try await connection.query(
                """
                SELECT pending_units, pending_effective_at FROM compliance_protection_limits
                 WHERE player_id = \(player.rawValue) AND kind = \(key.kind) AND period = \(key.period) AND currency = \(key.currency)
                   AND pending_effective_at IS NOT NULL
                """, logger: logger
            ).collect()
            guard let row = rows.first else { throw ProtectionProblem.nothingPending }
            let (units, effectiveAt) = try row.decode((Int64?, Date).self)
            guard effectiveAt <= moment else { throw ProtectionProblem.coolingOff(until: effectiveAt) }
            try await store(player: player, slot: slot, units: units, at: moment, on: connection)
            try await audit.append(
                AuditEntry(
                    actor: actor, action: "compliance.limit_raise_confirmed", target: "player:\(player.rawValue)",
                    summary: ["kind": key.kind, "period": key.period, "currency": key.currency, "units": units.map(String.init) ?? "none"]),
                on: connection)
        }
    }

    /// Puts `units` in force in `slot` (nil: removes the limit), drops any pending change, and
    /// keeps the bet check's flag of the player's row in step.
    private func store(player: PlayerID, slot: LimitSlot, units: Int64?, at moment: Date, on connection: PostgresConnection)
        async throws
    {
        let key = slot.stored
        if let units {
            try await connection.query(
                """
                INSERT INTO compliance_protection_limits (player_id, kind, period, currency, units, updated_at)
                VALUES (\(player.rawValue), \(key.kind), \(key.period), \(key.currency), \(units), \(moment))
                ON CONFLICT (player_id, kind, period, currency) DO UPDATE
                   SET units = EXCLUDED.units, pending_units = NULL, pending_effective_at = NULL, updated_at = EXCLUDED.updated_at
                """, logger: logger
            ).collect()
        } else {
            try await connection.query(
                """
                DELETE FROM compliance_protection_limits
                 WHERE player_id = \(player.rawValue) AND kind = \(key.kind) AND period = \(key.period) AND currency = \(key.currency)
                """, logger: logger
            ).collect()
        }
        try await connection.query(
            """
            INSERT INTO compliance_protection_players (player_id, has_play_limits, updated_at)
            SELECT \(player.rawValue), EXISTS (SELECT 1 FROM compliance_protection_limits
                                                WHERE player_id = \(player.rawValue) AND kind IN ('loss', 'wager') AND units IS NOT NULL),
                   \(moment)
            ON CONFLICT (player_id) DO UPDATE SET has_play_limits = EXCLUDED.has_play_limits, updated_at = EXCLUDED.updated_at
            """, logger: logger
        ).collect()
    }

    /// The request's amount in units, validated against its slot; nil for a removal.
    private func units(of amount: String?, in slot: LimitSlot) async throws -> Int64? {
        guard (slot.kind == .session) == (slot.period == nil && slot.currency == nil) else { throw ProtectionProblem.invalidSlot }
        guard let amount = amount?.trimmingCharacters(in: .whitespaces) else { return nil }
        guard let currency = slot.currency else {
            guard let minutes = Int64(amount), (1...1440).contains(minutes) else { throw ProtectionProblem.invalidAmount(amount) }
            return minutes
        }
        guard let scale = try await scale(of: currency) else { throw ProtectionProblem.unknownCurrency(currency) }
        guard let units = try? Amount.units(fromDecimal: amount, scale: scale), units > 0 else {
            throw ProtectionProblem.invalidAmount(amount)
        }
        return units
    }

    /// Sets how often game pages show the reality check.
    public func setRealityCheck(player: PlayerID, minutes: Int, actor: String) async throws {
        guard (5...600).contains(minutes) else { throw ProtectionProblem.invalidInterval }
        let moment = now()
        try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO compliance_protection_players (player_id, reality_check_minutes, updated_at)
                VALUES (\(player.rawValue), \(minutes), \(moment))
                ON CONFLICT (player_id) DO UPDATE SET reality_check_minutes = EXCLUDED.reality_check_minutes, updated_at = EXCLUDED.updated_at
                """, logger: logger
            ).collect()
            try await audit.append(
                AuditEntry(
                    actor: actor, action: "compliance.reality_check_set", target: "player:\(player.rawValue)",
                    summary: ["minutes": String(minutes)]), on: connection)
        }
    }
}
