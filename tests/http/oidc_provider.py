"""A fake OpenID Connect provider served by the test itself (a real HTTP server on a free
port): discovery, JWKS and the token endpoint, issuing ID tokens signed with its own RSA key."""
import base64
import json
import threading
import time

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID, CLIENT_SECRET = "city-137", "client-secret-for-tests"


class FakeProvider:
    """Serve until stop(); issue(code, **claims) makes a code the token endpoint answers."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self.codes: dict[str, tuple[dict, RSAKey]] = {}
        self.token_requests: list[dict] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def issue(self, code: str, nonce: str, key: RSAKey | None = None, **claims) -> None:
        """The ID token the code will be exchanged for (iss, aud, times and nonce filled in)."""
        now = int(time.time())
        self.codes[code] = ({"iss": self.issuer, "aud": CLIENT_ID, "sub": "s-1", "iat": now,
                             "exp": now + 300, "nonce": nonce, **claims}, key or self.key)

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/.well-known/openid-configuration":
            body = {"issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"]}
        elif request.path == "/jwks":
            body = {"keys": [self.key.as_dict(private=False)]}
        elif request.path == "/token" and request.method == "POST":
            self.token_requests.append(dict(request.form))
            expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            found = self.codes.pop(request.form.get("code", ""), None)
            if request.headers.get("Authorization") != expected or found is None:
                return Response(json.dumps({"error": "invalid_grant"}), 400,
                                content_type="application/json")(environ, start_response)
            claims, key = found
            body = {"access_token": "at-1", "token_type": "Bearer", "expires_in": 300,
                    "id_token": jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)}
        else:
            return Response("not found", 404)(environ, start_response)
        return Response(json.dumps(body), content_type="application/json")(environ, start_response)
