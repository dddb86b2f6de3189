import Foundation
import Testing

@testable import Core

@Suite struct OTelEndpointConfigurationTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("croupier-otel-\(UUID().uuidString)").path

    @Test func tracingIsOffUnlessTheEndpointIsSet() throws {
        #expect(try Configuration.load(environment: ["CROUPIER_DATA_DIR": directory]).0.otelEndpoint == nil)
        #expect(
            try Configuration.load(environment: ["CROUPIER_DATA_DIR": directory, "CROUPIER_OTEL_ENDPOINT": ""]).0.otelEndpoint == nil)
    }

    @Test func theEndpointIsReadAsGiven() throws {
        let environment = ["CROUPIER_DATA_DIR": directory, "CROUPIER_OTEL_ENDPOINT": "http://127.0.0.1:4318"]
        #expect(try Configuration.load(environment: environment).0.otelEndpoint == "http://127.0.0.1:4318")
    }

    @Test(arguments: ["127.0.0.1:4318", "grpc://collector:4317", "http://collector:4318/?token=x"])
    func anEndpointThatIsNotAnHTTPURLIsRefused(value: String) {
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(environment: ["CROUPIER_DATA_DIR": directory, "CROUPIER_OTEL_ENDPOINT": value])
        }
    }
}
