import Core
import Foundation
import Logging
import PostgresNIO

/// How far a player is with one requirement.
public struct RequirementStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Filled in (a profile field) or approved by staff (a document).
        case met
        /// A document of that kind waits for staff.
        case awaitingReview
        case missing
    }

    public let requirement: KYCRequirement
    public let state: State

    public init(requirement: KYCRequirement, state: State) {
        self.requirement = requirement
        self.state = state
    }
}

/// Which requirements a player meets, from their profile and documents, on the caller's connection.
struct RequirementCheck: Sendable {
    let profiles: ComplianceProfiles
    let documents: KYCDocuments

    func statuses(of player: PlayerID, for requirements: [KYCRequirement], on connection: PostgresConnection) async throws
        -> [RequirementStatus]
    {
        let profile = try await profiles.profile(of: player, on: connection)
        let documents = try await documents.documents(of: player, on: connection)
        return requirements.map { requirement in
            if requirement == .emailConfirmed { return RequirementStatus(requirement: requirement, state: .met) }
            guard let kind = requirement.documentKind else {
                return RequirementStatus(requirement: requirement, state: profile.has(requirement) ? .met : .missing)
            }
            let ofKind = documents.filter { $0.kind == kind }
            if ofKind.contains(where: { $0.state == .approved }) { return RequirementStatus(requirement: requirement, state: .met) }
            if ofKind.contains(where: { $0.state == .pending }) {
                return RequirementStatus(requirement: requirement, state: .awaitingReview)
            }
            return RequirementStatus(requirement: requirement, state: .missing)
        }
    }
}
