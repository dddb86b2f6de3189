import Core

extension AppRequestContext {
    /// The player a player's page runs for; `SignInRequired.player` guarantees there is one.
    func signedInPlayer() throws -> PlayerID {
        guard let player else { throw AppError(.unauthorized, code: .notSignedIn) }
        return player
    }
}
