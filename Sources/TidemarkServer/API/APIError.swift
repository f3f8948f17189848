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

    /// - Parameter hint: what to do; when nil, a hint for the status (every error has one).
    package init(_ status: HTTPResponse.Status, code: String, message: String, hint: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.hint = hint ?? Self.defaultHint(for: status)
        self.headers = headers
    }

    /// What a client can do about an error of this status when nothing more specific is known.
    static func defaultHint(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "Check the request against /api/v1/openapi.json: JSON body, field names and types, query parameters."
        case 401: "Send 'Authorization: Bearer TOKEN'; create one with 'tidemark token create NAME --role viewer'."
        case 403: "Use a token with the admin role."
        case 404: "Check the name or id; the list routes show what exists."
        case 405: "See /api/v1/openapi.json for the methods of each path."
        case 409: "Check the current state of the resource, then try again."
        case 413: "Send a JSON document of at most 1 MiB."
        case 422: "Correct the value named in the message and try again."
        case 502, 503: "Retry later; the server log has the details."
        default: "The server log has the details."
        }
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
