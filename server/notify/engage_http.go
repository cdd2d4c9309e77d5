package notify

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/messageevent"
	"github.com/aftercart/aftercart/server/auth"
)

// Handler serves the links of emails: UnsubscribePath (one-click
// unsubscribe), OpenPath (the open pixel) and ClickPath (tracked links).
// None needs a login: each link's signature is its proof.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(UnsubscribePath, s.serveUnsubscribe)
	mux.HandleFunc("GET "+OpenPath, s.serveOpen)
	mux.HandleFunc("GET "+ClickPath, s.serveClick)
	return mux
}

// pixel is a transparent 1×1 GIF.
var pixel = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// serveOpen records an open of the pixel's message and answers the pixel.
// Every load is recorded (the stats count messages opened, not loads).
func (s *Service) serveOpen(w http.ResponseWriter, r *http.Request) {
	p, err := s.verify("open", r.URL.Query().Get("t"))
	id, aerr := strconv.Atoi(p)
	if err != nil || aerr != nil {
		s.log.Info("open pixel refused", "reason", "bad signature")
		http.Error(w, "not a valid link", http.StatusBadRequest)
		return
	}
	if err := s.recordEvent(r.Context(), id, messageevent.TypeOPENED, nil); err != nil && !errors.Is(err, errNoMessage) {
		s.log.Error("recording an open", "message", id, "err", err)
	}
	w.Header().Set("Content-Type", "image/gif")
	w.Header().Set("Cache-Control", "no-store, private")
	_, _ = w.Write(pixel)
}

// serveClick records a click and redirects to the link. The target is
// inside the signed token, so the redirect can only go where the message
// linked (never an open redirect), and a changed target is refused.
func (s *Service) serveClick(w http.ResponseWriter, r *http.Request) {
	p, err := s.verify("click", r.URL.Query().Get("t"))
	idPart, target, ok := strings.Cut(p, "|")
	id, aerr := strconv.Atoi(idPart)
	u, uerr := url.Parse(target)
	if err != nil || !ok || aerr != nil || uerr != nil || (u.Scheme != "http" && u.Scheme != "https") {
		s.log.Info("tracked link refused", "reason", "bad signature")
		http.Error(w, "not a valid link", http.StatusBadRequest)
		return
	}
	link := truncate(target, 2048)
	if err := s.recordEvent(r.Context(), id, messageevent.TypeCLICKED, &link); err != nil && !errors.Is(err, errNoMessage) {
		// The customer still gets where they were going.
		s.log.Error("recording a click", "message", id, "err", err)
	}
	w.Header().Set("Cache-Control", "no-store, private")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, target, http.StatusFound)
}

// errNoMessage: the message of a valid link is gone (its customer was
// deleted).
var errNoMessage = errors.New("notify: no such message")

// recordEvent writes an OPENED or CLICKED event of message id.
func (s *Service) recordEvent(ctx context.Context, id int, typ messageevent.Type, link *string) error {
	ctx = auth.WithSystem(ctx)
	err := s.db.MessageEvent.Create().SetMessageID(id).SetType(typ).SetAt(s.now()).
		SetNillableURL(link).Exec(ctx)
	if ent.IsConstraintError(err) {
		return errNoMessage
	}
	return err
}
