import Compliance
import Core
import Foundation
import Hummingbird

/// The player's protection tools, `/responsible-gambling` (docs/player-protection.md): every
/// change is a CSRF-checked form that Compliance audits; the page says the result.
struct ResponsibleGamblingController {
    let pages: PageRenderer
    let protection: PlayerProtection
    let currencies: CurrencyCatalog
    let header: PlayerHeader

    struct LimitForm: Decodable {
        let kind: String?
        let period: String?
        let currency: String?
        let amount: String?
    }

    struct ExclusionForm: Decodable {
        let term: String?
        /// The confirmation step: the box saying the player understands it cannot be undone.
        let understood: String?
    }

    struct RealityCheckForm: Decodable {
        let minutes: String?
    }

    /// Every result a redirect can name: the page says it from the locale files.
    static let results = ["limitApplied", "limitPending", "limitConfirmed", "excluded", "realityCheckSaved"]
    static let path = "/responsible-gambling"

    func addRoutes(to router: Router<AppRequestContext>, csrf: CSRFProtection) {
        router.get(RouterPath(Self.path)) { request, context -> Response in
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            let language = Localization.language(for: request)
            return try await page(
                request: request, context: context,
                notice: result.map { pages.localization.string("protection.results.\($0)", in: language) })
        }
        let own = router.group(RouterPath(Self.path)).add(middleware: SignInRequired.player).add(middleware: CSRFMiddleware(csrf: csrf))
        own.post("limits") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                LimitForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            return try await changing(request, context) {
                let amount = form.amount?.trimmingCharacters(in: .whitespaces)
                switch try await protection.setLimit(
                    player: player, slot: try Self.slot(form), amount: amount?.isEmpty == false ? amount : nil, actor: "player")
                {
                case .applied: return "limitApplied"
                case .pending: return "limitPending"
                }
            }
        }
        own.post("limits/confirm") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                LimitForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            return try await changing(request, context) {
                try await protection.confirm(player: player, slot: try Self.slot(form), actor: "player")
                return "limitConfirmed"
            }
        }
        own.post("exclusion") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                ExclusionForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            return try await changing(request, context) {
                guard form.understood == "yes" else { throw Unconfirmed() }
                try await protection.exclude(player: player, term: try Self.term(form.term ?? ""), actor: "player")
                return "excluded"
            }
        }
        own.post("reality-check") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                RealityCheckForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            return try await changing(request, context) {
                try await protection.setRealityCheck(player: player, minutes: Int(form.minutes ?? "") ?? 0, actor: "player")
                return "realityCheckSaved"
            }
        }
    }

    /// Runs a change and redirects to the page with its result, or shows the page with the
    /// refusal in the player's language (nothing was changed).
    private func changing(_ request: Request, _ context: AppRequestContext, _ change: () async throws -> String) async throws -> Response {
        do {
            return Response.redirect(to: "\(Self.path)?result=\(try await change())", type: .normal)
        } catch let problem as ProtectionProblem {
            let language = Localization.language(for: request)
            var words = pages.localization.string("protection.errors.\(problem.code)", in: language)
            switch problem {
            case .coolingOff(let until): words = words.replacingOccurrences(of: "{until}", with: DisplayTime.text(until))
            case .alreadyExcluded(nil): words = pages.localization.string("protection.errors.alreadyExcludedPermanently", in: language)
            case .alreadyExcluded(let until?): words = words.replacingOccurrences(of: "{until}", with: DisplayTime.text(until))
            default: break
            }
            return try await page(request: request, context: context, status: .unprocessableContent, error: words)
        } catch is Unconfirmed {
            let words = pages.localization.string("protection.errors.unconfirmed", in: Localization.language(for: request))
            return try await page(request: request, context: context, status: .unprocessableContent, error: words)
        }
    }

    /// An exclusion posted without the box that says the player understands it cannot be undone.
    struct Unconfirmed: Error {}

    static func slot(_ form: LimitForm) throws -> LimitSlot {
        guard let kind = form.kind.flatMap(ProtectionLimitKind.init(rawValue:)) else { throw ProtectionProblem.invalidSlot }
        if kind == .session { return .session }
        guard let period = form.period.flatMap(ProtectionPeriod.init(rawValue:)), let currency = form.currency, !currency.isEmpty else {
            throw ProtectionProblem.invalidSlot
        }
        return LimitSlot(kind: kind, period: period, currency: currency)
    }

    /// `timeOut:<days>`, `selfExclusion:<months>` or `permanent`.
    static func term(_ text: String) throws -> ExclusionTerm {
        let parts = text.split(separator: ":").map(String.init)
        switch (parts.first, parts.count == 2 ? Int(parts[1]) : nil) {
        case ("timeOut", let days?): return .timeOut(days: days)
        case ("selfExclusion", let months?): return .selfExclusion(months: months)
        case ("permanent", nil) where parts.count == 1: return .permanent
        default: throw ProtectionProblem.invalidTerm
        }
    }

    private func wording(_ language: String) -> ProtectionWording {
        ProtectionWording(text: { pages.localization.string($0, in: language) })
    }

    func page(
        request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok, notice: String? = nil, error: String? = nil
    ) async throws -> Response {
        let language = Localization.language(for: request)
        let player = context.player
        var overview: ProtectionOverview?
        if let player { overview = try await protection.overview(of: player) }
        return pages.render(
            "responsible_gambling", face: .player, title: "protection.title",
            model: ResponsibleGamblingPage(
                overview: overview, currencies: try await currencies.all(), wording: wording(language), notice: notice, error: error),
            frame: try await header.frame(for: player, language: language, active: "responsible"), status: status, request: request,
            context: context)
    }
}
