import Core
import Events
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Ledger
import Logging
import Persistence
import TestSupport
import Testing

@testable import App

/// The per-socket mailbox: the newest balance per currency, nothing older than what was sent, and
/// a snapshot instead of an unbounded queue.
@Suite struct BalanceMailboxTests {
    func update(_ currency: String, _ transaction: Int64, real: Int64 = 0) -> BalanceUpdate {
        BalanceUpdate(
            player: PlayerID(1), currency: currency, transaction: transaction, balances: Balances(real: real, bonus: 0, locked: 0))
    }

    @Test func aNewerUpdateReplacesTheOneWaitingForItsCurrency() {
        let mailbox = BalanceMailbox()
        mailbox.post(update("EUR", 5, real: 50))
        mailbox.post(update("USD", 6, real: 60))
        mailbox.post(update("EUR", 7, real: 70))
        #expect(mailbox.take() == .init(snapshot: false, updates: [update("USD", 6, real: 60), update("EUR", 7, real: 70)]))
        #expect(mailbox.take() == .init(snapshot: false, updates: []))
    }

    @Test func anUpdateOlderThanWhatWasSentOrWaitsIsDropped() {
        let mailbox = BalanceMailbox()
        mailbox.post(update("EUR", 9))
        mailbox.post(update("EUR", 8))
        #expect(mailbox.take().updates == [update("EUR", 9)])
        mailbox.post(update("EUR", 9))
        mailbox.post(update("EUR", 4))
        #expect(mailbox.take().updates.isEmpty)
    }

    @Test func moreCurrenciesWaitingThanTheCapacityBecomeOneSnapshot() {
        let mailbox = BalanceMailbox(capacity: 2)
        mailbox.post(update("EUR", 1))
        mailbox.post(update("USD", 2))
        mailbox.post(update("RUB", 3))
        mailbox.post(update("BTC", 4))
        #expect(mailbox.take() == .init(snapshot: true, updates: []))
        mailbox.post(update("EUR", 1))
        #expect(mailbox.take().updates == [update("EUR", 1)], "after a snapshot, an id seen before is news again")
    }

    @Test func anUpdateTheSnapshotAlreadyIncludesIsDropped() {
        let mailbox = BalanceMailbox()
        mailbox.resnapshot()
        #expect(mailbox.take() == .init(snapshot: true, updates: []))
        // Published before the snapshot was read, delivered while it was.
        mailbox.post(update("EUR", 4))
        mailbox.snapshotted(asOf: ["EUR": 6])
        mailbox.post(update("EUR", 5))
        mailbox.post(update("EUR", 6))
        #expect(mailbox.take().updates.isEmpty, "the snapshot at 6 shows 4, 5 and 6 already")
        mailbox.post(update("EUR", 7))
        #expect(mailbox.take().updates == [update("EUR", 7)])
    }

    @Test func aResnapshotDropsWhatWaits() {
        let mailbox = BalanceMailbox()
        mailbox.post(update("EUR", 1))
        mailbox.resnapshot()
        mailbox.post(update("EUR", 2))
        #expect(mailbox.take() == .init(snapshot: true, updates: []))
    }

