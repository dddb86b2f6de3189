import AsyncHTTPClient
import Core
import Crypto
import Foundation
import JWTKit
import Logging
import NIOCore
import Persistence
import PostgresNIO

/// Where Telegram's OpenID Connect login lives for us; tests point `issuer` at a local provider.
public struct TelegramOIDCSettings: Sendable {
    public let issuer: String
    public let clientID: String
    public let clientSecret: String
    /// Our callback, registered with the provider: `<public URL>/auth/telegram/oidc/callback`.
    public let redirectURI: String

    public init(issuer: String, clientID: String, clientSecret: String, redirectURI: String) {
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.redirectURI = redirectURI
    }
}

public enum TelegramOIDCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The state is unknown, expired, already used, or not this browser's.
    case stateInvalid
    /// Discovery, JWKS or the token endpoint could not be used.
    case providerUnavailable(String)
    /// The provider answered, but what it answered is not a valid sign-in for us.
    case rejected(String)

    public var code: String {
        switch self {
        case .stateInvalid: "oidcStateInvalid"
        case .providerUnavailable: "oidcUnavailable"
        case .rejected: "telegramOIDCRejected"
        }
    }

    public var description: String {
        switch self {
        case .stateInvalid: "the OpenID Connect state is unknown, expired or used"
        case .providerUnavailable(let detail): "the OpenID Connect provider is unavailable: \(detail)"
        case .rejected(let detail): "the OpenID Connect sign-in was refused: \(detail)"
        }
    }
}

