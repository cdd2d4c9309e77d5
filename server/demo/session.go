package demo

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/aftercart/aftercart/server/auth"
)

// SessionTTL is how long a development session's token lives; the demo
// pages fetch a new one when the server stops accepting it.
const SessionTTL = 12 * time.Hour

// AdminSessionPath is where a development server hands the admin SPA
// (web-demo/admin.html) an ADMIN session, beside /demo/session for the
// demo customer. The SPA asks for a pasted token where it answers 404.
const AdminSessionPath = "/demo/admin-session"

// Issuer signs tokens (server/auth's Issuer).
type Issuer interface {
	Issue(role auth.Role, email string, ttl time.Duration) (string, error)
}

// SessionHandler answers GET with a fresh token of role (for email, empty
// for staff) as the demo pages read it: {"token", "email", "expiresAt"},
// never cached. It is for development mode only: whoever can reach it is
// signed in, so a production server must not route it.
func SessionHandler(iss Issuer, role auth.Role, email string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		tok, err := iss.Issue(role, email, SessionTTL)
		if err != nil {
			http.Error(w, "could not issue a demo token", http.StatusInternalServerError)
			return
		}
		body := map[string]string{"token": tok, "expiresAt": time.Now().Add(SessionTTL).UTC().Format(time.RFC3339)}
		if email != "" {
			body["email"] = email
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(body)
	})
}
