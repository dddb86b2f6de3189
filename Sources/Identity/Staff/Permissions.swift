/// Staff roles and what each may do. The table lives here and in docs/identity.md; every staff
/// route names the permission it needs, and the console shows only what the role can use.
public enum StaffRole: String, Sendable, CaseIterable, Codable {
    case owner, admin, finance, risk, support, analyst
}

public enum Permission: String, Sendable, CaseIterable, Codable {
    case playersView = "players.view"
    case playersManage = "players.manage"
    case moneyView = "money.view"
    case moneyAdjust = "money.adjust"
    case withdrawalsApprove = "withdrawals.approve"
    case riskView = "risk.view"
    case riskManage = "risk.manage"
    case kycReview = "kyc.review"
    case gamesManage = "games.manage"
    case paymentsManage = "payments.manage"
    case reportsView = "reports.view"
    case reportsManage = "reports.manage"
    case staffManage = "staff.manage"
    case auditView = "audit.view"
    case systemView = "system.view"
    case bonusesManage = "bonuses.manage"
}

extension StaffRole {
    public var permissions: Set<Permission> {
        switch self {
        case .owner:
            Set(Permission.allCases)
        case .admin:
            Set(Permission.allCases)
        case .finance:
            [
                .playersView, .moneyView, .moneyAdjust, .withdrawalsApprove, .paymentsManage, .reportsView, .reportsManage, .auditView,
                .bonusesManage,
            ]
        case .risk:
            [.playersView, .playersManage, .moneyView, .riskView, .riskManage, .kycReview, .withdrawalsApprove, .reportsView, .auditView]
        case .support:
            // Support blocks and unblocks players, ends their sessions and keeps notes.
            [.playersView, .playersManage, .moneyView, .riskView]
        case .analyst:
            [.reportsView, .reportsManage, .playersView]
        }
    }

    public func can(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Only an owner may grant or hold the owner role; an admin manages everyone else.
    public func canAssign(_ role: StaffRole) -> Bool {
        switch self {
        case .owner: true
        case .admin: role != .owner
        default: false
        }
    }
}
