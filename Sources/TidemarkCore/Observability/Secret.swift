/// A value that must never appear in logs, errors or output.
///
/// `description` and `debugDescription` print `<redacted>`; code that needs the value reads
/// `revealed` explicitly, which makes every use easy to find.
package struct Secret<Value: Sendable>: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The protected value. Read it only where it is handed to the thing that needs it.
    package let revealed: Value

    package init(_ value: Value) {
        self.revealed = value
    }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
}

extension Secret: Equatable where Value: Equatable {}
