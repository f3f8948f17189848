import ArgumentParser

#if canImport(Glibc)
    import Glibc
    import CMalloc
#endif

/// Process entry point: ignores SIGPIPE before anything runs, because a tool that exits early
/// (pg_restore after an error) must turn our next write into an error we report, not kill us.
@main
enum Entry {
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        #if canImport(Glibc)
            // A fixed mmap threshold: glibc raises it to the size of each large buffer freed, so
            // 16 MiB packs and 1 MiB reads would otherwise come from the arenas of many
            // threads and stay there. Measured on a 309 MiB SQLite backup: peak RSS 136 → 99 MB
            // (bench/RESULTS.md "SQLite backup and restore").
            mallopt(M_MMAP_THRESHOLD, 1 << 20)
        #endif
        await Tidemark.main()
    }
}
