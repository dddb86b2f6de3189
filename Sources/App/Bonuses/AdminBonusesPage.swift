import Bonuses
import Core
import Foundation
import Games
import Identity

/// The console's bonuses page's view model: each campaign's terms in a line, the open manual
/// grant requests (the requester sees theirs waiting for someone else), the forms' options.
struct AdminBonusesPage: PageModel {
    struct CampaignRow {
        let id: Int64
        let name: String
        let currency: String
        let offer: String
        let eligibility: String
        let terms: String
        let enabled: Bool
    }

    struct SpinGame {
        let code: String
        let name: String
    }

    struct SegmentOption {
        let code: String
        let name: String
    }

    struct RequestRow {
        let id: Int64
        let player: Int64
        let campaign: String
        let deposit: String
        let note: String
        let requestedBy: Int64
        let expiresISO: String
        let expires: String
        /// Someone else asked, and an owner decides when one must: this staff member may decide.
        let decidable: Bool
        /// Someone else asked: this staff member may reject it.
        let rejectable: Bool
        let ownerRequired: Bool
        /// Why this staff member cannot decide it.
        let waiting: String?
    }

    let campaigns: [CampaignRow]
    let hasCampaigns: Bool
    let enabledCampaigns: [CampaignRow]
    let requests: [RequestRow]
    let hasRequests: Bool
    let currencies: [String]
    /// The games free spins may be on: Croupier Originals', the provider that takes rewards here.
    let spinGames = OriginalsProvider.games.map { SpinGame(code: $0.code, name: $0.name) }
    /// The segments a campaign may be only for (Identity's), named in the page's language.
    let segments: [SegmentOption]
    let notice: String?
    let error: String?

    init(
        campaigns: [Campaign], requests: [GrantRequests.Request], staff: StaffMember, catalog: [String: Currency], language: String,
        localization: Localization, notice: String?, error: String?
    ) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        func money(_ units: Int64, _ code: String) -> String {
            catalog[code].map { formatter.format(units: units, currency: $0) } ?? "\(units)"
        }
        let rows = campaigns.map { campaign in
            let terms = campaign.terms
            let offer: String
            switch terms.kind {
            case .depositMatch:
                offer = text("admin.bonuses.offer.match").replacingOccurrences(of: "{percent}", with: String(terms.matchPercent ?? 0))
                    .replacingOccurrences(of: "{cap}", with: money(terms.amountUnits, terms.currency))
            case .fixed: offer = money(terms.amountUnits, terms.currency)
            case .freeSpins:
                let spins = terms.freeSpins
                offer = text("admin.bonuses.offer.freeSpins").replacingOccurrences(of: "{spins}", with: String(spins?.spins ?? 0))
                    .replacingOccurrences(of: "{stake}", with: money(terms.amountUnits, terms.currency))
                    .replacingOccurrences(of: "{game}", with: OriginalsProvider.games.first { $0.code == spins?.game }?.name ?? "")
                    .replacingOccurrences(of: "{days}", with: String(spins?.days ?? 0))
            }
            var eligibility: String
            switch terms.eligibility {
            case .firstDeposit: eligibility = text("admin.bonuses.eligibility.firstDeposit")
            case .code(let code): eligibility = text("admin.bonuses.eligibility.code").replacingOccurrences(of: "{code}", with: code)
            }
            if let segment = terms.segment {
                eligibility +=
                    " · "
                    + text("admin.bonuses.eligibility.segment")
                    .replacingOccurrences(of: "{segment}", with: text("admin.players.segments.\(segment)"))
            }
            var parts = [
                text("admin.bonuses.terms.wagering.\(terms.wageringBase.rawValue)")
                    .replacingOccurrences(of: "{n}", with: String(terms.wageringMultiplier)),
                text("admin.bonuses.terms.expiry").replacingOccurrences(of: "{days}", with: String(terms.expiryDays)),
            ]
            if let maxBet = terms.maxBetUnits {
                parts.append(text("admin.bonuses.terms.maxBet").replacingOccurrences(of: "{amount}", with: money(maxBet, terms.currency)))
            }
            if let cap = terms.maxConversionUnits {
                parts.append(
                    text("admin.bonuses.terms.maxConversion").replacingOccurrences(of: "{amount}", with: money(cap, terms.currency)))
            }
            return CampaignRow(
                id: campaign.id, name: terms.name, currency: terms.currency, offer: offer, eligibility: eligibility,
                terms: parts.joined(separator: " · "), enabled: campaign.enabled)
        }
        self.campaigns = rows
        hasCampaigns = !rows.isEmpty
        enabledCampaigns = rows.filter(\.enabled)
        let currencyOf = Dictionary(campaigns.map { ($0.id, $0.terms.currency) }, uniquingKeysWith: { first, _ in first })
        self.requests = requests.map { request in
            let mine = request.requestedBy == staff.id
            let ownerMissing = request.requiresOwner && staff.role != .owner
            return RequestRow(
                id: request.id, player: request.player.rawValue, campaign: request.campaignName,
                deposit: money(request.depositUnits, currencyOf[request.campaignID] ?? ""), note: request.note,
                requestedBy: request.requestedBy, expiresISO: request.expiresAt.formatted(.iso8601),
                expires: DisplayTime.text(request.expiresAt), decidable: !mine && !ownerMissing, rejectable: !mine,
                ownerRequired: request.requiresOwner,
                waiting: mine
                    ? text("admin.bonuses.requests.waiting") : ownerMissing ? text("admin.bonuses.requests.waitingOwner") : nil)
        }
        hasRequests = !requests.isEmpty
        currencies = catalog.keys.sorted()
        segments = PlayerSegment.known.map { SegmentOption(code: $0.rawValue, name: text("admin.players.segments.\($0.rawValue)")) }
        self.notice = notice.map(text)
        self.error = error.map(text)
    }
}
