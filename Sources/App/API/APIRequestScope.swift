import Core
import Hummingbird
import Identity
import Synchronization

/// The HTTP request an OpenAPI handler serves, as the middleware before it saw it: who is signed
/// in, the client's address, the request id, and the cookies the answer must set. Generated
/// handlers take only their typed input, so identity reaches them through this task-local
/// instead of hand-threaded parameters (Hummingbird's `OpenAPIRequestContextMiddleware`).
struct APIRequestScope: Sendable {
    @TaskLocal static var current: APIRequestScope?

    let request: Request
    let context: AppRequestContext
    let cookies = ResponseCookies()

    /// The scope of the request being served. Only `OpenAPIRequestContextMiddleware` sets it,
    /// so a handler reached without it is wired wrongly: a 500, not a guess.
    static func required() throws -> APIRequestScope {
        guard let current else { throw AppError(.internalServerError, code: .internalError) }
        return current
    }

    func signedInPlayer() throws -> PlayerID {
        guard let player = context.player else { throw AppError(.unauthorized, code: .notSignedIn) }
        return player
    }

    func signedInStaff() throws -> StaffMember {
        guard let staff = context.staff else { throw AppError(.unauthorized, code: .notSignedIn) }
        return staff
    }
}

/// Cookies a handler sets; HTTP allows one per `Set-Cookie` field, which a generated header
/// value cannot express, so the middleware adds them to the answer.
final class ResponseCookies: Sendable {
    private let cookies = Mutex<[Cookie]>([])

    func set(_ cookie: Cookie) {
        cookies.withLock { $0.append(cookie) }
    }

    var all: [Cookie] { cookies.withLock { $0 } }
}

/// Puts the request's scope in the task-local for the OpenAPI handlers behind it, and adds what
/// every JSON answer carries: the cookies the handler set and `Cache-Control: no-store`.
/// It comes after the identity middleware, so the scope holds the resolved player and staff.
struct OpenAPIRequestContextMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let scope = APIRequestScope(request: request, context: context)
        var response = try await APIRequestScope.$current.withValue(scope) { try await next(request, context) }
        for cookie in scope.cookies.all { response.setCookie(cookie) }
        response.headers[.cacheControl] = "no-store"
        return response
    }
}
