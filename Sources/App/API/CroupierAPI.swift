import AppAPI
import Hummingbird
import Ledger
import OpenAPIHummingbird
import OpenAPIRuntime
import Payments

/// The JSON API: the `APIProtocol` generated from Sources/AppAPI/openapi.yaml. Handlers take and
/// give the contract's types and map them to the contexts' own at this edge. Who is calling
/// comes from `APIRequestScope`, checked before any handler runs by `APIAccessMiddleware`;
/// refusals are thrown as `AppError` and answered by `ErrorPageMiddleware` in the one
/// `ErrorResponse` shape.
struct CroupierAPI: APIProtocol {
    let auth: AuthController
    let staffSignIn: StaffSignInController
    let adjustments: AdjustmentApprovals
    let ledger: Ledger
    let reports: Reports
    let savedReports: SavedReportLibrary
    let currencies: CurrencyCatalog
    let launcher: GameLauncher
    let deposits: Deposits
    let withdrawals: Withdrawals
    /// Where a gateway's payment page sends the player back.
    let depositReturnURL: String

    /// Amounts and ids are strings, so key order and unescaped slashes are all that is chosen here.
    static let configuration = Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes])

    /// Registers every operation of the document, behind the middleware that gives handlers their
    /// scope. Call it after the identity middleware is added, so the scope knows who is signed in.
    func addRoutes(to router: Router<AppRequestContext>) throws {
        try registerHandlers(
            on: router.group().add(middleware: OpenAPIRequestContextMiddleware()), configuration: Self.configuration,
            middlewares: [APIAccessMiddleware(access: auth.access), ExportFileNameMiddleware()])
    }
}
