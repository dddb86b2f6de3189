import Testing

@testable import Core

@Suite struct TrustedProxiesTests {
    let proxies = TrustedProxies(parsing: "10.0.0.0/8, 192.0.2.7 ,fd00::/8,::1")!

    @Test(arguments: [
        ("10.1.2.3", true), ("11.0.0.1", false), ("192.0.2.7", true), ("192.0.2.8", false), ("::ffff:10.9.9.9", true),
        ("fd12:3456::1", true), ("fe80::1", false), ("::1", true), ("0:0:0:0:0:0:0:1", true), ("::2", false), ("not an address", false),
    ])
    func addressesAndBlocksAreMatchedByValue(address: String, trusted: Bool) {
        #expect(IPAddress(address).map(proxies.trusts) ?? false == trusted)
    }

    @Test(arguments: [
        "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.256", "proxy.internal", "10.0.0.1/8/8",
    ])
    func malformedEntriesAreRefused(list: String) {
        #expect(TrustedProxies(parsing: list) == nil)
    }

    @Test func anEmptyListTrustsNoOne() {
        #expect(TrustedProxies(parsing: "") == TrustedProxies.none)
        #expect(TrustedProxies.none.clientAddress(peer: "10.0.0.1", forwardedFor: ["198.51.100.7"]) == "10.0.0.1")
    }

    @Test(arguments: [
        // peer, X-Forwarded-For header lines, client
        ("10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", ["203.0.113.66, 198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", ["203.0.113.66, 198.51.100.7, 10.0.0.9"], "198.51.100.7"),
        ("10.0.0.2", ["203.0.113.66", "198.51.100.7"], "198.51.100.7"),
        ("10.0.0.2", ["10.0.0.1, 10.0.0.3"], "10.0.0.1"),
        ("10.0.0.2", [], "10.0.0.2"),
        ("10.0.0.2", ["198.51.100.7:4711"], "198.51.100.7"),
        ("10.0.0.2", ["[2001:DB8::7]:4711"], "2001:db8::7"),
        ("10.0.0.2", ["2001:db8:0:0::7"], "2001:db8::7"),
        ("10.0.0.2", ["198.51.100.7, garbage, 10.0.0.9"], "10.0.0.9"),
        ("::1", ["198.51.100.7"], "198.51.100.7"),
        ("::ffff:10.0.0.2", ["198.51.100.7"], "198.51.100.7"),
        ("198.51.100.99", ["10.0.0.1, 198.51.100.7"], "198.51.100.99"),
    ])
    func theClientIsTheRightMostAddressNotATrustedProxy(peer: String, forwardedFor: [String], client: String) {
        #expect(proxies.clientAddress(peer: peer, forwardedFor: forwardedFor) == client)
    }
}
