import Core
import Foundation
import Hummingbird
import Payments

/// The console's gateways, `/admin/gateways` (`payments.manage`): each gateway with where its
/// credentials come from (built in, the configuration, or sealed in PostgreSQL), whether it is on,
/// its currencies and limits, and the stored credentials' fingerprints, never the values. Staff
/// store credentials and switch stored gateways on and off here, as `croupier gateways` does;
/// every change is audited with the fingerprints.
struct AdminGatewaysController {
    let pages: PageRenderer
    let gateways: PaymentGateways
    let credentials: GatewayCredentials
    let access: StaffAccess

    struct CredentialsForm: Decodable {
        let gateway: String?
        let apiURL: String?
        let apiKey: String?
        let webhookSecret: String?
    }

    static let results = ["saved", "enabled", "disabled"]

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("gateways").add(middleware: PermissionRequired(.paymentsManage, access))
        area.get { request, context -> Response in
            try await page(result: request.uri.queryParameters["result"].map(String.init), request: request, context: context)
        }
        area.post { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await URLEncodedFormDecoder().decode(
                CredentialsForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let gateway = form.gateway ?? ""
            let defaultURL = gateway == "stripe" ? StripeSettings.apiURL : NOWPaymentsSettings.apiURL
            let url = (form.apiURL ?? "").trimmingCharacters(in: .whitespaces)
            do {
                let record = try await credentials.set(
                    gateway: gateway, apiURL: url.isEmpty ? defaultURL : url,
                    apiKey: (form.apiKey ?? "").trimmingCharacters(in: .whitespaces),
                    webhookSecret: (form.webhookSecret ?? "").trimmingCharacters(in: .whitespaces))
                gateways.refresh()
                try await access.record(
                    "payments.gateway_credentials_set", by: staff, target: "gateway:\(record.gateway)",
                    summary: [
                        "apiURL": record.apiURL, "apiKey": record.apiKeyFingerprint, "webhookSecret": record.secretFingerprint,
                        "enabled": "true",
                    ],
                    request, context)
                return Response.redirect(to: "/admin/gateways?result=saved", type: .normal)
            } catch let error as GatewayCredentialsError {
                var response = try await page(error: error, request: request, context: context)
                response.status = .badRequest
                return response
            }
        }
        for (action, on) in [("enable", true), ("disable", false)] {
            area.post(":gateway/\(action)") { request, context -> Response in
                let staff = try context.signedInStaff()
                let gateway = try context.parameters.require("gateway")
                do {
                    _ = try await credentials.setEnabled(gateway, on)
                } catch GatewayCredentialsError.notFound {
                    throw AppError(.notFound, code: .notFound)
                }
                gateways.refresh()
                try await access.record("payments.gateway_\(action)d", by: staff, target: "gateway:\(gateway)", request, context)
                return Response.redirect(to: "/admin/gateways?result=\(action)d", type: .normal)
            }
        }
    }

    private func page(result: String? = nil, error: GatewayCredentialsError? = nil, request: Request, context: AppRequestContext)
        async throws -> Response
    {
        let staff = try context.signedInStaff()
        let language = Localization.language(for: request)
        func text(_ key: String) -> String { pages.localization.string(key, in: language) }
        let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/gateways")
        let view = AdminGatewaysPage(
            gateways: try await gateways.overview(), language: language, text: text,
            notice: result.flatMap { Self.results.contains($0) ? text("admin.gateways.results.\($0)") : nil },
            error: error.map { text("admin.gateways.errors.\(Self.errorKey($0))") })
        return pages.render(
            "admin_gateways", face: .admin, title: "admin.gateways.title", model: view, frame: console.frame, request: request,
            context: context)
    }

    static func errorKey(_ error: GatewayCredentialsError) -> String {
        switch error {
        case .unknownGateway: "unknownGateway"
        case .invalidURL: "invalidURL"
        case .unofficialURL: "unofficialURL"
        case .emptySecret: "emptySecret"
        case .notFound: "notFound"
        }
    }
}

/// The gateways page's view model.
struct AdminGatewaysPage: PageModel {
    struct Row {
        let code: String
        let name: String
        let source: String
        let enabled: Bool
        let stateLabel: String
        let badge: String
        let deposits: Bool
        let payouts: Bool
        let currencies: String
        let apiURL: String?
        let apiKey: String?
        let webhookSecret: String?
        /// Stored credentials can be switched on and off here.
        let switchable: Bool
    }

    let gateways: [Row]
    let storable: [String]
    let notice: String?
    let error: String?

    init(gateways: [GatewayOverview], language: String, text: (String) -> String, notice: String?, error: String?) {
        let formatter = MoneyFormatter(language: language)
        self.gateways = gateways.map { overview in
            let capabilities = overview.gateway.capabilities
            let currencies = capabilities.currencies.map { offered in
                let shown = Currency(code: offered.code, scale: offered.exponent, kind: .fiat)
                let limits =
                    "\(offered.code) \(formatter.format(units: offered.minimumUnits, currency: shown))–"
                    + formatter.format(units: offered.maximumUnits, currency: shown)
                // A currency that moves one way only (NOWPayments' coins pay out, its EUR takes deposits) says which.
                guard offered.deposits != offered.payouts else { return limits }
                return limits + " (\(text(offered.payouts ? "admin.gateways.payouts" : "admin.gateways.deposits")))"
            }
            return Row(
                code: overview.gateway.code, name: text("cashier.gateways.\(overview.gateway.code)"),
                source: text("admin.gateways.sources.\(overview.source.rawValue)"), enabled: overview.enabled,
                stateLabel: text(overview.enabled ? "admin.gateways.on" : "admin.gateways.off"),
                badge: overview.enabled ? "success" : "neutral", deposits: capabilities.deposits, payouts: capabilities.payouts,
                currencies: currencies.joined(separator: " · "), apiURL: overview.record?.apiURL,
                apiKey: overview.record?.apiKeyFingerprint, webhookSecret: overview.record?.secretFingerprint,
                switchable: overview.record != nil)
        }
        self.storable = GatewayCredentials.gateways
        self.notice = notice
        self.error = error
    }
}
