/// Prepares view data for Mustache, which treats a nil wrapped in `Any` as a true value:
/// absent values are dropped, so `{{#field}}` sections stay closed and nothing prints "nil".
enum TemplateData {
    static func clean(_ value: Any) -> Any? {
        if let optional = value as? any OptionalValue {
            guard let wrapped = optional.wrappedAny else { return nil }
            return clean(wrapped)
        }
        if let dictionary = value as? [String: Any] {
            return dictionary.compactMapValues(clean)
        }
        if let array = value as? [Any] {
            return array.compactMap(clean)
        }
        return value
    }
}

private protocol OptionalValue {
    var wrappedAny: Any? { get }
}

extension Optional: OptionalValue {
    fileprivate var wrappedAny: Any? { self.map { $0 as Any } }
}