/// Authorization code flow with PKCE, state and nonce (OpenID Connect Core 1.0 §3.1, RFC 7636),
/// as Telegram's "Log In With Telegram" speaks it. The provider's discovery document decides the
/// endpoints; the id_token is verified against its JWKS with jwt-kit, and then issuer, audience,
/// expiry and nonce are checked here. Flow state lives in PostgreSQL so any server copy can finish
/// a flow another started; each state works once.
public actor TelegramOIDC {
    public let settings: TelegramOIDCSettings
    let flows: FlowStore
    let client: HTTPClient

    static let flowLifetime: TimeInterval = 600
    static let cacheLifetime: TimeInterval = 600
    /// A token whose kid we do not know makes us refetch the JWKS, at most this often.
    static let keyRefetchInterval: TimeInterval = 30
    static let responseLimit = 256 * 1024

    private var discovery: (document: Discovery, fetched: Date)?
    private var keys: (collection: JWTKeyCollection, fetched: Date)?

    struct Discovery: Decodable, Sendable {
        let issuer: String
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let jwksURI: String
        let tokenEndpointAuthMethodsSupported: [String]?
        let codeChallengeMethodsSupported: [String]?

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
            case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
            case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        }
    }

    struct TokenResponse: Decodable {
        let idToken: String?
        enum CodingKeys: String, CodingKey { case idToken = "id_token" }
    }

    public init(settings: TelegramOIDCSettings, database: Database, logger: Logger, client: HTTPClient = .shared) {
        self.settings = settings
        self.flows = FlowStore(database: database, logger: logger)
        self.client = client
    }

    /// Begins a sign-in: remembers state, nonce and PKCE verifier, and returns the provider URL
    /// to send the browser to, with the state (which the caller also binds to the browser).
    public func start(now: Date = Date()) async throws -> (url: String, state: String) {
        let document = try await discoveryDocument(now: now)
        if let methods = document.codeChallengeMethodsSupported, !methods.contains("S256") {
            throw TelegramOIDCError.providerUnavailable("the provider does not offer PKCE with S256")
        }
        let state = RandomToken.hex(byteCount: 32)
        let nonce = RandomToken.hex(byteCount: 16)
        let verifier = RandomToken.hex(byteCount: 32)
        try await flows.insert(state: state, nonce: nonce, verifier: verifier, expires: now.addingTimeInterval(Self.flowLifetime))
        guard var url = URLComponents(string: document.authorizationEndpoint) else {
            throw TelegramOIDCError.providerUnavailable("authorization_endpoint is not a URL")
        }
        url.queryItems =
            (url.queryItems ?? []) + [
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "client_id", value: settings.clientID),
                URLQueryItem(name: "redirect_uri", value: settings.redirectURI),
                URLQueryItem(name: "scope", value: "openid profile"),
                URLQueryItem(name: "state", value: state),
                URLQueryItem(name: "nonce", value: nonce),
                URLQueryItem(name: "code_challenge", value: Self.codeChallenge(for: verifier)),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        guard let text = url.string else { throw TelegramOIDCError.providerUnavailable("authorization_endpoint is not a URL") }
        return (text, state)
    }

    /// Finishes a sign-in from the callback's `code` and `state`: the state is consumed first,
    /// so a callback replayed later fails whatever the provider says.
    public func finish(code: String, state: String, now: Date = Date()) async throws -> (user: TelegramUser, proof: String) {
        guard state.count == 64, Hex.decode(state) != nil, !code.isEmpty, code.utf8.count <= 2048 else {
            throw TelegramOIDCError.stateInvalid
        }
        guard let flow = try await flows.consume(state: state, now: now) else { throw TelegramOIDCError.stateInvalid }
        let document = try await discoveryDocument(now: now)
        let idToken = try await exchange(code: code, verifier: flow.verifier, endpoint: document)
        let claims = try await verified(idToken, now: now)
        try check(claims, issuer: document.issuer, nonce: flow.nonce, now: now)
        let user = try telegramUser(from: claims)
        return (user, "oidc:" + Hex.encode(Array(SHA256.hash(data: Data(idToken.utf8)))))
    }

    // MARK: - Provider calls

    private func discoveryDocument(now: Date) async throws -> Discovery {
        if let discovery, now.timeIntervalSince(discovery.fetched) < Self.cacheLifetime { return discovery.document }
        let url =
            settings.issuer.hasSuffix("/")
            ? settings.issuer + ".well-known/openid-configuration" : settings.issuer + "/.well-known/openid-configuration"
        let body = try await get(url)
        let document: Discovery
        do {
            document = try JSONDecoder().decode(Discovery.self, from: body)
        } catch {
            throw TelegramOIDCError.providerUnavailable("the discovery document is malformed")
        }
        // OpenID Connect Discovery §4.3: the document must name the issuer we asked.
        guard document.issuer == settings.issuer else {
            throw TelegramOIDCError.providerUnavailable("the discovery document names issuer \(document.issuer), not \(settings.issuer)")
        }
        discovery = (document, now)
        return document
    }

    private func keyCollection(now: Date, refresh: Bool) async throws -> JWTKeyCollection {
        if let keys, !refresh, now.timeIntervalSince(keys.fetched) < Self.cacheLifetime { return keys.collection }
        let document = try await discoveryDocument(now: now)
        let body = try await get(document.jwksURI)
        do {
            // No key is the default: a token must name one of the provider's keys by its kid,
            // rather than fall back to whichever key came first.
            let collection = JWTKeyCollection()
            for jwk in try JSONDecoder().decode(JWKS.self, from: body).keys {
                try await collection.add(jwk: jwk, isDefault: false)
            }
            keys = (collection, now)
            return collection
        } catch {
            throw TelegramOIDCError.providerUnavailable("the JWKS is malformed")
        }
    }

    private func exchange(code: String, verifier: String, endpoint document: Discovery) async throws -> String {
        var request = HTTPClientRequest(url: document.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", settings.redirectURI), ("code_verifier", verifier),
            ("client_id", settings.clientID),
        ]
        // client_secret_basic is the default when the provider lists nothing (OIDC Discovery §3).
        let methods = document.tokenEndpointAuthMethodsSupported ?? ["client_secret_basic"]
        if methods.contains("client_secret_basic") {
            let credentials = "\(FormEncoding.encode(settings.clientID)):\(FormEncoding.encode(settings.clientSecret))"
            request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        } else if methods.contains("client_secret_post") {
            form.append(("client_secret", settings.clientSecret))
        } else {
            throw TelegramOIDCError.providerUnavailable("the token endpoint accepts neither client_secret_basic nor client_secret_post")
        }
        request.body = .bytes(ByteBuffer(string: FormEncoding.body(form)))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .seconds(10))
            body = try await response.body.collect(upTo: Self.responseLimit)
        } catch {
            throw TelegramOIDCError.providerUnavailable("the token endpoint did not answer: \(error)")
        }
        guard response.status == .ok else {
            // An error from the token endpoint is about this code (used, expired, not ours).
            throw TelegramOIDCError.rejected("the token endpoint answered \(response.status.code)")
        }
        guard let token = (try? JSONDecoder().decode(TokenResponse.self, from: Data(buffer: body)))?.idToken else {
            throw TelegramOIDCError.rejected("the token response has no id_token")
        }
        return token
    }

    private func get(_ url: String) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: Self.responseLimit)
            guard response.status == .ok else { throw TelegramOIDCError.providerUnavailable("\(url) answered \(response.status.code)") }
            return Data(buffer: body)
        } catch let error as TelegramOIDCError {
            throw error
        } catch {
            throw TelegramOIDCError.providerUnavailable("\(url): \(error)")
        }
    }

    // MARK: - The id_token

    private func verified(_ idToken: String, now: Date) async throws -> TelegramIDToken {
        do {
            return try await keyCollection(now: now, refresh: false).verify(idToken, as: TelegramIDToken.self)
        } catch let error as JWTError where error.errorType == .unknownKID || error.errorType == .noKeyProvided {
            // The provider may have rotated its keys since we fetched them.
            guard let keys, now.timeIntervalSince(keys.fetched) >= Self.keyRefetchInterval else {
                throw TelegramOIDCError.rejected("the id_token is signed with an unknown key")
            }
            do {
                return try await keyCollection(now: now, refresh: true).verify(idToken, as: TelegramIDToken.self)
            } catch let error as TelegramOIDCError {
                throw error
            } catch {
                throw TelegramOIDCError.rejected("the id_token does not verify: \(error)")
            }
        } catch let error as TelegramOIDCError {
            throw error
        } catch {
            throw TelegramOIDCError.rejected("the id_token does not verify: \(error)")
        }
    }

    /// OpenID Connect Core §3.1.3.7, the parts that concern us.
    func check(_ claims: TelegramIDToken, issuer: String, nonce: String, now: Date) throws {
        guard claims.iss.value == issuer else { throw TelegramOIDCError.rejected("iss is \(claims.iss.value)") }
        guard claims.aud.value.contains(settings.clientID) else { throw TelegramOIDCError.rejected("aud does not name us") }
        if claims.aud.value.count > 1, claims.azp != settings.clientID { throw TelegramOIDCError.rejected("azp does not name us") }
        guard claims.exp.value > now else { throw TelegramOIDCError.rejected("the id_token expired") }
        guard claims.iat.value < now.addingTimeInterval(300) else { throw TelegramOIDCError.rejected("iat is in the future") }
        guard let tokenNonce = claims.nonce, Self.digest(tokenNonce) == Self.digest(nonce) else {
            throw TelegramOIDCError.rejected("the nonce does not match")
        }
    }

    func telegramUser(from claims: TelegramIDToken) throws -> TelegramUser {
        guard let id = claims.id ?? Int64(claims.sub.value), id > 0 else { throw TelegramOIDCError.rejected("no Telegram user id") }
        return TelegramUser(
            id: id, firstName: String((claims.name ?? "").prefix(128)), lastName: nil,
            username: claims.preferredUsername.map { String($0.prefix(64)) }, photoURL: claims.picture.map { String($0.prefix(512)) },
            authDate: claims.iat.value)
    }

    // MARK: - Encoding

    static func digest(_ text: String) -> ByteBuffer { ByteBuffer(bytes: Array(SHA256.hash(data: Data(text.utf8)))) }

    /// RFC 7636 §4.2: BASE64URL(SHA256(verifier)), unpadded.
    static func codeChallenge(for verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Flows in progress, keyed by the SHA-256 of their state.
struct FlowStore: Sendable {
    let database: Database
    let logger: Logger

    func insert(state: String, nonce: String, verifier: String, expires: Date) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO identity_oidc_flows (state_hash, nonce, code_verifier, expires_at)
                VALUES (\(TelegramOIDC.digest(state)), \(nonce), \(verifier), \(expires))
                """, logger: logger
            ).collect()
        }
    }

    /// The flow's nonce and verifier, deleting it: a state works once.
    func consume(state: String, now: Date) async throws -> (nonce: String, verifier: String)? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "DELETE FROM identity_oidc_flows WHERE state_hash = \(TelegramOIDC.digest(state)) AND expires_at > \(now) RETURNING nonce, code_verifier",
                logger: logger)
            for try await (nonce, verifier) in rows.decode((String, String).self) { return (nonce, verifier) }
            return nil
        }
    }
}

/// The id_token claims we use. Telegram puts the user id in `id` (a number); `sub` is the
/// fallback when it is absent.
struct TelegramIDToken: JWTPayload {
    let iss: IssuerClaim
    let aud: AudienceClaim
    let exp: ExpirationClaim
    let iat: IssuedAtClaim
    let sub: SubjectClaim
    let azp: String?
    let nonce: String?
    let id: Int64?
    let name: String?
    let preferredUsername: String?
    let picture: String?

    enum CodingKeys: String, CodingKey {
        case iss, aud, exp, iat, sub, azp, nonce, id, name, picture
        case preferredUsername = "preferred_username"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        iss = try container.decode(IssuerClaim.self, forKey: .iss)
        aud = try container.decode(AudienceClaim.self, forKey: .aud)
        exp = try container.decode(ExpirationClaim.self, forKey: .exp)
        iat = try container.decode(IssuedAtClaim.self, forKey: .iat)
        sub = try container.decode(SubjectClaim.self, forKey: .sub)
        azp = try container.decodeIfPresent(String.self, forKey: .azp)
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        if let number = try? container.decodeIfPresent(Int64.self, forKey: .id) {
            id = number
        } else {
            id = (try? container.decodeIfPresent(String.self, forKey: .id)).flatMap { Int64($0) }
        }
        name = try container.decodeIfPresent(String.self, forKey: .name)
        preferredUsername = try container.decodeIfPresent(String.self, forKey: .preferredUsername)
        picture = try container.decodeIfPresent(String.self, forKey: .picture)
    }

    /// Signature checks happen in jwt-kit; the claims are checked in `TelegramOIDC.check`, which
    /// knows the flow's nonce and the clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
