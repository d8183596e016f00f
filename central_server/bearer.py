"""The bearer-token check and the client's address, shared by every route module.

One place decides what a missing, malformed, unknown, expired or revoked token
gets (401 with ``WWW-Authenticate: Bearer``, the reason from accounts), so the
route modules (app, board, audit, export) cannot drift apart on it.
"""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .accounts import Accounts, AuthError, Session

bearer = HTTPBearer(auto_error=False, description="the token from /v1/auth/login")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def session_dependency(accounts: Accounts) -> Callable[..., Session]:
    """A FastAPI dependency: the session behind the request's bearer token, or a 401."""

    def session(credentials: Credentials) -> Session:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
        try:
            return accounts.session(credentials.credentials)
        except AuthError as exc:
            raise HTTPException(exc.status, exc.message, headers={"WWW-Authenticate": "Bearer"}) from None

    return session


def client_address(request: Request) -> str:
    """The client's address (behind trusted load balancers: see client_ip.py), '' if unknown."""
    return request.client.host if request.client else ""
