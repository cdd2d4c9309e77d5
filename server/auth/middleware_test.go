package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/errs"
)

func TestMiddleware(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	past := MustIssuer(t, testSecret)
	past.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	customer := MustIssue(t, iss, RoleCustomer, "ann@example.com", time.Hour)

	tests := []struct {
		name       string
		header     http.Header
		wantStatus int
		wantViewer *Viewer // nil: anonymous; compared on Role and Email
		wantMsg    string  // for 401s
	}{
		{"no header", nil, http.StatusOK, nil, ""},
		{"empty header", http.Header{"Authorization": {""}}, http.StatusOK, nil, ""},
		{"good token", http.Header{"Authorization": {"Bearer " + customer}}, http.StatusOK, &Viewer{Role: RoleCustomer, Email: "ann@example.com"}, ""},
		{"lower-case scheme", http.Header{"Authorization": {"bearer " + customer}}, http.StatusOK, &Viewer{Role: RoleCustomer, Email: "ann@example.com"}, ""},
		{"bad token", http.Header{"Authorization": {"Bearer not.a.jwt"}}, http.StatusUnauthorized, nil, "invalid token"},
		{"expired token", http.Header{"Authorization": {"Bearer " + MustIssue(t, past, RoleAdmin, "", time.Hour)}}, http.StatusUnauthorized, nil, "token expired"},
		{"bearer without token", http.Header{"Authorization": {"Bearer "}}, http.StatusUnauthorized, nil, "invalid authorization header: want Bearer token"},
		{"basic auth", http.Header{"Authorization": {"Basic YWRtaW46YWRtaW4="}}, http.StatusUnauthorized, nil, "invalid authorization header: want Bearer token"},
		{"token without scheme", http.Header{"Authorization": {customer}}, http.StatusUnauthorized, nil, "invalid authorization header: want Bearer token"},
		{"websocket upgrade ignores a bad header", http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Authorization": {"Bearer not.a.jwt"}}, http.StatusOK, nil, ""},
		{"websocket upgrade ignores a good header", http.Header{"Upgrade": {"WebSocket"}, "Connection": {"Upgrade"}, "Authorization": {"Bearer " + customer}}, http.StatusOK, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				reached bool
				got     *Viewer
			)
			h := Middleware(iss, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached = true
				got, _ = FromContext(r.Context())
			}))
			req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			for k, v := range tt.header {
				req.Header[k] = v
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus != http.StatusUnauthorized {
				if !reached {
					t.Fatal("next handler not called")
				}
				switch {
				case tt.wantViewer == nil && got != nil:
					t.Errorf("viewer = %+v, want anonymous", got)
				case tt.wantViewer != nil && (got == nil || got.Role != tt.wantViewer.Role || got.Email != tt.wantViewer.Email):
					t.Errorf("viewer = %+v, want %+v", got, tt.wantViewer)
				}
				return
			}

			if reached {
				t.Error("next handler called for a rejected request")
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if wa := rec.Header().Get("WWW-Authenticate"); wa != `Bearer error="invalid_token"` {
				t.Errorf("WWW-Authenticate = %q", wa)
			}
			var body struct {
				Errors []struct {
					Message    string `json:"message"`
					Extensions struct {
						Code errs.Code `json:"code"`
					} `json:"extensions"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if len(body.Errors) != 1 || body.Errors[0].Extensions.Code != errs.Unauthenticated || body.Errors[0].Message != tt.wantMsg {
				t.Errorf("body = %s, want one UNAUTHENTICATED error %q", rec.Body, tt.wantMsg)
			}
		})
	}
}

func TestFromInitPayload(t *testing.T) {
	iss := MustIssuer(t, testSecret)
	admin := MustIssue(t, iss, RoleAdmin, "", time.Hour)
	tests := []struct {
		name     string
		payload  map[string]any
		wantRole Role // "" means anonymous
		wantErr  bool
	}{
		{"nil payload", nil, "", false},
		{"empty payload", map[string]any{}, "", false},
		{"unrelated keys", map[string]any{"clientVersion": "1.2"}, "", false},
		{"authorization", map[string]any{"authorization": "Bearer " + admin}, RoleAdmin, false},
		{"Authorization", map[string]any{"Authorization": "Bearer " + admin}, RoleAdmin, false},
		{"AUTHORIZATION", map[string]any{"AUTHORIZATION": "bearer " + admin}, RoleAdmin, false},
		{"authorization without scheme", map[string]any{"authorization": admin}, RoleAdmin, false},
		{"token", map[string]any{"token": admin}, RoleAdmin, false},
		{"token with scheme", map[string]any{"token": "Bearer " + admin}, RoleAdmin, false},
		{"empty authorization", map[string]any{"authorization": ""}, "", false},
		{"authorization wins over token", map[string]any{"authorization": "Bearer " + admin, "token": "junk"}, RoleAdmin, false},
		{"bad token", map[string]any{"token": "not.a.jwt"}, "", true},
		{"bad authorization", map[string]any{"Authorization": "Bearer not.a.jwt"}, "", true},
		{"not a string", map[string]any{"token": 42}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := FromInitPayload(iss, tt.payload)
			if tt.wantErr {
				if errs.CodeOf(err) != errs.Unauthenticated || v != nil {
					t.Errorf("FromInitPayload = %+v, %v; want UNAUTHENTICATED", v, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromInitPayload: %v", err)
			}
			switch {
			case tt.wantRole == "" && v != nil:
				t.Errorf("viewer = %+v, want anonymous", v)
			case tt.wantRole != "" && (v == nil || v.Role != tt.wantRole):
				t.Errorf("viewer = %+v, want role %s", v, tt.wantRole)
			}
		})
	}
}
