import Hummingbird

/// Serves `public/` only for paths under its folders, so API and wallet calls never wait on a
/// file-system lookup (a thread-pool hop) for a file that cannot exist.
struct StaticFilesMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>
    let prefixes: [String]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard prefixes.contains(where: { path.hasPrefix($0) }) else { return try await next(request, context) }
        return try await files.handle(request, context: context, next: next)
    }
}
