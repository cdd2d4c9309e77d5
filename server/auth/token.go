package auth

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/aftercart/aftercart/server/errs"
)

// TokenIssuer is the "iss" claim of every aftercart token. Verify rejects
// tokens minted for anything else with a secret that happens to be shared.
const TokenIssuer = "aftercart"

// MinSecretLen is the shortest HMAC secret accepted, in bytes: HS256 is only
// as strong as its key, and RFC 7518 §3.2 asks for at least the hash size.
const MinSecretLen = 32

// Issuer mints and verifies aftercart's HS256 tokens with one secret. It is
// safe for concurrent use.
type Issuer struct {
	secret []byte
	// now is the clock, replaceable by tests to mint and check expired tokens.
	now func() time.Time
	// verified remembers tokens that passed Verify (see verifiedCacheSize).
	verified *lru.Cache[[sha256.Size]byte, Viewer]
}

// verifiedCacheSize bounds the tokens Verify remembers: one per active
// client is enough (a client sends the same token until it refreshes it),
// and an entry (a digest, a Viewer, the LRU's bookkeeping) is about 250
// bytes, so a full cache holds about 2.5 MB.
//
// Verifying an HS256 token costs an HMAC, two base64 decodings, a JSON
// decoding and about 45 allocations, on every request of every client; a
// remembered token costs a SHA-256 of it and a map lookup. The cache is
// keyed by the token's SHA-256, not by the token: the key is 32 bytes
// whatever the token's size, and a lookup compares digests, so timing
// tells nothing about the bytes of a remembered token. Only tokens that
// passed every check are remembered, so a forged or altered token (another
// digest) is always verified in full, and a cache hit is the same answer
// Verify gave before, given the time: expiry is checked again on every hit,
// against the same clock and with the same rule as the JWT library's
// (valid while now is before exp). Tokens with a not-before claim (aftercart
// never issues them) are not remembered.
const verifiedCacheSize = 10_000

// NewIssuer returns an Issuer signing with secret, which must be at least
// MinSecretLen bytes. The secret is copied, so the caller may wipe its slice.
func NewIssuer(secret []byte) (*Issuer, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("auth: token secret is %d bytes, need at least %d (generate one with `openssl rand -hex 32`)", len(secret), MinSecretLen)
	}
	verified, _ := lru.New[[sha256.Size]byte, Viewer](verifiedCacheSize) // errors only for size <= 0
	return &Issuer{secret: append([]byte(nil), secret...), now: time.Now, verified: verified}, nil
}

// claims is the token payload. Role and email are private claims; the rest
// are registered ones.
type claims struct {
	Role  string `json:"role"`
	Email string `json:"email,omitempty"`
	jwt.RegisteredClaims
}

// Issue returns a signed token for role, valid for ttl. Customers are
// identified by email, which is required and becomes the subject; staff
// tokens carry no email (any given is ignored) and their subject is the
// lower-case role name. Invalid arguments are INVALID_INPUT errors.
func (i *Issuer) Issue(role Role, email string, ttl time.Duration) (string, error) {
	if !role.Valid() {
		return "", errs.Invalid("role", "unknown role %q (want CUSTOMER, ADMIN or INTEGRATION)", string(role))
	}
	if ttl <= 0 {
		return "", errs.Invalid("ttl", "must be positive, got %s", ttl)
	}
	c := claims{Role: string(role)}
	if role == RoleCustomer {
		email = strings.TrimSpace(email)
		if email == "" {
			return "", errs.Invalid("email", "a customer token needs an email")
		}
		// A display name ("Ann <ann@example.com>") would never match the
		// email stored on orders, so only a bare address is accepted.
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return "", errs.Invalid("email", "%q is not a bare email address", email)
		}
		c.Email = email
		c.Subject = email
	} else {
		c.Subject = strings.ToLower(string(role))
	}
	now := i.now()
	c.Issuer = TokenIssuer
	c.IssuedAt = jwt.NewNumericDate(now)
	c.ExpiresAt = jwt.NewNumericDate(now.Add(ttl))
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(i.secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return s, nil
}

// Verify checks token and returns the viewer it names, a new Viewer that
// the caller may change. Every failure is an UNAUTHENTICATED *errs.Error
// whose message is safe to show the client: it tells an expired token apart
// (the client should log in again) but never says which check a forged one
// failed. A token that passed before is not verified again until it
// expires (see verifiedCacheSize).
func (i *Issuer) Verify(token string) (*Viewer, error) {
	key := sha256.Sum256([]byte(token))
	if v, ok := i.verified.Get(key); ok {
		if i.now().Before(v.ExpiresAt) {
			return &v, nil // a copy: callers set CustomerID
		}
		// Expired: verified again below, which refuses it with the
		// library's own error, exactly as before it was remembered.
		i.verified.Remove(key)
	}
	v, notBefore, err := i.verify(token)
	if err == nil && !notBefore {
		i.verified.Add(key, *v)
	}
	return v, err
}

// verify checks token in full; notBefore reports a token that carries a
// not-before claim.
func (i *Issuer) verify(token string) (_ *Viewer, notBefore bool, _ error) {
	var c claims
	p := jwt.NewParser(
		// Pinning the algorithm stops "alg":"none" and key-confusion tokens
		// (RS256 signed with our secret as a "public key") before any check.
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(TokenIssuer),
		jwt.WithTimeFunc(i.now),
	)
	_, err := p.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return i.secret, nil })
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, false, unauthenticated("token expired")
	default:
		return nil, false, unauthenticated("invalid token")
	}
	role, err := ParseRole(c.Role)
	if err != nil {
		return nil, false, unauthenticated("invalid token: bad role")
	}
	if role == RoleCustomer && strings.TrimSpace(c.Email) == "" {
		return nil, false, unauthenticated("invalid token: customer without email")
	}
	v := &Viewer{Role: role, Subject: c.Subject, ExpiresAt: c.ExpiresAt.Time}
	if role == RoleCustomer {
		v.Email = strings.TrimSpace(c.Email)
	}
	return v, c.NotBefore != nil, nil
}

func unauthenticated(msg string) *errs.Error {
	return &errs.Error{Code: errs.Unauthenticated, Message: msg}
}
