#!/usr/bin/env python3
"""Runs moto's S3 server for Tidemark's tests and benchmarks.

With IAM authentication on (INITIAL_NO_AUTH_ACTION_COUNT), moto 5.2 recomputes request
signatures from the *decoded* query string, so any correctly signed request whose query holds
an encoded character (ListObjectsV2 with prefix=a%2Fb) fails with SignatureDoesNotMatch. AWS,
MinIO and R2 sign the query as sent. This wrapper hands moto the raw query before it checks
the signature, so the server checks signatures the way real S3 does; nothing else changes.

Usage: moto-server.py -H 127.0.0.1 -p PORT
"""
import sys
from urllib.parse import urlparse, urlunparse

from moto.core import responses
from moto.server import main

_original_setup_class = responses.BaseResponse.setup_class


def _setup_class_with_raw_query(self, request, full_url, headers, use_raw_body=False):
    _original_setup_class(self, request, full_url, headers, use_raw_body)
    environ = getattr(request, "environ", None) or {}
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw_uri and "?" in raw_uri:
        self.uri = urlunparse(urlparse(self.uri)._replace(query=raw_uri.split("?", 1)[1]))


responses.BaseResponse.setup_class = _setup_class_with_raw_query

if __name__ == "__main__":
    main(sys.argv[1:])
