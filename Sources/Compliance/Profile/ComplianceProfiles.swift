import Core
import Foundation
import Identity
import Logging
import Persistence
import PostgresNIO

/// The players' compliance profiles (`compliance_profiles`). Every change is audited as
/// `compliance.profile_changed` in its transaction, naming the fields changed but **not their
/// values**: the audit log is append-only and hash-chained, so personal data written there could
/// never be erased; the values live only in the profile row.
public struct ComplianceProfiles: Sendable {
    let database: Database
    let levels: KYCLevels
    let audit: AuditLog
    let logger: Logger
    let now: @Sendable () -> Date

    public init(database: Database, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.levels = KYCLevels(database: database, logger: logger)
        self.audit = AuditLog(database: database, logger: logger)
        self.logger = logger
        self.now = now
    }

    /// The player's profile; an empty one when they never filled it in.
    public func profile(of player: PlayerID) async throws -> ComplianceProfile {
        try await database.withConnection { connection in try await profile(of: player, on: connection) }
    }

    func profile(of player: PlayerID, on connection: PostgresConnection) async throws -> ComplianceProfile {
        let rows = try await connection.query(
            """
            SELECT legal_name, to_char(date_of_birth, 'YYYY-MM-DD'), country, address, updated_at
              FROM compliance_profiles WHERE player_id = \(player.rawValue)
            """, logger: logger)
        for try await (name, birth, country, address, at) in rows.decode((String?, String?, String?, String?, Date).self) {
            return ComplianceProfile(legalName: name, dateOfBirth: birth, country: country, address: address, updatedAt: at)
        }
        return ComplianceProfile()
    }

    /// The player changes their own profile: refused while an application is being reviewed, and
    /// for a field their approved level relies on (staff change those).
    public func update(_ changes: ProfileChanges, of player: PlayerID) async throws -> ComplianceProfile {
        try await change(changes, of: player, actor: "player:\(player.rawValue)", asStaff: false)
    }

    /// A staff member (`kyc.review`, checked by the App) corrects a player's profile.
    public func update(_ changes: ProfileChanges, of player: PlayerID, staff: Int64) async throws -> ComplianceProfile {
        try await change(changes, of: player, actor: "staff:\(staff)", asStaff: true)
    }

    private func change(_ changes: ProfileChanges, of player: PlayerID, actor: String, asStaff: Bool) async throws -> ComplianceProfile {
        let valid = try validated(changes)
        return try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            let old = try await profile(of: player, on: connection)
            var changed: [KYCRequirement] = []
            if let name = valid.legalName, name != old.legalName { changed.append(.legalName) }
            if let birth = valid.dateOfBirth, birth != old.dateOfBirth { changed.append(.dateOfBirth) }
            if let country = valid.country, country != old.country { changed.append(.country) }
            if let address = valid.address, address != old.address { changed.append(.address) }
            if changed.isEmpty { return old }
            if !asStaff {
                let open = try await connection.query(
                    """
                    SELECT 1 FROM compliance_applications WHERE player_id = \(player.rawValue) AND state IN ('pending', 'document_requested')
                    """, logger: logger
                ).collect()
                if !open.isEmpty { throw ProfileProblem.underReview }
                let level = try await levels.level(of: player, on: connection)
                let relied = try await levels.all(on: connection).first(where: { $0.level == level })?.requirements ?? []
                if let verified = changed.first(where: relied.contains) { throw ProfileProblem.fieldVerified(field: verified) }
            }
            _ = try await connection.query(
                """
                INSERT INTO compliance_profiles (player_id, legal_name, date_of_birth, country, address)
                VALUES (\(player.rawValue), \(valid.legalName), \(valid.dateOfBirth)::date, \(valid.country), \(valid.address))
                ON CONFLICT (player_id) DO UPDATE
                   SET legal_name = COALESCE(EXCLUDED.legal_name, compliance_profiles.legal_name),
                       date_of_birth = COALESCE(EXCLUDED.date_of_birth, compliance_profiles.date_of_birth),
                       country = COALESCE(EXCLUDED.country, compliance_profiles.country),
                       address = COALESCE(EXCLUDED.address, compliance_profiles.address), updated_at = now()
                """, logger: logger
            ).collect()
            try await audit.append(
                AuditEntry(
                    actor: actor, action: "compliance.profile_changed", target: "player:\(player.rawValue)",
                    summary: ["fields": changed.map(\.rawValue).joined(separator: ",")]), on: connection)
            let changedProfile = try await profile(of: player, on: connection)
            if changed.contains(.country) {
                try await ComplianceEvents.profileChanged(player.rawValue, country: changedProfile.country, on: connection, logger: logger)
            }
            // A date of birth under 18 closes the account as soon as it is given, not only when
            // the player applies for a level.
            if changed.contains(.dateOfBirth),
                let finding = UnderageClosure.finding(player, dateOfBirth: changedProfile.dateOfBirth, source: "profile", at: now())
            {
                try await UnderageClosure(players: PlayerStatuses(database: database, logger: logger), audit: audit, logger: logger)
                    .close(finding, on: connection)
            }
            return changedProfile
        }
    }

    private func validated(_ changes: ProfileChanges) throws -> ProfileChanges {
        ProfileChanges(
            legalName: try changes.legalName.map(ProfileValidation.name),
            dateOfBirth: try changes.dateOfBirth.map { try ProfileValidation.dateOfBirth($0, today: now()) },
            country: try changes.country.map(ProfileValidation.country),
            address: try changes.address.map(ProfileValidation.address))
    }
}
