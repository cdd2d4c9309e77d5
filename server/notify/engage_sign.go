package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// Links a message carries (the one-click unsubscribe link, its open pixel,
// its tracked links) are signed, so a customer id or a message id in a URL
// cannot be changed to unsubscribe someone else or to inflate another
// message's clicks, and a tracked link cannot be turned into an open
// redirect. A token is base64url(payload) "." base64url(HMAC-SHA256 of
// purpose and payload, first 16 bytes): no state on the server, nothing to
// look up before refusing a forgery. The key is Rules.LinkSecret; the
// purpose ("unsubscribe", "open", "click") is part of what is signed, so a
// token of one kind is refused where another is expected.

// linkMACLen is how much of the HMAC a token keeps: 128 bits is beyond
// guessing and keeps links short.
const linkMACLen = 16

// errBadToken is every refusal of a token: which check failed is not the
// caller's business.
var errBadToken = errors.New("notify: the link is not valid")

// sign returns a token for payload under purpose.
func (s *Service) sign(purpose, payload string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(s.mac(purpose, payload))
}

// verify returns the payload of a token signed for purpose, or errBadToken.
func (s *Service) verify(purpose, token string) (string, error) {
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(token, ".")
	if !ok {
		return "", errBadToken
	}
	payload, err := enc.DecodeString(p)
	if err != nil {
		return "", errBadToken
	}
	got, err := enc.DecodeString(m)
	if err != nil || !hmac.Equal(got, s.mac(purpose, string(payload))) {
		return "", errBadToken
	}
	return string(payload), nil
}

// mac is the truncated HMAC of purpose and payload.
func (s *Service) mac(purpose, payload string) []byte {
	h := hmac.New(sha256.New, s.rules.LinkSecret)
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write([]byte(payload))
	return h.Sum(nil)[:linkMACLen]
}

// LinkKey derives the key of the links of emails from the server's token
// secret, so no other secret has to be configured, and a link can never
// be turned into a token nor a token into a link (each key signs one
// kind of thing).
func LinkKey(tokenSecret []byte) []byte {
	h := hmac.New(sha256.New, tokenSecret)
	h.Write([]byte("aftercart notify links v1"))
	return h.Sum(nil)
}