    @Test func theLedgersEventPayloadReads() throws {
        let payload = #"""
            {"kind": "bet", "delta": {"real": -100000, "bonus": 0, "locked": 0}, "balance": {"real": 2500000, "bonus": 7, "locked": 3, "debt": 1},
             "currency": "EUR", "metadata": {"game": "dice"}, "playerId": 42, "reference": null, "transactionId": 9001,
             "idempotencyKey": "hub88:x"}
            """#
        let update = try #require(BalanceUpdate(payload: Array(payload.utf8)))
        #expect(
            update
                == BalanceUpdate(
                    player: PlayerID(42), currency: "EUR", transaction: 9001, balances: Balances(real: 2_500_000, bonus: 7, locked: 3)))
        #expect(BalanceUpdate(payload: Array(#"{"kind":"bet"}"#.utf8)) == nil)
    }

    @Test func messagesCarryDecimalStringsAtTheCurrencysScale() {
        let eur = Currency(code: "EUR", scale: 5, kind: .fiat)
        #expect(
            LiveBalanceMessage.balance(update("EUR", 12, real: 1_234_500), currency: eur)
                == #"{"bonus":"0.00000","currency":"EUR","locked":"0.00000","real":"12.34500","transaction":"12","type":"balance"}"#)
        #expect(
            LiveBalanceMessage.snapshot(
                [
                    "EUR": BalancesAsOf(balances: Balances(real: 1, bonus: 2, locked: 3), transaction: 41),
                    "XXX": BalancesAsOf(balances: .zero, transaction: 0),
                ], catalog: ["EUR": eur])
                == #"{"balances":[{"bonus":"0.00002","currency":"EUR","locked":"0.00003","real":"0.00001","transaction":"41"}],"type":"snapshot"}"#
        )
    }
}

/// `GET /live/balances` against the whole application: who is refused and why, and
/// how a ledger transaction reaches an open socket's mailbox (through the outbox, the relay,
/// JetStream and this copy's subscription). The socket itself is exercised in a browser
/// (e2e/test_live_balances.py): the WebSocket test client always sends an Origin of its own.
@Suite struct LiveBalancesSocketTests {
    static let origin = "http://127.0.0.1"

    /// A plain GET: hummingbird-websocket answers every refused upgrade with an empty 400 and
    /// closes the connection, which the test client would reuse; the browser test makes those.
    static func headers(origin: String?, cookie: String?) -> HTTPFields {
        var headers: HTTPFields = [.accept: "application/json"]
        if let origin { headers[.origin] = origin }
        if let cookie { headers[.cookie] = cookie }
        return headers
    }

    @Test func anotherSitesOriginNoSessionAndAStaffTokenAreRefusedAndToldWhy() async throws {
        try await withTestApp { client, dependencies, database in
            let player = try await playerSession(7, database)[.cookie]
            let staffCookies = try await staffSessionCookies(client, database, dependencies.configuration.secretKey, role: .support)
            let staff = try #require(
                staffCookies.split(separator: "; ").first { $0.hasPrefix("\(StaffAuthMiddleware.cookieName)=") }?.split(separator: "=").last
            )
            let cases: [(String, String?, String?, HTTPResponse.Status, String)] = [
                ("another site", "https://evil.example", player, .forbidden, "forbidden"),
                ("no origin", nil, player, .forbidden, "forbidden"),
                ("no session", Self.origin, nil, .unauthorized, "notSignedIn"),
                (
                    "an unknown token", Self.origin, "\(PlayerSessionMiddleware.cookieName)=\(String(repeating: "ab", count: 32))",
                    .unauthorized,
                    "notSignedIn"
                ),
                ("a staff token", Self.origin, "\(PlayerSessionMiddleware.cookieName)=\(staff)", .unauthorized, "notSignedIn"),
            ]
            for (name, origin, cookie, status, code) in cases {
                let plain = try await client.execute(
                    uri: LiveBalancesController.path, method: .get, headers: Self.headers(origin: origin, cookie: cookie))
                #expect(plain.status == status, "\(name)")
                #expect((try plain.json()["error"] as? [String: Any])?["code"] as? String == code, "\(name)")
            }
            var twoOrigins = Self.headers(origin: Self.origin, cookie: player)
            twoOrigins.append(HTTPField(name: .origin, value: Self.origin))
            let doubled = try await client.execute(uri: LiveBalancesController.path, method: .get, headers: twoOrigins)
            #expect(doubled.status == .forbidden, "two Origin headers")
            let admitted = try await client.execute(
                uri: LiveBalancesController.path, method: .get, headers: Self.headers(origin: Self.origin, cookie: player))
            #expect(admitted.status == .upgradeRequired)
        }
    }

    @Test func theSitesOriginIsWrittenAsABrowserSendsIt() {
        #expect(WebOrigin.of("https://Casino.Example:443/play") == "https://casino.example")
        #expect(WebOrigin.of("http://127.0.0.1:8080") == "http://127.0.0.1:8080")
        #expect(WebOrigin.of("http://casino.example:80/") == "http://casino.example")
        #expect(WebOrigin.of("ftp://casino.example") == nil)
    }

    @Test func aPublicURLWithoutAnOriginFailsAtStartUp() async throws {
        try await TestDatabase.with { database in
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            #expect(throws: ConfigurationError.self) { try LiveAdmission(publicURL: "casino.example/play", sessions: sessions) }
            let admission = try LiveAdmission(publicURL: "https://Casino.Example/", sessions: sessions)
            #expect(admission.origin == "https://casino.example")
        }
    }

    @Test(.timeLimit(.minutes(10))) func aLedgerTransactionReachesTheMailboxOfItsPlayersSocketOnly() async throws {
        try await withTestApp { _, dependencies, database in
            let hub = dependencies.liveBalances
            let session = try #require(
                SessionStore.tokenHash(
                    try await SessionStore(database: database, logger: TestServices.logger).start(
                        .player(PlayerID(7)), policy: .player, userAgent: "test", ip: "127.0.0.1")))
            let (mine, theirs) = (BalanceMailbox(), BalanceMailbox())
            try await until { await hub.subscribed }
            #expect(await hub.join(PlayerID(7), session: session, mine))
            #expect(await hub.join(PlayerID(8), session: session, theirs))
            // A bound that only catches a hang: events pass through the relay's polling and NATS.
            let delivered = try await withBound(.seconds(120)) { () -> BalanceUpdate in
                let operation = LedgerOperation(
                    key: .init(scope: "test", key: "live-1"), player: PlayerID(7), currency: "EUR", movement: .adjustment(units: 250_000))
                #expect(try await dependencies.ledger.apply(operation).code == .ok)
                for await _ in mine.rings {
                    if let update = mine.take().updates.first { return update }
                }
                throw Hung()
            }
            #expect(delivered.player == PlayerID(7) && delivered.currency == "EUR")
            #expect(delivered.balances.real == 250_000)
            #expect(theirs.take().updates.isEmpty, "another player's socket hears nothing of it")
            let asOf = try #require(try await dependencies.ledger.balancesAsOf(of: PlayerID(7))["EUR"])
            #expect(
                asOf == BalancesAsOf(balances: delivered.balances, transaction: delivered.transaction), "the snapshot says what it includes"
            )
            await hub.leave(PlayerID(7), mine)
            await hub.leave(PlayerID(8), theirs)
            #expect(hub.count == 0)
        }
    }

    @Test func aSessionEndedIsNoLongerLiveAndAStaffSessionIsNoPlayers() async throws {
        try await withTestApp { _, _, database in
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let token = try await sessions.start(.player(PlayerID(7)), policy: .player, userAgent: "test", ip: "127.0.0.1")
            let hash = try #require(SessionStore.tokenHash(token))
            #expect(try await sessions.live([hash: .player(PlayerID(7))], policy: .player) == [hash])
            #expect(try await sessions.live([hash: .player(PlayerID(8))], policy: .player).isEmpty)
            #expect(try await sessions.live([hash: .staff(7)], policy: .staff).isEmpty)
            try await sessions.revokeAll(of: .player(PlayerID(7)))
            #expect(try await sessions.live([hash: .player(PlayerID(7))], policy: .player).isEmpty)
        }
    }
}

/// The hub's bounds and its view of sessions and NATS, on hubs of the tests' own.
@Suite struct LiveBalanceHubTests {
    static func hub(natsURL: String, database: Database, capacity: Int = 10_000) -> LiveBalanceHub {
        LiveBalanceHub(
            link: NATSLink(url: natsURL, connectTimeout: .seconds(5)), stream: EventStream(name: "LIVE"),
            sessions: SessionStore(database: database, logger: TestServices.logger), capacity: capacity, logger: TestServices.logger)
    }

    static func session(_ sessions: SessionStore, of player: PlayerID) async throws -> (String, SessionTokenHash) {
        let token = try await sessions.start(.player(player), policy: .player, userAgent: "test", ip: "127.0.0.1")
        return (token, try #require(SessionStore.tokenHash(token)))
    }

    @Test func aPlayerHasTenSocketsAndTheCopyItsCapacity() async throws {
        try await TestDatabase.with { database in
            // Never run: the subscription is said taken by hand, nothing connects to this URL.
            let hub = Self.hub(natsURL: "nats://127.0.0.1:1", database: database, capacity: 12)
            let session = try #require(SessionStore.tokenHash(String(repeating: "ab", count: 32)))
            #expect(await !hub.join(PlayerID(1), session: session, BalanceMailbox()), "not before the subscription is taken")
            await hub.subscriptionTaken()
            for _ in 0..<LiveBalanceHub.socketsPerPlayer {
                #expect(await hub.join(PlayerID(1), session: session, BalanceMailbox()))
            }
            #expect(await !hub.admits(PlayerID(1)))
            #expect(await !hub.join(PlayerID(1), session: session, BalanceMailbox()), "the 11th socket of one player")
            #expect(await hub.join(PlayerID(2), session: session, BalanceMailbox()))
            let last = BalanceMailbox()
            #expect(await hub.join(PlayerID(3), session: session, last))
            #expect(await !hub.join(PlayerID(4), session: session, BalanceMailbox()), "past the copy's capacity")
            await hub.leave(PlayerID(3), last)
            #expect(await hub.admits(PlayerID(4)))
        }
    }

    @Test func oneCheckClosesTheSocketsWhoseSessionEnded() async throws {
        try await TestDatabase.with { database in
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let hub = Self.hub(natsURL: "nats://127.0.0.1:1", database: database)
            await hub.subscriptionTaken()
            let (_, kept) = try await Self.session(sessions, of: PlayerID(7))
            let (revoked, ended) = try await Self.session(sessions, of: PlayerID(7))
            let (_, someoneElses) = try await Self.session(sessions, of: PlayerID(8))
            let (keptBox, endedBox, misusedBox) = (BalanceMailbox(), BalanceMailbox(), BalanceMailbox())
            #expect(await hub.join(PlayerID(7), session: kept, keptBox))
            #expect(await hub.join(PlayerID(7), session: ended, endedBox))
            // A session is live only for its own player.
            #expect(await hub.join(PlayerID(7), session: someoneElses, misusedBox))
            try await sessions.revoke(revoked)
            await hub.checkSessions()
            #expect(keptBox.ending == nil)
            #expect(endedBox.ending == .sessionEnded)
            #expect(misusedBox.ending == .sessionEnded)
            #expect(try await sessions.live([kept: .player(PlayerID(7)), ended: .player(PlayerID(7))], policy: .player) == [kept])
        }
    }

    @Test(.timeLimit(.minutes(10))) func whileNATSIsAwayTheHubClosesItsSocketsAndTakesNone() async throws {
        try await TestDatabase.with { database in
            let server = try PrivateNATSServer()
            try await server.start()
            let hub = Self.hub(natsURL: server.url, database: database)
            let running = Task { try await hub.run() }
            defer { running.cancel() }
            try await until { await hub.subscribed }
            let session = try #require(SessionStore.tokenHash(String(repeating: "ab", count: 32)))
            let mailbox = BalanceMailbox()
            #expect(await hub.join(PlayerID(7), session: session, mailbox))
            server.kill()
            for await _ in mailbox.rings {}
            #expect(mailbox.ending == .unavailable, "closed with 1013, so the page polls and comes back")
            await hub.leave(PlayerID(7), mailbox)
            #expect(await !hub.join(PlayerID(7), session: session, BalanceMailbox()), "no socket would hear anything")
            try await server.start()
            try await until { await hub.subscribed }
            #expect(await hub.join(PlayerID(7), session: session, BalanceMailbox()))
        }
    }
}

/// Returns once `condition` holds; callers bound the wait with a time limit.
private func until(_ condition: () async -> Bool) async throws {
    while !(await condition()) { try await Task.sleep(for: .milliseconds(20)) }
}

private struct Hung: Error {}

/// `body`'s result, or `Hung` when it has not finished within `bound`.
private func withBound<T: Sendable>(_ bound: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: bound)
            throw Hung()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw Hung() }
        return first
    }
}
