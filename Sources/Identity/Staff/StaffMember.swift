import Foundation

public struct StaffMember: Sendable, Equatable {
    public let id: Int64
    public let email: String
    public let role: StaffRole
    public let disabled: Bool
    public let lastLoginAt: Date?
    public let createdAt: Date
    /// False between an invitation or TOTP reset and the use of its enrolment link.
    public var enrolled: Bool = true
}

/// Why a staff sign-in failed. People see one message for all of them except a lock-out
/// (which says when to try again); the audit log records the precise reason.
public enum StaffSignInFailure: Error, Sendable, Equatable {
    case invalidCredentials(reason: String)
    case lockedOut(until: Date)
}

public enum StaffDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidEmail
    case weakPassword
    case emailTaken
    case notFound
    case notAllowed
    case enrolmentInvalid
    case wrongTOTP

    public var description: String {
        switch self {
        case .invalidEmail: "the e-mail address is not valid"
        case .weakPassword: "the password must have at least 12 characters"
        case .emailTaken: "a staff member with this e-mail exists already"
        case .notFound: "no such staff member"
        case .notAllowed: "this role may not do that"
        case .enrolmentInvalid: "the enrolment link is unknown, expired or used"
        case .wrongTOTP: "the authenticator code does not match"
        }
    }
}
