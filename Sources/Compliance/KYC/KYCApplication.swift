import Core
import Foundation

/// A player's request to be raised to a level, reviewed by staff (`compliance_applications`).
public struct KYCApplication: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case pending, approved, rejected
        case documentRequested = "document_requested"
    }

    /// `kyc_` and 22 random URL-safe characters.
    public let id: String
    public let player: PlayerID
    public let level: Int
    public let state: State
    /// Staff's words when rejected or when they ask for another document, shown to the player.
    public let reason: String?
    /// The kind of document staff asked for (state `documentRequested`).
    public let requestedKind: DocumentKind?
    public let createdAt: Date
    public let reviewedAt: Date?
}

/// What a reviewer sees of an application: the profile fields and documents it rests on, and
/// how each requirement of the level stands.
public struct ApplicationReview: Sendable {
    public let application: KYCApplication
    public let profile: ComplianceProfile
    public let documents: [KYCDocument]
    public let requirements: [RequirementStatus]
}

/// A date of birth under 18 was found (in a profile change, at submission or at approval): in the
/// same transaction the player was closed through Identity and their AML case opened
/// (`UnderageClosure`).
public struct UnderageFinding: Sendable, Equatable {
    public let player: PlayerID
    public let dateOfBirth: String
    public let age: Int
    /// Where it was found: the application's id, or `profile` when the player gave it.
    public let application: String
    public let foundAt: Date
}

/// What submitting an application led to.
public enum SubmissionOutcome: Sendable, Equatable {
    case submitted(KYCApplication)
    /// The application is stored rejected, and the player closed.
    case closedUnderage(UnderageFinding)
}

/// What approving an application led to.
public enum ApprovalOutcome: Sendable, Equatable {
    /// The player is now at the application's level.
    case approved(KYCApplication)
    /// The application is rejected, and the player closed.
    case closedUnderage(UnderageFinding)
}

/// Why an application step was refused; nothing was written.
public enum ApplicationRefusal: Error, Sendable, Equatable {
    case unknownLevel(Int)
    /// The player is at this level or above already.
    case notAboveCurrentLevel(current: Int)
    /// Another application of the player is open.
    case alreadyOpen
    /// What the level needs and the player has not filled in or uploaded (at submission), or what
    /// is not met once the documents are approved (at approval).
    case requirementsMissing([KYCRequirement])
    case notFound
    /// Approved or rejected already, or (for approval) waiting for the player's document.
    case notPending
    /// Staff's words to the player are needed (1 to 1000 characters).
    case reasonMissing

    public var code: String {
        switch self {
        case .unknownLevel: "kycUnknownLevel"
        case .notAboveCurrentLevel: "kycNotAboveCurrentLevel"
        case .alreadyOpen: "kycApplicationOpen"
        case .requirementsMissing: "kycRequirementsMissing"
        case .notFound: "kycApplicationNotFound"
        case .notPending: "kycApplicationNotPending"
        case .reasonMissing: "reasonMissing"
        }
    }
}
