/// A SQL function a context publishes so that another context's operation can run it inside its
/// own transaction, in the same round trip: `f(p_player bigint, p_arguments jsonb)`. The owner
/// names it through its Swift API; the caller passes it on without knowing what it reads.
public struct TransactionHook: Sendable, Hashable, CustomStringConvertible {
    /// The function's name; the database resolves it (`regproc`), so an unknown name fails the call.
    public let function: String

    public init(function: String) {
        self.function = function
    }

    public var description: String { function }
}
