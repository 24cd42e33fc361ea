"""The Flask app of docs/oidc.md, as the tests run it: Authlib's Flask client with
discovery, client_secret_basic, PKCE S256 and scopes `openid profile email`, and
RP-initiated logout. Only the addresses differ from the docs."""

import secrets

from authlib.integrations.flask_client import OAuth
from flask import Flask, jsonify, redirect, session, url_for


def make_app(issuer: str, client_id: str, client_secret: str, home: str) -> Flask:
    app = Flask(__name__)
    app.secret_key = secrets.token_urlsafe(32)
    oauth = OAuth(app)
    oauth.register(
        "authserver",
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid profile email",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
        },
    )

    @app.route("/")
    def index():
        return jsonify(session.get("user"))

    @app.route("/login")
    def login():
        return oauth.authserver.authorize_redirect(url_for("callback", _external=True))

    @app.route("/oauth2/callback")
    def callback():
        token = oauth.authserver.authorize_access_token()  # checks the ID token and nonce
        session["user"] = token["userinfo"]
        session["id_token"] = token["id_token"]
        return redirect("/")

    @app.route("/logout")
    def logout():
        id_token = session.pop("id_token", "")
        session.clear()
        metadata = oauth.authserver.load_server_metadata()
        return redirect(f"{metadata['end_session_endpoint']}?id_token_hint={id_token}"
                        f"&post_logout_redirect_uri={home}")

    return app
