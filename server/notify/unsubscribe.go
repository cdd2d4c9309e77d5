package notify

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/consent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messageevent"
	"github.com/aftercart/aftercart/server/auth"
)

// One-click unsubscribe (RFC 8058, with RFC 2369's List-Unsubscribe):
// every marketing email carries
//
//	List-Unsubscribe: <https://shop.example.com/unsubscribe?t=TOKEN>
//	List-Unsubscribe-Post: List-Unsubscribe=One-Click
//
// and the same link in its body (Marketing.UnsubscribeURL). A mail
// client's POST of "List-Unsubscribe=One-Click" to it withdraws the
// customer's marketing consent on the channel at once, without a login
// (the signed token is the proof). A GET (a person clicking the link in
// the body, or a link scanner of a mail provider, which must never
// unsubscribe anyone) shows a small page whose button makes that POST.
// A tampered or foreign token is 400 and changes nothing.

// oneClickBody is the body RFC 8058 says the POST carries.
const oneClickBody = "List-Unsubscribe=One-Click"

// unsubscribeTarget reads an unsubscribe token: the customer, the
// channel, and the message whose link it is (0 in tokens signed before
// links named their message).
func (s *Service) unsubscribeTarget(token string) (int, message.Channel, int, error) {
	p, err := s.verify("unsubscribe", token)
	if err != nil {
		return 0, "", 0, err
	}
	parts := strings.Split(p, "|")
	if len(parts) < 3 || len(parts) > 4 || parts[2] != "marketing" {
		return 0, "", 0, errBadToken
	}
	id, err := strconv.Atoi(parts[0])
	ch := message.Channel(parts[1])
	if err != nil || message.ChannelValidator(ch) != nil {
		return 0, "", 0, errBadToken
	}
	msgID := 0
	if len(parts) == 4 {
		if msgID, err = strconv.Atoi(parts[3]); err != nil {
			return 0, "", 0, errBadToken
		}
	}
	return id, ch, msgID, nil
}

// unsubscribe withdraws customer id's marketing consent on ch, in tx;
// when that changed it and msgID is one of the customer's messages
// still stored, an UNSUBSCRIBED event records which message's link did
// it (once: a second POST changes nothing and records nothing).
func (s *Service) unsubscribe(ctx context.Context, tx *ent.Tx, id int, ch message.Channel, msgID int) error {
	changed, err := s.setConsent(ctx, tx.Client(), id, ch, false, consent.SourceUNSUBSCRIBE_LINK, nil)
	if err != nil || !changed || msgID == 0 {
		return err
	}
	ok, err := tx.Message.Query().Where(message.ID(msgID), message.CustomerID(id)).Exist(ctx)
	if err != nil || !ok {
		return err
	}
	return tx.MessageEvent.Create().SetMessageID(msgID).SetType(messageevent.TypeUNSUBSCRIBED).SetAt(s.now()).Exec(ctx)
}

// serveUnsubscribe is UnsubscribePath.
func (s *Service) serveUnsubscribe(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("t")
	id, ch, msgID, err := s.unsubscribeTarget(token)
	if err != nil {
		s.log.Info("unsubscribe link refused", "method", r.Method, "reason", "bad signature")
		page(w, http.StatusBadRequest, "This link is not valid", "Nothing was changed. Use the link of a recent email, or change your settings in your account.", "")
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		page(w, http.StatusOK, "Unsubscribe?", fmt.Sprintf("You will get no more marketing messages by %s. Messages about your orders still reach you.", strings.ToLower(string(ch))),
			r.URL.RequestURI())
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		if err := r.ParseForm(); err != nil || r.PostForm.Get("List-Unsubscribe") != "One-Click" {
			s.log.Info("unsubscribe POST refused", "reason", "body is not "+oneClickBody)
			page(w, http.StatusBadRequest, "Not unsubscribed", "The request did not say "+oneClickBody+"; nothing was changed.", "")
			return
		}
		ctx := auth.WithSystem(r.Context())
		err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			return s.unsubscribe(ctx, tx, id, ch, msgID)
		})
		switch {
		case ent.IsConstraintError(err):
			page(w, http.StatusNotFound, "Nothing to unsubscribe", "The store no longer knows this address.", "")
		case err != nil:
			s.log.Error("unsubscribe", "customer", id, "err", err)
			page(w, http.StatusInternalServerError, "Please try again", "Something went wrong on our side; nothing was changed.", "")
		default:
			page(w, http.StatusOK, "You are unsubscribed", "You will get no more marketing messages by "+strings.ToLower(string(ch))+".", "")
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// pageTmpl is the unsubscribe pages: a title, a line, and when action is
// set the one-click form.
var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">
<h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Action}}<form method="post" action="{{.Action}}"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button></form>{{end}}
</body></html>
`))

// page writes one of the unsubscribe pages.
func page(w http.ResponseWriter, status int, title, text, action string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the token stays here
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, struct{ Title, Text, Action string }{title, text, action})
}
