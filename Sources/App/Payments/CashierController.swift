import Compliance
import Core
import Foundation
import Hummingbird
import Ledger
import Payments

/// The player's cashier, `/cashier`: deposits through the configured gateways (docs/payments.md).
/// The form posts here and the player is sent on to the gateway's page; coming back
/// (`/cashier?deposit=<id>`) they see that deposit's state, which the page keeps watching until
/// the gateway's webhook has moved it. Its JSON twin is `CroupierAPI+Payments`.
struct CashierController {
    let pages: PageRenderer
    let deposits: Deposits
    let withdrawals: Withdrawals
    let ledger: Ledger
    let gateways: PaymentGateways
    let currencies: CurrencyCatalog
    let kyc: KYC
    let header: PlayerHeader
    let access: StaffAccess
    let site: SiteURL
    let bonuses: PlayerBonuses

    struct DepositForm: Decodable {
        let method: String?
        let amount: String?
        let bonusCode: String?
    }

    /// `forms` checks the CSRF token of every form posted to it.
    func addRoutes(to forms: RouterGroup<AppRequestContext>) {
        let cashier = forms.group(SiteRoute.cashier.path).add(middleware: SignInRequired.player)
        cashier.get { request, context -> Response in
            let player = try context.signedInPlayer()
            var focus: Deposit?
            if let id = request.uri.queryParameters["deposit"] { focus = try await deposits.deposit(String(id), of: player) }
            var withdrawal: Withdrawal?
            if let id = request.uri.queryParameters["withdrawal"] { withdrawal = try await withdrawals.withdrawal(String(id), of: player) }
            return try await page(player: player, focus: focus, withdrawal: withdrawal, request: request, context: context)
        }
        addWithdrawalRoutes(to: cashier)
        addBonusRoutes(to: cashier)
        cashier.post("deposit") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                DepositForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let method = form.method ?? ""
            let parts = method.split(separator: ":", maxSplits: 1).map(String.init)
            let amount = form.amount ?? ""
            do {
                guard parts.count == 2 else { throw DepositRefusal.unknownGateway(method) }
                if let refused = try await enterBonusCode(form.bonusCode ?? "", player: player, currency: parts[1], request: request) {
                    var response = try await page(
                        player: player, deposit: .init(chosen: method, amount: amount, bonusCode: form.bonusCode ?? ""), error: refused,
                        request: request, context: context)
                    response.status = .badRequest
                    return response
                }
                let deposit = try await deposits.create(
                    player: player, gateway: parts[0], amount: amount, currency: parts[1], returnURL: site.absolute(.cashier))
                try await access.recordCreated(deposit, request, context)
                return Response.redirect(to: deposit.redirectURL ?? SiteRoute.cashier.rawValue, type: .normal)
            } catch let refusal as DepositRefusal {
                let language = Localization.language(for: request)
                let wording = try await kycWording(language)
                let error: String =
                    switch refusal {
                    case .limitReached(let limit): wording.refusal(limit)
                    case .rateMissing(let currency): wording.rateMissing(currency)
                    case .protection(let protected):
                        ProtectionWording(text: { pages.localization.string($0, in: language) }).refusal(protected)
                    default: pages.localization.string("cashier.errors.\(refusal.code)", in: language)
                    }
                var response = try await page(
                    player: player, deposit: .init(chosen: method, amount: amount), error: error, request: request, context: context)
                response.status = AppError(refusal).status
                return response
            }
        }
    }

    /// `deposit` and `withdrawal` are what the player typed into each form, shown again with
    /// `error` or `withdrawalError` when it was refused.
    func page(
        player: PlayerID, focus: Deposit? = nil, withdrawal: Withdrawal? = nil, deposit typed: CashierPage.Typed = .init(),
        error: String? = nil, withdrawalTyped: CashierPage.Typed = .init(), withdrawalError: String? = nil, request: Request,
        context: AppRequestContext
    ) async throws -> Response {
        let language = Localization.language(for: request)
        let level = try await kyc.levels.level(of: player)
        let catalog = try await currencies.all()
        let bonusPanels = BonusPanel.panels(
            try await bonuses.grants.active(of: player), spins: try await bonuses.grants.freeSpins(of: player), catalog: catalog,
            language: language, localization: pages.localization)
        var view = CashierPage(
            language: language, localization: pages.localization, gateways: try await gateways.active(),
            catalog: catalog,
            deposits: try await deposits.recent(of: player), focus: focus, typed: typed, error: error,
            withdrawals: try await withdrawals.recent(of: player), withdrawal: withdrawal, withdrawalTyped: withdrawalTyped,
            withdrawalError: withdrawalError, debts: try await ledger.debts(of: player),
            verification: pages.localization.string("cashier.kyc.line", in: language)
                .replacingOccurrences(of: "{level}", with: pages.localization.string("kyc.levels.l\(level)", in: language)))
        view.bonuses = bonusPanels
        view.hasBonuses = !bonusPanels.isEmpty
        view.bonusCode = typed.bonusCode
        return pages.render(
            "cashier", face: .player, title: "cashier.title", model: view,
            frame: try await header.frame(for: player, language: language, active: "cashier"), request: request, context: context)
    }

    /// How limits and their refusals are said in `language`, amounts in the pivot currency.
    func kycWording(_ language: String) async throws -> KYCWording {
        KYCWording(
            text: { pages.localization.string($0, in: language) }, formatter: MoneyFormatter(language: language),
            pivot: try await currencies.currency(kyc.rates.pivot))
    }
}
