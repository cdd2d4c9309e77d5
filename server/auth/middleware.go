package auth

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/aftercart/aftercart/server/errs"
)

// Middleware authenticates HTTP requests to next from their
// "Authorization: Bearer <token>" header.
//
// A request without the header continues anonymously: public queries need no
// login, and authorization is decided later, per field. A request whose
// header is present but not a valid, unexpired token is refused with 401 and
// a GraphQL-shaped JSON error (extensions.code UNAUTHENTICATED), rather than
// being downgraded to anonymous, so a client with a stale token learns to
// refresh it instead of silently seeing less. A valid token puts its Viewer
// in the request context.
//
// WebSocket upgrade requests pass through untouched: their credentials come
// only from the connection_init payload (see FromInitPayload), and a header
// on the upgrade must not be able to authenticate the connection by a second
// route.
func Middleware(iss *Issuer, next http.Handler) http.Handler {
	if iss == nil {
		panic("auth: Middleware needs an Issuer")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		token, ok := bearerToken(h)
		if !ok {
			writeUnauthenticated(w, unauthenticated("invalid authorization header: want Bearer token"))
			return
		}
		v, err := iss.Verify(token)
		if err != nil {
			e, _ := errs.As(err)
			writeUnauthenticated(w, e)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), v)))
	})
}

// FromInitPayload authenticates a WebSocket connection from its
// connection_init payload. It accepts {"authorization": "Bearer <token>"}
// (the key in any case, as clients differ) or {"token": "<token>"}. A payload
// without credentials returns (nil, nil): the connection is anonymous. A
// payload with unusable credentials returns an UNAUTHENTICATED *errs.Error,
// and the server should refuse the connection.
//
// payload is a plain map so gqlgen's transport.InitPayload can be passed as
// is without auth importing gqlgen.
func FromInitPayload(iss *Issuer, payload map[string]any) (*Viewer, error) {
	raw, found := initCredential(payload)
	if !found {
		return nil, nil
	}
	s, ok := raw.(string)
	if !ok {
		return nil, unauthenticated("invalid token")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	// Accept a bare token under "authorization" and a Bearer one under
	// "token": being strict about which key wants the prefix would only
	// break clients, not stop attackers.
	if t, ok := bearerToken(s); ok {
		s = t
	}
	return iss.Verify(s)
}

// initCredential finds the credential in a connection_init payload,
// preferring an authorization key over a token key.
func initCredential(payload map[string]any) (any, bool) {
	if v, ok := payload["authorization"]; ok {
		return v, true
	}
	if v, ok := payload["Authorization"]; ok {
		return v, true
	}
	for k, v := range payload {
		if strings.EqualFold(k, "authorization") {
			return v, true
		}
	}
	v, ok := payload["token"]
	return v, ok
}

// bearerToken extracts the token from "Bearer <token>". The scheme is
// case-insensitive (RFC 9110 §11.1).
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func isWebSocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// writeUnauthenticated writes the 401 in the shape GraphQL clients already
// parse for errors, plus the RFC 6750 challenge for HTTP-level clients.
func writeUnauthenticated(w http.ResponseWriter, e *errs.Error) {
	if e == nil {
		e = unauthenticated("invalid token")
	}
	type extensions struct {
		Code errs.Code `json:"code"`
	}
	type gqlError struct {
		Message    string     `json:"message"`
		Extensions extensions `json:"extensions"`
	}
	body, _ := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{{Message: e.Message, Extensions: extensions{Code: errs.Unauthenticated}}}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	w.Write(body)
}
