import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// Process entry point: ignores SIGPIPE before anything runs, because a tool that exits early
/// (pg_restore after an error) must turn our next write into an error we report, not kill us.
@main
enum Entry {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        await Tidemark.main()
    }
}
