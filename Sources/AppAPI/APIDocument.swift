import Foundation

/// The contract as the server serves it (`GET /api/v1/openapi.yaml`): the very file the types and
/// routes are generated from, so what a client reads is what the server does.
package enum APIDocument {
    package struct Missing: Error {}

    package static func yaml() throws -> String {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { throw Missing() }
        return try String(contentsOf: url, encoding: .utf8)
    }
}
