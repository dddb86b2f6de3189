#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP address as its bytes: 4 for IPv4 (IPv4-mapped IPv6 included, so `::ffff:10.0.0.1` and
/// `10.0.0.1` are one address), 16 for IPv6. Equal addresses have equal bytes however written.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: some StringProtocol) {
        var v4 = in_addr()
        var v6 = in6_addr()
        let text = String(text)
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            let all = withUnsafeBytes(of: &v6) { Array($0) }
            let mappedPrefix: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff]
            bytes = Array(all.prefix(12)) == mappedPrefix ? Array(all.suffix(4)) : all
        } else {
            return nil
        }
    }

    /// The usual spelling: dotted quad, or RFC 5952's compressed lower-case IPv6.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written = bytes.withUnsafeBytes { raw in
            inet_ntop(bytes.count == 4 ? AF_INET : AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count))
        }
        guard written != nil else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The proxies (`CROUPIER_TRUSTED_PROXIES`: IPs and CIDR blocks) whose `X-Forwarded-For` is
/// believed. Anyone can send the header, so only a peer in this list may name the client.
public struct TrustedProxies: Sendable, Equatable {
    struct Network: Sendable, Equatable {
        let base: [UInt8]
        let prefixLength: Int

        func contains(_ address: IPAddress) -> Bool {
            guard address.bytes.count == base.count else { return false }
            return Self.masked(address.bytes, prefixLength) == base
        }

        static func masked(_ bytes: [UInt8], _ prefixLength: Int) -> [UInt8] {
            bytes.enumerated().map { index, byte in
                byte & ~(UInt8.max >> min(8, max(0, prefixLength - index * 8)))
            }
        }
    }

    let networks: [Network]

    /// Trusts no one: `X-Forwarded-For` is ignored and the peer is the client.
    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) {
        self.networks = networks
    }

    /// A comma-separated list of addresses (`10.0.0.7`, `::1`) and blocks (`10.0.0.0/8`,
    /// `fd00::/8`); nil when an entry is neither.
    public init?(parsing list: String) {
        var networks: [Network] = []
        for entry in list.split(separator: ",").map({ $0.trimmingSpaces }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let address = IPAddress(parts[0]) else { return nil }
            let width = address.bytes.count * 8
            var prefixLength = width
            if parts.count == 2 {
                guard parts[1].allSatisfy(\.isASCIIDigit), let length = Int(parts[1]), length <= width else { return nil }
                prefixLength = length
            }
            networks.append(Network(base: Network.masked(address.bytes, prefixLength), prefixLength: prefixLength))
        }
        self.networks = networks
    }

    public func trusts(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// Who sent the request. From a trusted peer, each proxy appended the address it heard from,
    /// so the right-most entry that is not one of ours is the client; entries left of it are
    /// whatever the client wrote and are never believed. An entry that is no address stops the
    /// walk at the trusted hop that passed it on.
    public func clientAddress(peer: String, forwardedFor headers: [String]) -> String {
        guard let peerAddress = IPAddress(peer), trusts(peerAddress) else { return peer }
        var client = peerAddress
        for entry in headers.flatMap({ $0.split(separator: ",") }).reversed() {
            guard let hop = Self.address(inForwardedEntry: entry.trimmingSpaces) else { break }
            client = hop
            if !trusts(hop) { break }
        }
        return client.description
    }

    /// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`, as proxies write them.
    static func address(inForwardedEntry entry: Substring) -> IPAddress? {
        if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
            return IPAddress(entry[entry.index(after: entry.startIndex)..<close])
        }
        if entry.filter({ $0 == ":" }).count == 1, let colon = entry.firstIndex(of: ":") {
            return IPAddress(entry[..<colon])
        }
        return IPAddress(entry)
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
