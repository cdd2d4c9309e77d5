package live

import (
	"context"
	"runtime"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// hub reads one order's change log on every wake-up and pushes the new rows
// to the order's subscribers on this instance: rendered once per group of
// subscribers with the same Target.Key, written to each.
type hub struct {
	feed    *Feed
	orderID int
	wakeC   chan struct{}
	done    chan struct{}

	mu     sync.Mutex
	lastID int // the newest change pushed to active members
	groups map[string]*group
	size   int
}

// group is the members of a hub with the same Target.Key: they render every
// update identically, so the group renders each once, through the renderer
// of its first member (kept even after that member leaves).
type group struct {
	members  map[*member]struct{}
	renderer *renderer
}

// renderer renders updates through one subscription's GraphQL operation:
// its resolver's channel and the transport's render function. Used by the
// hub and by catching-up members at once, hence the mutex.
type renderer struct {
	mu     sync.Mutex
	ch     chan *Update
	render func() ([]byte, error)
}

// renderUpdate renders u.
func (r *renderer) renderUpdate(u *Update) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.ch: // left over from a render that failed
	default:
	}
	r.ch <- u
	return r.render()
}

// member is one subscription of the hub.
//
// An active member gets every change the hub pushes. A member that is
// catching up (it resumed from a cursor, or its connection fell behind)
// reads the log itself on its own goroutine, paced by its connection, and
// becomes active again once it has caught up with the hub. Memory per
// subscriber stays bounded, nothing is skipped, and a slow reader never
// delays the others.
type member struct {
	t      Target
	key    string
	group  *group // set on joining, under hub.mu
	expiry clockwork.Timer
	// mayView: staff, or the order's own customer (checked again on every
	// push, with the token's expiry; kept as a flag because a push to
	// 10,000 subscribers checks it 10,000 times).
	mayView   bool
	expiresAt time.Time

	// Guarded by hub.mu while active; owned by the catch-up goroutine
	// otherwise.
	active bool
	cursor int
}

// allowed re-checks, before every push, that the viewer may still see the
// order: staff, or its own customer, with a token that has not expired.
func (m *member) allowed(now time.Time) bool {
	return m.mayView && !expired(m.expiresAt, now)
}

// wake asks the hub to read; wake-ups coalesce, so a burst of notifications
// costs one read.
func (h *hub) wake() {
	select {
	case h.wakeC <- struct{}{}:
	default:
	}
}

