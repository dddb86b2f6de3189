import Compliance
import Foundation

/// The compliance profile's form fields, as the player's verification page and the console's
/// correction form post them. A field left empty is left as it is.
struct ProfileDetailsForm: Decodable {
    let legalName: String?
    let dateOfBirth: String?
    let country: String?
    let address: String?

    var changes: ProfileChanges {
        func given(_ text: String?) -> String? { text.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 } }
        return ProfileChanges(
            legalName: given(legalName), dateOfBirth: given(dateOfBirth), country: given(country), address: given(address))
    }
}
