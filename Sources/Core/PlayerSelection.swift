/// A set of players one context found for another's search, without sharing its tables: the
/// players it names, or everyone but them (KYC level 0 is every player not raised above it).
/// The back office's players search intersects these with its own filters.
public enum PlayerSelection: Sendable, Equatable {
    case only(Set<PlayerID>)
    case except(Set<PlayerID>)

    /// Both selections at once.
    public func intersected(with other: PlayerSelection) -> PlayerSelection {
        switch (self, other) {
        case (.only(let a), .only(let b)): .only(a.intersection(b))
        case (.only(let a), .except(let b)), (.except(let b), .only(let a)): .only(a.subtracting(b))
        case (.except(let a), .except(let b)): .except(a.union(b))
        }
    }
}
