import AppAPI

extension CroupierAPI {
    func launchGame(_ input: Operations.LaunchGame.Input) async throws -> Operations.LaunchGame.Output {
        let scope = try APIRequestScope.required()
        let player = try scope.signedInPlayer()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let parts = body.game.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { throw AppError(.notFound, code: .gameNotFound) }
        let url = try await launcher.launch(
            player: player, provider: parts[0], game: parts[1], currency: body.currency, request: scope.request, context: scope.context)
        return .ok(.init(body: .json(.init(url: url))))
    }
}
