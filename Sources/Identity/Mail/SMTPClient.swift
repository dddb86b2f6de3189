import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how to deliver mail: `smtp://user:pass@host:587` (STARTTLS, required before any
/// credentials are sent) or `smtps://user:pass@host:465` (TLS from the first byte).
public struct SMTPSettings: Sendable {
    public enum Security: Sendable { case startTLS, implicitTLS }

    public let host: String
    public let port: Int
    public let security: Security
    public let username: String?
    public let password: String?
    public let from: String
    /// Extra CA certificate (PEM file) to trust, e.g. a local relay's; the system roots otherwise.
    public let caFile: String?

    public init(url: String, from: String, caFile: String? = nil) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme, ["smtp", "smtps"].contains(scheme),
            let host = components.host, !host.isEmpty
        else { throw SMTPError.configuration("CROUPIER_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465") }
        guard from.contains("@") else { throw SMTPError.configuration("CROUPIER_MAIL_FROM must be an e-mail address") }
        self.host = host
        self.security = scheme == "smtps" ? .implicitTLS : .startTLS
        self.port = components.port ?? (scheme == "smtps" ? 465 : 587)
        // Decoded exactly once: `user`/`password` already are, and decoding again would turn a
        // password containing "%41" into "A" (or into nothing at all).
        self.username = components.percentEncodedUser?.removingPercentEncoding
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        self.from = from
        self.caFile = caFile
    }
}

public enum SMTPError: Error, Sendable, CustomStringConvertible {
    case configuration(String)
    case protocolError(String)
    /// The server answered with an error; 4xx codes are worth retrying, 5xx are not.
    case rejected(code: Int, message: String)
    case tlsUnavailable
    case closed

    public var isPermanent: Bool {
        if case .rejected(let code, _) = self { return code >= 500 }
        return false
    }

    public var description: String {
        switch self {
        case .configuration(let detail): detail
        case .protocolError(let detail): "SMTP protocol error: \(detail)"
        case .rejected(let code, let message): "the SMTP server answered \(code) \(message)"
        case .tlsUnavailable: "the SMTP server offers no STARTTLS; refusing to send credentials or mail in clear"
        case .closed: "the SMTP server closed the connection"
        }
    }
}

/// A small SMTP client on SwiftNIO (RFC 5321, STARTTLS RFC 3207, AUTH PLAIN/LOGIN RFC 4954):
/// one connection per message, which is plenty for sign-in codes and scheduled reports.
public struct SMTPClient: Sendable {
    public let settings: SMTPSettings

    public init(settings: SMTPSettings) {
        self.settings = settings
    }

    public func send(_ mail: OutgoingMail, timeout: Duration = .seconds(20)) async throws {
        let message = MIMEMessage.render(mail, from: settings.from)
        let settings = self.settings
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await Self.deliver(message, to: mail.recipient, settings: settings) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SMTPError.protocolError("no answer within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private static func tlsContext(_ settings: SMTPSettings) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            configuration.trustRoots = .file(caFile)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    private static func deliver(_ message: String, to recipient: String, settings: SMTPSettings) async throws {
        let (lines, sink) = AsyncStream<String>.makeStream()
        let context = try tlsContext(settings)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: context, serverHostname: settings.host.serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(LineSink(sink: sink))
                }
            }
            .connect(host: settings.host, port: settings.port).get()
        var session = Session(channel: channel, lines: lines.makeAsyncIterator())
        do {
            try await session.expect(220)
            var capabilities = try await session.command("EHLO croupier", expect: 250)
            var secure = settings.security == .implicitTLS
            if !secure {
                guard capabilities.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else { throw SMTPError.tlsUnavailable }
                _ = try await session.command("STARTTLS", expect: 220)
                try await channel.pipeline.addHandler(
                    NIOSSLClientHandler(context: context, serverHostname: settings.host.serverName), position: .first
                ).get()
                secure = true
                capabilities = try await session.command("EHLO croupier", expect: 250)
            }
            if let username = settings.username, let password = settings.password {
                let auth = capabilities.first { $0.uppercased().hasPrefix("AUTH") }?.uppercased() ?? ""
                if auth.contains("PLAIN") {
                    let token = Data("\0\(username)\0\(password)".utf8).base64EncodedString()
                    _ = try await session.command("AUTH PLAIN \(token)", expect: 235)
                } else if auth.contains("LOGIN") {
                    _ = try await session.command("AUTH LOGIN", expect: 334)
                    _ = try await session.command(Data(username.utf8).base64EncodedString(), expect: 334)
                    _ = try await session.command(Data(password.utf8).base64EncodedString(), expect: 235)
                } else {
                    throw SMTPError.protocolError("the server offers neither AUTH PLAIN nor LOGIN")
                }
            }
            _ = try await session.command("MAIL FROM:<\(settings.from)>", expect: 250)
            _ = try await session.command("RCPT TO:<\(recipient)>", expect: 250)
            _ = try await session.command("DATA", expect: 354)
            _ = try await session.command(MIMEMessage.dotStuffed(message) + "\r\n.", expect: 250)
            _ = try? await session.command("QUIT", expect: 221)
            try? await channel.close()
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Sends commands and reads (multi-line) replies.
    struct Session {
        let channel: any Channel
        var lines: AsyncStream<String>.AsyncIterator

        mutating func command(_ text: String, expect code: Int) async throws -> [String] {
            try await channel.writeAndFlush(ByteBuffer(string: text + "\r\n"))
            return try await expect(code)
        }

        /// Reads one reply; returns the text of its lines (after the code).
        @discardableResult
        mutating func expect(_ code: Int) async throws -> [String] {
            var texts: [String] = []
            while true {
                guard let line = await lines.next() else { throw SMTPError.closed }
                guard line.count >= 3, let replyCode = Int(line.prefix(3)) else {
                    throw SMTPError.protocolError("unexpected line \(line.prefix(80))")
                }
                texts.append(String(line.dropFirst(4)))
                if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                    guard replyCode == code else { throw SMTPError.rejected(code: replyCode, message: texts.joined(separator: " ")) }
                    return texts
                }
            }
        }
    }
}

extension String {
    /// SNI needs a host name, not an address.
    fileprivate var serverName: String? {
        self.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : self
    }
}

/// Splits the byte stream into CRLF-terminated lines.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 4096 { throw SMTPError.protocolError("line too long") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        var line = buffer.readString(length: length) ?? ""
        while line.hasSuffix("\n") || line.hasSuffix("\r") || line.hasSuffix("\r\n") { line.removeLast() }
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }
}

final class LineSink: ChannelInboundHandler, Sendable {
    typealias InboundIn = String
    let sink: AsyncStream<String>.Continuation

    init(sink: AsyncStream<String>.Continuation) { self.sink = sink }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        sink.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.finish()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        sink.finish()
        context.close(promise: nil)
    }
}