// join adds m to the order's hub, starting the hub if needed, and to the
// group of its Key, which r starts if m is the first. With cursor < 0, m is
// active from the hub's position on; otherwise it starts catching up from
// cursor (the caller starts catchUp).
func (f *Feed) join(m *member, r *renderer, orderID, cursor int) (*hub, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hubs[orderID]
	if h == nil {
		// Read the starting point under f.mu: a notification for a change
		// committed after this read finds the hub registered and wakes it.
		last, err := f.latest(auth.WithSystem(context.Background()), orderID)
		if err != nil {
			return nil, err
		}
		h = &hub{feed: f, orderID: orderID, wakeC: make(chan struct{}, 1), done: make(chan struct{}), lastID: last, groups: map[string]*group{}}
		f.hubs[orderID] = h
		go h.run()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if cursor < 0 {
		m.cursor, m.active = h.lastID, true
	} else {
		m.cursor = cursor
	}
	g := h.groups[m.key]
	if g == nil {
		g = &group{members: map[*member]struct{}{}, renderer: r}
		h.groups[m.key] = g
	}
	g.members[m] = struct{}{}
	m.group = g
	h.size++
	return h, nil
}

// leave removes a member and stops the hub when it was the last.
func (f *Feed) leave(h *hub, m *member) {
	if m.expiry != nil {
		m.expiry.Stop()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	h.mu.Lock()
	if g := h.groups[m.key]; g != nil {
		if _, ok := g.members[m]; ok {
			delete(g.members, m)
			h.size--
		}
		if len(g.members) == 0 {
			delete(h.groups, m.key)
		}
	}
	m.active = false
	empty := h.size == 0
	h.mu.Unlock()
	if empty && f.hubs[h.orderID] == h {
		delete(f.hubs, h.orderID)
		close(h.done)
	}
}

func (h *hub) run() {
	ctx := auth.WithSystem(context.Background())
	for {
		select {
		case <-h.done:
			return
		case <-h.wakeC:
		}
		for {
			h.mu.Lock()
			after := h.lastID
			h.mu.Unlock()
			page, err := h.feed.read(ctx, h.orderID, after)
			h.feed.obs.ChangesRead(false, len(page), err)
			if err != nil {
				h.feed.log.Warn("live: reading changes failed; retrying", "order", h.orderID, "err", err)
				time.AfterFunc(retryAfter, h.wake)
				break
			}
			if len(page) == 0 {
				break
			}
			h.push(page)
			if len(page) < pageSize {
				break
			}
		}
	}
}

// push delivers a page of changes to the active members. Each change is
// rendered once per group and the same bytes go to every member of the
// group; the writes never block (see Target.Send), and they are spread over
// the CPUs when there are many.
func (h *hub) push(page []*Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID = page[len(page)-1].id
	var to []*member
	for _, u := range page {
		now := h.feed.clock.Now()
		for _, g := range h.groups {
			to = to[:0]
			for m := range g.members {
				if m.active && m.cursor < u.id {
					to = append(to, m)
				}
			}
			if len(to) == 0 {
				continue
			}
			payload, err := g.renderer.renderUpdate(u)
			if err != nil {
				h.feed.log.Error("live: rendering an update failed", "order", h.orderID, "err", err)
				continue
			}
			h.sendAll(to, u, payload, now)
		}
	}
}

// parallelAbove is the group size from which writes are spread over the CPUs.
const parallelAbove = 512

func (h *hub) sendAll(to []*member, u *Update, payload []byte, now time.Time) {
	n := runtime.GOMAXPROCS(0)
	if len(to) < parallelAbove || n == 1 {
		h.sendEach(to, u, payload, now)
		return
	}
	var wg sync.WaitGroup
	chunk := (len(to) + n - 1) / n
	for i := 0; i < len(to); i += chunk {
		part := to[i:min(i+chunk, len(to))]
		wg.Go(func() { h.sendEach(part, u, payload, now) })
	}
	wg.Wait()
}

// sendEach writes payload to each member. Called with h.mu held (by the
// goroutine waiting for it), so the members' state is the hub's to change.
func (h *hub) sendEach(to []*member, u *Update, payload []byte, now time.Time) {
	sent := 0
	for _, m := range to {
		if !m.allowed(now) {
			continue // the expiry timer ends it
		}
		if m.t.Backlogged() {
			// Stop pushing; once its connection drains it reads what
			// it missed from the log.
			m.active = false
			m.t.OnDrained(func() { h.catchUp(m) })
			continue
		}
		if m.t.Send(payload) {
			m.cursor = u.id
			sent++
		}
	}
	h.feed.obs.UpdatesSent(sent)
}

// catchUp sends m what it has missed, from the log, until it has caught up
// with the hub; then m is active again. It stops early when m's connection
// is backlogged (and resumes once it drains) or m ends. A read that fails
// (the database restarting) is retried: the subscriber must not lose its
// place.
func (h *hub) catchUp(m *member) {
	ctx := m.t.Context()
	sys := auth.WithSystem(context.Background())
	for ctx.Err() == nil {
		page, err := h.feed.read(sys, h.orderID, m.cursor)
		h.feed.obs.ChangesRead(true, len(page), err)
		if err != nil {
			h.feed.log.Warn("live: catching up failed; retrying", "order", h.orderID, "err", err)
			select {
			case <-time.After(retryAfter):
				continue
			case <-ctx.Done():
				return
			}
		}
		for _, u := range page {
			if !m.allowed(h.feed.clock.Now()) {
				return // the expiry timer ends it
			}
			payload, err := m.group.renderer.renderUpdate(u)
			if err != nil {
				h.feed.log.Error("live: rendering an update failed", "order", h.orderID, "err", err)
				m.t.End(errs.Errorf(errs.Internal, "rendering an update failed"))
				return
			}
			if !m.t.Send(payload) {
				return
			}
			h.feed.obs.UpdatesSent(1)
			m.cursor = u.id
			if m.t.Backlogged() {
				m.t.OnDrained(func() { h.catchUp(m) })
				return
			}
		}
		if len(page) < pageSize {
			h.mu.Lock()
			caughtUp := m.cursor >= h.lastID
			if caughtUp && ctx.Err() == nil {
				m.active = true
			}
			h.mu.Unlock()
			if caughtUp {
				return
			}
		}
	}
}
