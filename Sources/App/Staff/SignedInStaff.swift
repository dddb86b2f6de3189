import Identity

extension AppRequestContext {
    /// The staff member a console route runs for; `SignInRequired.staff` guarantees there is one.
    func signedInStaff() throws -> StaffMember {
        guard let staff else { throw AppError(.unauthorized, code: .notSignedIn) }
        return staff
    }
}
