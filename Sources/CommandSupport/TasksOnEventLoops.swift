import Core
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Swift's tasks on SwiftNIO's event loops (`CROUPIER_TASKS_ON_EVENT_LOOPS`, docs/configuration.md).
///
/// Every database, NATS and HTTP socket is served by an event loop of NIO's singleton group, and
/// by default a task that awaits one resumes on Swift's own thread pool: each answer crosses from
/// one thread to another, a wake-up and a context switch apiece (`perf` showed the scheduler's
/// functions at the top of the benchmark process's profile, docs/benchmarks.md). With the
/// singleton group as Swift's global executor, a task resumes on the loop that read its answer.
/// Work that keeps a core busy must not run there: it goes to `CPUBoundWork`'s threads, as before.
enum TasksOnEventLoops {
    /// Installs the singleton group as Swift's global executor, once per process; a second call
    /// (a process that starts two commands) keeps the first one's choice.
    static func install(_ configuration: Configuration, logger: Logger) {
        guard configuration.tasksOnEventLoops, installed.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
        else { return }
        if !NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() {
            logger.notice("tasks stay on Swift's own threads: this runtime has no global executor hook")
        }
    }

    private static let installed = Atomic(false)
}
