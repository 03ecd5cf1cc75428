"""Errors of the intake stage: fetching (network, policy) and reading what was fetched.

Fetch errors share :class:`FetchError` (exit code 7) and say whether trying again later may help
(``retryable``): timeouts, refused connections, 429 and 5xx may; a blocked address, a body over
the cap or a redirect loop will not. Content errors are :class:`~zhimei.errors.InputError`
subclasses (exit code 3), like every other unusable input.
"""

from __future__ import annotations

from zhimei.errors import InputError, ZhimeiError

__all__ = [
    "BlockedURLError",
    "ConnectFailedError",
    "FetchError",
    "FetchTimeoutError",
    "HTTPStatusError",
    "NoArticleError",
    "NoTextLayerError",
    "NotAFeedError",
    "ResponseTooLargeError",
    "TooManyRedirectsError",
    "UnsafeXMLError",
]


class FetchError(ZhimeiError):
    """A URL could not be fetched. ``url`` is the URL asked for; ``retryable`` says if later may work."""

    exit_code = 7
    retryable = False

    def __init__(self, message: str, hint: str = "", *, url: str = "") -> None:
        super().__init__(message, hint)
        self.url = url


class BlockedURLError(FetchError):
    """Refused by the fetch policy: not http(s), or a private, loopback, link-local … address."""


class ConnectFailedError(FetchError):
    """The host name did not resolve, or no address accepted the connection."""

    retryable = True


class FetchTimeoutError(FetchError):
    """Connecting, a read, or the whole fetch took longer than its limit."""

    retryable = True


class ResponseTooLargeError(FetchError):
    """The body (after decompression) is over the byte cap."""


class TooManyRedirectsError(FetchError):
    """More redirects than allowed, or a redirect loop."""


class HTTPStatusError(FetchError):
    """The server answered with an error status. ``retry_after`` is in seconds, when it said."""

    def __init__(
        self, message: str, hint: str = "", *, url: str = "", status: int, retry_after: float | None = None
    ) -> None:
        super().__init__(message, hint, url=url)
        self.status = status
        self.retry_after = retry_after
        self.retryable = status == 429 or status >= 500


class UnsafeXMLError(InputError):
    """XML that declares entities (entity expansion, external entities) is refused before parsing."""


class NotAFeedError(InputError):
    """The bytes are not an RSS, RDF or Atom feed (an HTML page, an error page, garbage)."""


class NoArticleError(InputError):
    """A page or HTML file has no article text that extraction could find."""


class NoTextLayerError(InputError):
    """A PDF has no text layer (a scan): its text can only come from OCR."""
