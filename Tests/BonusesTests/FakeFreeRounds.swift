import Bonuses
import Synchronization

/// A provider's rewards API as Bonuses' tests script it: what was awarded and cancelled, and how
/// many rounds of each reward the test says are not over (all of an award until told otherwise).
final class FakeFreeRounds: FreeRoundsProvider {
    struct State {
        var awards: [FreeRoundsAward] = []
        var cancelled: [String] = []
        var open: [String: Int] = [:]
    }

    let state = Mutex(State())
    let code = "originals"

    func award(_ award: FreeRoundsAward) async throws {
        state.withLock {
            $0.awards.append(award)
            $0.open[award.reward] = award.rounds
        }
    }

    func cancel(reward: String) async throws {
        state.withLock {
            $0.cancelled.append(reward)
            $0.open[reward] = 0
        }
    }

    func openRounds(reward: String) async throws -> Int { state.withLock { $0.open[reward] ?? 0 } }

    /// The provider played every round of `reward` and settled their wins.
    func playAll(_ reward: String) { state.withLock { $0.open[reward] = 0 } }

    var awards: [FreeRoundsAward] { state.withLock { $0.awards } }
    var cancelled: [String] { state.withLock { $0.cancelled } }
}
