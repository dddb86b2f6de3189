import Core
import Foundation
import Identity
import Logging
import PostgresNIO

/// A date of birth under 18 (docs/compliance.md, "Under 18"), wherever it is found (a profile
/// change, an application, its approval): in the caller's transaction the player is closed
/// through Identity (no play, no deposits), the finding is audited, and the player's AML case is
/// opened (or the open one kept) so risk staff see it in `/admin/aml/cases`.
struct UnderageClosure: Sendable {
    let players: PlayerStatuses
    let audit: AuditLog
    let logger: Logger

    static let adultAge = 18

    /// The finding when `dateOfBirth` is under 18 at `moment`; `source` names where it was found
    /// (an application's id, or `profile`).
    static func finding(_ player: PlayerID, dateOfBirth: String?, source: String, at moment: Date) -> UnderageFinding? {
        guard let dateOfBirth, let age = ProfileValidation.age(dateOfBirth: dateOfBirth, at: moment), age < adultAge else { return nil }
        return UnderageFinding(player: player, dateOfBirth: dateOfBirth, age: age, application: source, foundAt: moment)
    }

    func close(_ finding: UnderageFinding, on connection: PostgresConnection) async throws {
        try await players.close(finding.player, reason: "compliance.underage", actor: "compliance", on: connection)
        let caseID = try await AMLCases.openCase(for: finding.player, on: connection, logger: logger)
        try await audit.append(
            AuditEntry(
                actor: "compliance", action: "compliance.underage_found", target: "player:\(finding.player.rawValue)",
                summary: ["found": finding.application, "case": "aml_case:\(caseID)"]), on: connection)
    }
}
