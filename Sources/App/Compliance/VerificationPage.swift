import Compliance
import Foundation
import Ledger

/// The player's verification page (`/verification`): their level and what it allows, how much of
/// each limit is left, what the next level needs and why, their details, their documents and
/// their application. Every word from the locale files.
struct VerificationPage: PageModel {
    struct Limit {
        let label: String
        let limit: String
        let used: String
        let left: String
        let testID: String
    }

    struct Level {
        let name: String
        let current: Bool
        let requirements: String
        let limits: [String]
    }

    struct Requirement {
        let label: String
        let state: String
        let stateLabel: String
        let badge: String
    }

    struct Document {
        let id: String
        let kind: String
        let state: String
        let stateLabel: String
        let badge: String
        let reason: String?
        let uploadedISO: String
        let uploadedText: String
        let size: String
    }

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    /// What the player typed into the details form, shown again when it was refused.
    struct Details {
        var legalName = ""
        var dateOfBirth = ""
        var country = ""
        var address = ""
    }

    let level: String
    let levelNumber: Int
    let limits: [Limit]
    let usageNote: String?
    let levels: [Level]
    let next: String?
    let nextNumber: Int?
    let nextRequirements: [Requirement]
    /// The next level's requirements are all filled in or uploaded: the player may apply.
    let canApply: Bool
    let application: String?
    let applicationAlert: String
    let details: Details
    let detailsLocked: Bool
    let countries: [Option]
    let kinds: [Option]
    let documents: [Document]
    let hasDocuments: Bool
    let maxUpload: String
    let notice: String?
    let error: String?
    let uploadError: String?

    init(
        view: VerificationView, wording: KYCWording, language: String, typed: Details? = nil, notice: String? = nil, error: String? = nil,
        uploadError: String? = nil
    ) {
        let text = wording.text
        level = wording.level(view.level)
        levelNumber = view.level
        limits = view.usage.map { usage in
            Limit(
                label: wording.window(usage.direction, usage.window),
                limit: usage.limit.map(wording.pivotAmount) ?? text("kyc.limits.none"),
                used: wording.pivotAmount(usage.used), left: usage.left.map(wording.pivotAmount) ?? text("kyc.limits.none"),
                testID: "\(usage.direction.rawValue)-\(usage.window.rawValue)")
        }
        usageNote = view.usageRateMissing.map(wording.rateMissing)
        levels = view.levels.map { level in
            Level(
                name: wording.level(level.level), current: level.level == view.level,
                requirements: level.requirements.map(wording.requirement).joined(separator: ", "),
                limits: LimitDirection.allCases.flatMap { direction in
                    LimitWindow.allCases.map { window in
                        "\(wording.window(direction, window)): \(level.limits.limit(direction, window).map(wording.pivotAmount) ?? text("kyc.limits.none"))"
                    }
                })
        }
        next = view.nextLevel.map(wording.level)
        nextNumber = view.nextLevel
        nextRequirements = view.nextRequirements.map { status in
            Requirement(
                label: wording.requirement(status.requirement), state: status.state.rawValue,
                stateLabel: text("kyc.requirementStates.\(status.state.rawValue)"),
                badge: status.state == .met ? "success" : status.state == .awaitingReview ? "warning" : "neutral")
        }
        let open = view.openApplication
        canApply = open == nil && view.nextLevel != nil && view.nextRequirements.allSatisfy { $0.state != .missing }
        if let latest = view.latestApplication {
            var words = text("kyc.application.\(latest.state.rawValue)").replacingOccurrences(
                of: "{level}", with: wording.level(latest.level))
            if let kind = latest.requestedKind { words = words.replacingOccurrences(of: "{kind}", with: wording.documentKind(kind)) }
            if let reason = latest.reason {
                words += " " + text("kyc.application.reason").replacingOccurrences(of: "{reason}", with: reason)
            }
            application = words
            applicationAlert =
                switch latest.state {
                case .approved: "success"
                case .rejected: "danger"
                case .pending, .documentRequested: "info"
                }
        } else {
            application = nil
            applicationAlert = "info"
        }
        let profile = view.profile
        details =
            typed
            ?? Details(
                legalName: profile.legalName ?? "", dateOfBirth: profile.dateOfBirth ?? "", country: profile.country ?? "",
                address: profile.address ?? "")
        detailsLocked = open?.state == .pending
        let chosenCountry = details.country
        let names = Locale(identifier: language)
        countries = Locale.Region.isoRegions.filter { $0.identifier.count == 2 && $0.identifier.allSatisfy(\.isLetter) }
            .map { region in
                Option(
                    value: region.identifier, label: names.localizedString(forRegionCode: region.identifier) ?? region.identifier,
                    selected: region.identifier == chosenCountry)
            }
            .sorted { $0.label.localizedCompare($1.label) == .orderedAscending }
        let wanted = Set(view.nextRequirements.compactMap(\.requirement.documentKind))
        // What the next level asks for comes first, the first of it chosen.
        let ordered = DocumentKind.allCases.filter { wanted.contains($0) } + DocumentKind.allCases.filter { !wanted.contains($0) }
        kinds = ordered.enumerated().map { Option(value: $1.rawValue, label: wording.documentKind($1), selected: $0 == 0) }
        documents = view.documents.map { document in
            Document(
                id: document.id, kind: wording.documentKind(document.kind), state: document.state.rawValue,
                stateLabel: text("kyc.documents.states.\(document.state.rawValue)"),
                badge: document.state == .approved ? "success" : document.state == .rejected ? "danger" : "warning",
                reason: document.reason,
                uploadedISO: document.createdAt.formatted(.iso8601), uploadedText: DisplayTime.text(document.createdAt),
                size: ByteCountFormatter.string(fromByteCount: Int64(document.sizeBytes), countStyle: .file))
        }
        hasDocuments = !documents.isEmpty
        maxUpload = ByteCountFormatter.string(fromByteCount: Int64(DocumentLimits.maxBytes), countStyle: .binary)
        self.notice = notice
        self.error = error
        self.uploadError = uploadError
    }
}
