import Compliance
import Core
import Foundation

/// The KYC queue's view model (`/admin/kyc`): applications waiting for a decision, oldest first,
/// and documents uploaded without an application yet.
struct AdminKYCQueuePage: PageModel {
    struct Row {
        let player: String
        let what: String
        let sinceISO: String
        let sinceText: String
        let testID: String
    }

    let applications: [Row]
    let hasApplications: Bool
    let documents: [Row]
    let hasDocuments: Bool
    let error: String?

    init(applications: [KYCApplication], documents: [KYCDocument], result: String?, text: (String) -> String) {
        self.applications = applications.map { application in
            Row(
                player: String(application.player.rawValue),
                what: text("admin.kyc.queue.applies").replacingOccurrences(of: "{level}", with: text("kyc.levels.l\(application.level)")),
                sinceISO: application.createdAt.formatted(.iso8601), sinceText: DisplayTime.text(application.createdAt),
                testID: "application")
        }
        hasApplications = !applications.isEmpty
        self.documents = documents.map { document in
            Row(
                player: String(document.player.rawValue), what: text("kyc.documents.kinds.\(document.kind.rawValue)"),
                sinceISO: document.createdAt.formatted(.iso8601), sinceText: DisplayTime.text(document.createdAt), testID: "document")
        }
        hasDocuments = !documents.isEmpty
        error = result.flatMap { AdminKYCController.successes.contains($0) ? nil : text("admin.kyc.results.\($0)") }
    }
}

/// A player's compliance profile for staff (`/admin/kyc/players/{id}`): their details, level,
/// documents (pictures shown inline from the console, PDFs downloaded), applications, and the
/// open application's decision forms.
struct AdminKYCPlayerPage: PageModel {
    struct Field {
        let label: String
        let value: String
    }

    struct Document {
        let id: String
        let kind: String
        let state: String
        let stateLabel: String
        let badge: String
        let reason: String?
        let isImage: Bool
        let contentType: String
        let size: String
        let sha256: String
        let uploadedText: String
        let pending: Bool
    }

    struct Application {
        let level: String
        let stateLabel: String
        let reason: String?
        let createdText: String
    }

    struct Requirement {
        let label: String
        let stateLabel: String
        let badge: String
    }

    struct Open {
        let id: String
        let level: String
        let pending: Bool
        let requirements: [Requirement]
        let canApprove: Bool
    }

    struct Kind {
        let value: String
        let label: String
    }

    struct LevelOption {
        let value: Int
        let label: String
        let selected: Bool
    }

    let player: String
    let level: String
    let levels: [LevelOption]
    let profile: ComplianceProfile
    let fields: [Field]
    let documents: [Document]
    let hasDocuments: Bool
    let applications: [Application]
    let hasApplications: Bool
    let open: Open?
    let kinds: [Kind]
    let notice: String?
    let error: String?
    /// Set by the controller from player protection's overview.
    var protection: AdminProtectionSection?

    init(
        player: PlayerID, level: Int, profile: ComplianceProfile, documents: [KYCDocument], applications: [KYCApplication],
        review: ApplicationReview?, result: String?, success: Bool, text: (String) -> String
    ) {
        func levelName(_ level: Int) -> String { text("kyc.levels.l\(level)") }
        let none = text("admin.kyc.player.notGiven")
        self.player = String(player.rawValue)
        self.level = levelName(level)
        levels = KYCLevel.range.map { LevelOption(value: $0, label: levelName($0), selected: $0 == level) }
        self.profile = profile
        fields = [
            Field(label: text("kyc.requirements.legalName"), value: profile.legalName ?? none),
            Field(label: text("kyc.requirements.dateOfBirth"), value: profile.dateOfBirth ?? none),
            Field(label: text("kyc.requirements.country"), value: profile.country ?? none),
            Field(label: text("kyc.requirements.address"), value: profile.address ?? none),
        ]
        self.documents = documents.map { document in
            Document(
                id: document.id, kind: text("kyc.documents.kinds.\(document.kind.rawValue)"), state: document.state.rawValue,
                stateLabel: text("kyc.documents.states.\(document.state.rawValue)"),
                badge: document.state == .approved ? "success" : document.state == .rejected ? "danger" : "warning",
                reason: document.reason,
                isImage: document.contentType != .pdf, contentType: document.contentType.rawValue,
                size: ByteCountFormatter.string(fromByteCount: Int64(document.sizeBytes), countStyle: .file), sha256: document.sha256,
                uploadedText: DisplayTime.text(document.createdAt), pending: document.state == .pending)
        }
        hasDocuments = !documents.isEmpty
        self.applications = applications.map { application in
            Application(
                level: levelName(application.level), stateLabel: text("admin.kyc.applicationStates.\(application.state.rawValue)"),
                reason: application.reason, createdText: DisplayTime.text(application.createdAt))
        }
        hasApplications = !applications.isEmpty
        open = review.map { review in
            Open(
                id: review.application.id, level: levelName(review.application.level), pending: review.application.state == .pending,
                requirements: review.requirements.map { status in
                    Requirement(
                        label: text("kyc.requirements.\(status.requirement.rawValue)"),
                        stateLabel: text("kyc.requirementStates.\(status.state.rawValue)"),
                        badge: status.state == .met ? "success" : status.state == .awaitingReview ? "warning" : "danger")
                },
                // Documents waiting are approved with the application; only a missing one stops it.
                canApprove: review.application.state == .pending && !review.requirements.contains { $0.state == .missing })
        }
        kinds = DocumentKind.allCases.map { Kind(value: $0.rawValue, label: text("kyc.documents.kinds.\($0.rawValue)")) }
        let words = result.map { text("admin.kyc.results.\($0)") }
        notice = success ? words : nil
        error = success ? nil : words
    }
}
