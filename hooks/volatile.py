"""What no fixture can fix: values the API makes when the request runs.

Every other value an example shows must come back exactly (`flask_dredd.exact`); these
must match their matcher instead, and `flask dredd record` writes the matcher's
placeholder in their place. A volatile value the example shows as null must stay null.
"""

from flask_dredd import matchers
from flask_dredd.declarations import volatile, volatile_header

# Set by the database when a row is written or trashed, and the session's expiry: ISO
# 8601 in UTC with its offset, as the Conventions document timestamps.
volatile("$..created_at", matchers.DATETIME_UTC)
volatile("$..updated_at", matchers.DATETIME_UTC)
volatile("$..deleted_at", matchers.DATETIME_UTC)
volatile("$.expires_at", matchers.DATETIME_UTC)

# Secrets made at login: a signed token, the session's key and its CSRF token
# (secrets.token_urlsafe(32) and token_hex(32)).
volatile("$.access_token", matchers.JWT)
volatile("$.csrf_token", matchers.token(64))
volatile_header("Set-Cookie", matchers.token(43), cookie="session")
volatile_header("Set-Cookie", matchers.token(64), cookie="csrf_token")
