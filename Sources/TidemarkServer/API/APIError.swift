import Foundation
package import Hummingbird
package import TidemarkCore

/// An error as the API answers it: `{"error":{"code","message","hint"}}` with a status code.
package struct APIError: HTTPResponseError {
    package var status: HTTPResponse.Status
    package var code: String
    package var message: String
    package var hint: String?
    /// Extra headers (e.g. `WWW-Authenticate` on 401).
    package var headers: HTTPFields

    package init(_ status: HTTPResponse.Status, code: String, message: String, hint: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint
        self.headers = headers
    }

    /// The API form of a control-plane error. Only `UserFacingError`s reach clients with their
    /// message (which never holds a secret); anything else is logged and answered as an internal
    /// error quoting `reference`.
    package init(_ error: any Error, reference: String) {
        if let api = error as? APIError {
            self = api
        } else if let error = error as? any UserFacingError {
            self.init(Self.status(for: error.category), code: error.code, message: error.message, hint: error.hint)
        } else {
            self.init(
                .internalServerError, code: "internal-error",
                message: "internal error (reference \(reference))",
                hint: "The server log has the details under this reference."
            )
        }
    }

    /// HTTP status per error category (docs/API.md "Errors").
    package static func status(for category: ErrorCategory) -> HTTPResponse.Status {
        switch category {
        case .invalidInput: .unprocessableContent
        case .notFound: .notFound
        case .conflict: .conflict
        // The request named credentials (a database URL, a storage key) that were refused.
        case .authentication: .unprocessableContent
        case .unavailable: .serviceUnavailable
        case .storage, .toolFailed: .badGateway
        case .integrity, .internal: .internalServerError
        }
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try APIJSON.response(ErrorBody(error: .init(code: code, message: message, hint: hint)), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    private struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var hint: String?
        }
        var error: Detail
    }
}

extension APIError {
    /// 400 for a body or query the server cannot use as sent.
    static func badRequest(_ code: String, _ message: String, hint: String? = nil) -> APIError {
        APIError(.badRequest, code: code, message: message, hint: hint)
    }
}
