import Foundation

/// What a KYC level can ask of a player: a fixed vocabulary, so staff choose from it and the
/// pages can name each in the player's language.
public enum KYCRequirement: String, Sendable, CaseIterable, Codable {
    /// Always met: Identity creates a player only once their e-mail is confirmed.
    case emailConfirmed
    case legalName, dateOfBirth, country, address
    case identityDocument, selfie, proofOfAddress, sourceOfFunds

    /// The document kind that meets it, for the four met by an approved document.
    public var documentKind: DocumentKind? { DocumentKind(rawValue: rawValue) }
}

/// Which way money goes, for limits.
public enum LimitDirection: String, Sendable, CaseIterable, Codable {
    case deposit, withdrawal
}

/// A rolling window a limit sums over: the last 24 hours or the last 30 × 24 hours before the
/// request (not calendar days, so no midnight resets a sum in any player's time zone).
public enum LimitWindow: String, Sendable, CaseIterable, Codable {
    case day
    case thirtyDays

    public var seconds: TimeInterval {
        switch self {
        case .day: 86_400
        case .thirtyDays: 30 * 86_400
        }
    }
}

/// A level's four limits, in whole units of the pivot currency as exact decimal text; nil
/// means no limit.
public struct LevelLimits: Sendable, Equatable, Codable {
    public var depositsDay: String?
    public var deposits30Days: String?
    public var withdrawalsDay: String?
    public var withdrawals30Days: String?

    public init(depositsDay: String?, deposits30Days: String?, withdrawalsDay: String?, withdrawals30Days: String?) {
        self.depositsDay = depositsDay
        self.deposits30Days = deposits30Days
        self.withdrawalsDay = withdrawalsDay
        self.withdrawals30Days = withdrawals30Days
    }

    public func limit(_ direction: LimitDirection, _ window: LimitWindow) -> String? {
        switch (direction, window) {
        case (.deposit, .day): depositsDay
        case (.deposit, .thirtyDays): deposits30Days
        case (.withdrawal, .day): withdrawalsDay
        case (.withdrawal, .thirtyDays): withdrawals30Days
        }
    }
}

/// One KYC level (L0–L3) as staff configured it: everything it needs (not only what it adds to
/// the level below) and its limits.
public struct KYCLevel: Sendable, Equatable {
    public let level: Int
    public let requirements: [KYCRequirement]
    public let limits: LevelLimits
    public let updatedBy: String
    public let updatedAt: Date

    public static let range = 0...3
}

/// Why a level change was refused; nothing was written.
public enum KYCLevelProblem: Error, Sendable, Equatable {
    case unknownLevel(Int)
    /// A limit that is not a non-negative decimal with at most the pivot's decimals.
    case badLimit(String)
    /// L0 must keep `emailConfirmed` only: it is where every player starts.
    case levelZeroRequirements
    /// A level asks less than the one below it, which would let a player skip a check.
    case requirementsNotCumulative(level: Int)

    public var code: String {
        switch self {
        case .unknownLevel: "kycUnknownLevel"
        case .badLimit: "kycBadLimit"
        case .levelZeroRequirements: "kycLevelZeroRequirements"
        case .requirementsNotCumulative: "kycRequirementsNotCumulative"
        }
    }
}
