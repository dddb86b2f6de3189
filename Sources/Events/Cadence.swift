/// Says when something done at most once per `interval` is due: the first time asked, then once
/// `interval` has passed since it was last due.
struct Cadence {
    let interval: Duration
    private var next: ContinuousClock.Instant?

    init(interval: Duration) { self.interval = interval }

    mutating func isDue(at now: ContinuousClock.Instant) -> Bool {
        if let next, now < next { return false }
        next = now.advanced(by: interval)
        return true
    }
}
