/// The key rule of the `ObjectStore` contract: `/`-separated segments of letters, digits,
/// `.`, `-` and `_`, none empty, `.` or `..`. Every store checks it, so a key can neither leave
/// a local root nor a bucket prefix.
enum ObjectKeyRule {
    static func isValid(_ key: String) -> Bool {
        !key.isEmpty && !key.hasPrefix("/")
            && key.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { segment in
                !segment.isEmpty && segment != "." && segment != ".."
                    && segment.unicodeScalars.allSatisfy { scalar in
                        (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                            || scalar == "." || scalar == "-" || scalar == "_"
                    }
            }
    }
}
