import Bonuses
import Core
import Foundation
import Games
import Hummingbird
import Identity

/// The console's bonuses, `/admin/bonuses` (`bonuses.manage`; docs/bonuses.md "Staff"):
/// campaigns (create, enable, disable) and manual grants with four eyes (one staff member asks,
/// another approves or rejects within 24 hours; an owner approves one worth the owner threshold). Every change is a CSRF-checked form, audited.
struct AdminBonusesController {
    let pages: PageRenderer
    let campaigns: Campaigns
    let requests: GrantRequests
    let currencies: CurrencyCatalog
    let access: StaffAccess
    /// From which worth only an owner approves a manual grant.
    let owners: OwnerThreshold

    struct CampaignForm: Decodable {
        let name: String?
        let currency: String?
        let kind: String?
        let matchPercent: String?
        let amount: String?
        let code: String?
        let wageringMultiplier: String?
        let wageringBase: String?
        let maxBet: String?
        let expiryDays: String?
        let maxConversion: String?
        let spins: String?
        let spinGame: String?
        let spinDays: String?
        let segment: String?
    }

    struct RequestForm: Decodable {
        let player: String?
        let campaign: String?
        let deposit: String?
        let note: String?
    }

    static let results = ["created", "enabled", "disabled", "requested", "approved", "rejected"]

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("bonuses").add(middleware: PermissionRequired(.bonusesManage, access))
        area.get { request, context -> Response in
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            return try await page(request: request, context: context, notice: result.map { "admin.bonuses.results.\($0)" })
        }
        area.post("campaigns") { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await URLEncodedFormDecoder().decode(
                CampaignForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            do {
                let campaign = try await campaigns.create(try await terms(form))
                try await access.record(
                    "bonuses.campaign_created", by: staff, target: "campaign:\(campaign.id)",
                    summary: ["name": campaign.terms.name, "currency": campaign.terms.currency], request, context)
                return Response.redirect(to: "/admin/bonuses?result=created", type: .normal)
            } catch let problem as CampaignProblem {
                return try await page(
                    request: request, context: context, status: .unprocessableContent, error: "campaign.\(problem.rawValue)")
            }
        }
        for (action, enabled) in [("enable", true), ("disable", false)] {
            area.post("campaigns/:id/\(action)") { request, context -> Response in
                let staff = try context.signedInStaff()
                guard let id = Int64(try context.parameters.require("id")), try await campaigns.setEnabled(id, enabled) != nil else {
                    throw AppError(.notFound, code: .invalidRequest)
                }
                try await access.record("bonuses.campaign_\(action)d", by: staff, target: "campaign:\(id)", request, context)
                return Response.redirect(to: "/admin/bonuses?result=\(action)d", type: .normal)
            }
        }
        area.post("requests") { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await URLEncodedFormDecoder().decode(
                RequestForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            do {
                guard let player = Int64(form.player ?? ""), let campaignID = Int64(form.campaign ?? ""),
                    let campaign = try await campaigns.campaign(campaignID),
                    let currency = try await currencies.currency(campaign.terms.currency)
                else { throw GrantRefusal.campaignNotEnabled }
                let deposit =
                    (form.deposit ?? "").isEmpty ? 0 : try Amount.units(fromDecimal: form.deposit ?? "", scale: currency.scale)
                let asked = try await requests.request(
                    campaign: campaignID, player: PlayerID(player), depositUnits: deposit, note: form.note ?? "", staff: staff.id,
                    requiresOwner: owners.requiresOwner(units: Self.worth(of: campaign.terms, deposit: deposit), currency: currency))
                try await access.record(
                    "bonuses.grant_requested", by: staff, target: "player:\(player)",
                    summary: ["request": String(asked.id), "campaign": String(campaignID)], request, context)
                return Response.redirect(to: "/admin/bonuses?result=requested", type: .normal)
            } catch let refusal as GrantRequestRefusal {
                return try await page(
                    request: request, context: context, status: .unprocessableContent, error: "request.\(refusal.rawValue)")
            } catch is GrantRefusal {
                return try await page(
                    request: request, context: context, status: .unprocessableContent, error: "request.campaignNotEnabled")
            } catch is AmountError {
                return try await page(request: request, context: context, status: .unprocessableContent, error: "request.badAmount")
            }
        }
        for (action, approve) in [("approve", true), ("reject", false)] {
            area.post("requests/:id/\(action)") { request, context -> Response in
                let staff = try context.signedInStaff()
                guard let id = Int64(try context.parameters.require("id")) else { throw AppError(.notFound, code: .invalidRequest) }
                do {
                    let granted = try await requests.decide(id, approve: approve, staff: staff.id, isOwner: staff.role == .owner)
                    try await access.record(
                        "bonuses.grant_\(action == "approve" ? "approved" : "rejected")", by: staff, target: "request:\(id)",
                        summary: granted.map { ["grant": String($0.id)] } ?? [:], request, context)
                    return Response.redirect(to: "/admin/bonuses?result=\(action == "approve" ? "approved" : "rejected")", type: .normal)
                } catch let refusal as GrantRequestRefusal {
                    // An approval that would pass the second pair of eyes is kept in the trail.
                    if refusal == .ownRequest || refusal == .ownerRequired {
                        try await access.record(
                            "bonuses.grant_refused", by: staff, target: "request:\(id)",
                            summary: ["refusal": refusal.rawValue, "role": staff.role.rawValue], request, context)
                    }
                    return try await page(
                        request: request, context: context, status: .unprocessableContent, error: "request.\(refusal.rawValue)")
                } catch is GrantRefusal {
                    return try await page(
                        request: request, context: context, status: .unprocessableContent, error: "request.campaignNotEnabled")
                }
            }
        }
    }

    /// What a manual grant gives: its bonus money, or for free spins their stakes together.
    static func worth(of terms: CampaignTerms, deposit: Int64) -> Int64 {
        guard let spins = terms.freeSpins else { return terms.bonusUnits(forDeposit: deposit) }
        let (worth, overflow) = terms.amountUnits.multipliedReportingOverflow(by: Int64(spins.spins))
        return overflow ? .max : worth
    }

    /// The form's terms; amounts in the campaign's currency, refused by name when unreadable.
    private func terms(_ form: CampaignForm) async throws -> CampaignTerms {
        let currency = form.currency ?? ""
        guard let scale = try await currencies.currency(currency)?.scale else { throw CampaignProblem.unknownCurrency }
        func units(_ text: String?, _ problem: CampaignProblem) throws -> Int64? {
            guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            do { return try Amount.units(fromDecimal: text.trimmingCharacters(in: .whitespaces), scale: scale) } catch { throw problem }
        }
        let kind = Campaign.Kind(rawValue: form.kind ?? "") ?? .fixed
        let code = (form.code ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        guard let amount = try units(form.amount, .amount) else { throw CampaignProblem.amount }
        guard let multiplier = Int(form.wageringMultiplier ?? "") else { throw CampaignProblem.wageringMultiplier }
        guard let expiry = Int(form.expiryDays ?? "") else { throw CampaignProblem.expiryDays }
        let percent = kind == .depositMatch ? Int(form.matchPercent ?? "") : nil
        if kind == .depositMatch, percent == nil { throw CampaignProblem.matchPercent }
        var freeSpins: FreeSpinTerms?
        if kind == .freeSpins {
            guard let spins = Int(form.spins ?? ""), let days = Int(form.spinDays ?? "") else { throw CampaignProblem.freeSpins }
            freeSpins = FreeSpinTerms(spins: spins, game: form.spinGame ?? "", days: days)
            // Refused here, by name: Originals would refuse every award of this stake at grant time.
            guard OriginalsProvider.takesFreeRounds(of: Hub88Amount.wire(units: amount, scale: scale), on: form.spinGame ?? "") else {
                throw CampaignProblem.freeSpins
            }
        }
        var segment: String?
        if let name = form.segment, !name.isEmpty {
            guard let known = PlayerSegment(rawValue: name) else { throw CampaignProblem.segment }
            segment = known.rawValue
        }
        return CampaignTerms(
            name: (form.name ?? "").trimmingCharacters(in: .whitespaces), currency: currency, kind: kind, matchPercent: percent,
            amountUnits: amount, eligibility: code.isEmpty ? .firstDeposit : .code(code), wageringMultiplier: multiplier,
            wageringBase: Campaign.WageringBase(rawValue: form.wageringBase ?? "") ?? .bonus, maxBetUnits: try units(form.maxBet, .maxBet),
            expiryDays: expiry, maxConversionUnits: try units(form.maxConversion, .maxConversion), freeSpins: freeSpins,
            segment: segment)
    }

    private func page(
        request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok, notice: String? = nil, error: String? = nil
    ) async throws -> Response {
        let staff = try context.signedInStaff()
        let language = Localization.language(for: request)
        let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/bonuses")
        let model = AdminBonusesPage(
            campaigns: try await campaigns.all(), requests: try await requests.open(), staff: staff, catalog: try await currencies.all(),
            language: language, localization: pages.localization, notice: notice, error: error.map { "admin.bonuses.errors.\($0)" })
        var response = pages.render(
            "admin_bonuses", face: .admin, title: "admin.bonuses.title", model: model, frame: console.frame, request: request,
            context: context)
        response.status = status
        return response
    }
}
