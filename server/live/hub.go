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

// hub reads one topic's change log on every wake-up and pushes the new
// changes to the topic's subscribers on this instance: rendered once per
// group of subscribers with the same Target.Key, written to each.
type hub[K Key, T any] struct {
	feed  *Feed[K, T]
	key   K
	topic string
	wakeC chan struct{}
	done  chan struct{}
	// ready is closed once the starting position is read (err says if
	// that failed); joiners wait for it.
	ready chan struct{}
	err   error

	mu     sync.Mutex
	lastID int // the newest change pushed to active members
	groups map[string]*group[T]
	size   int
}

// group is the members of a hub with the same Target.Key: they render every
// update identically, so the group renders each once, through the renderer
// of its first member (kept even after that member leaves).
type group[T any] struct {
	members  map[*member[T]]struct{}
	renderer *renderer[T]
}

// renderer renders changes through one subscription's GraphQL operation:
// its resolver's channel and the transport's render function, with the
// Filter its viewer was authorized with. Used by the hub and by
// catching-up members at once, hence the mutex.
type renderer[T any] struct {
	mu     sync.Mutex
	ch     chan T
	render func() ([]byte, error)
	filter Filter[T]
}

// visible reports whether the group's viewer may see v.
func (r *renderer[T]) visible(v T) bool { return r.filter == nil || r.filter(v) }

// renderValue renders v.
func (r *renderer[T]) renderValue(v T) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	select {
	case <-r.ch: // left over from a render that failed
	default:
	}
	r.ch <- v
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
type member[T any] struct {
	t      Target
	key    string
	group  *group[T] // set on joining, under hub.mu
	expiry clockwork.Timer
	// expiresAt is the token's expiry, checked again on every push (the
	// timer ends the stream; the check keeps a push racing with it out).
	expiresAt time.Time

	// Guarded by hub.mu while active; owned by the catch-up goroutine
	// otherwise.
	active bool
	cursor int
}

// allowed re-checks, before every push, that the viewer's token has not
// expired.
func (m *member[T]) allowed(now time.Time) bool { return !expired(m.expiresAt, now) }

// wake asks the hub to read; wake-ups coalesce, so a burst of notifications
// costs one read.
func (h *hub[K, T]) wake() {
	select {
	case h.wakeC <- struct{}{}:
	default:
	}
}

// join adds m to key's hub, starting the hub if needed, and to the group of
// its Key, which r starts if m is the first. With cursor < 0, m is active
// from the hub's position on; otherwise it starts catching up from cursor
// (the caller starts catchUp).
//
// The engine's lock is not held while a new hub reads its starting
// position: the hub is registered first, so a notification for a change
// committed after that read finds it and wakes it, and joiners of other
// topics, of every feed, do not wait for this topic's database read.
func (f *Feed[K, T]) join(m *member[T], r *renderer[T], key K, cursor int) (*hub[K, T], error) {
	e, topic := f.engine, f.Topic(key)
	for {
		e.mu.Lock()
		h, _ := e.hubs[topic].(*hub[K, T])
		if h == nil {
			h = &hub[K, T]{feed: f, key: key, topic: topic, wakeC: make(chan struct{}, 1), done: make(chan struct{}),
				ready: make(chan struct{}), groups: map[string]*group[T]{}}
			e.hubs[topic] = h
			e.mu.Unlock()
			h.init()
		} else {
			e.mu.Unlock()
		}
		<-h.ready
		if h.err != nil {
			return nil, h.err
		}
		e.mu.Lock()
		if e.hubs[topic] != h {
			// Its last member left between its start and now, which
			// stopped it: start another.
			e.mu.Unlock()
			continue
		}
		h.mu.Lock()
		if cursor < 0 {
			m.cursor, m.active = h.lastID, true
		} else {
			m.cursor = cursor
		}
		g := h.groups[m.key]
		if g == nil {
			g = &group[T]{members: map[*member[T]]struct{}{}, renderer: r}
			h.groups[m.key] = g
		}
		g.members[m] = struct{}{}
		m.group = g
		h.size++
		h.mu.Unlock()
		e.addMembers(1)
		e.mu.Unlock()
		return h, nil
	}
}

// init reads the hub's starting position, then runs it; on failure it
// unregisters the hub, and its joiners fail.
func (h *hub[K, T]) init() {
	defer close(h.ready)
	last, err := h.feed.source.Latest(auth.WithSystem(context.Background()), h.key)
	if err != nil {
		h.err = err
		e := h.feed.engine
		e.mu.Lock()
		if e.hubs[h.topic] == h {
			delete(e.hubs, h.topic)
		}
		e.mu.Unlock()
		return
	}
	h.lastID = last
	go h.run()
}

// leave removes a member and stops the hub when it was the last.
func (h *hub[K, T]) leave(m *member[T]) {
	if m.expiry != nil {
		m.expiry.Stop()
	}
	e := h.feed.engine
	e.mu.Lock()
	defer e.mu.Unlock()
	h.mu.Lock()
	if g := h.groups[m.key]; g != nil {
		if _, ok := g.members[m]; ok {
			delete(g.members, m)
			h.size--
			e.addMembers(-1)
		}
		if len(g.members) == 0 {
			delete(h.groups, m.key)
		}
	}
	m.active = false
	empty := h.size == 0
	h.mu.Unlock()
	if empty && e.hubs[h.topic] == h {
		delete(e.hubs, h.topic)
		close(h.done)
	}
}

// read reads a page of the change log after position after.
func (h *hub[K, T]) read(ctx context.Context, catchUp bool, after int) ([]Change[T], error) {
	page, err := h.feed.source.Read(ctx, h.key, after, h.feed.pageSize)
	h.feed.engine.obs.ChangesRead(catchUp, len(page), err)
	return page, err
}

func (h *hub[K, T]) run() {
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
			page, err := h.read(ctx, false, after)
			if err != nil {
				h.feed.engine.log.Warn("live: reading changes failed; retrying", "topic", h.topic, "err", err)
				time.AfterFunc(retryAfter, h.wake)
				break
			}
			if len(page) == 0 {
				break
			}
			h.push(page)
			if len(page) < h.feed.pageSize {
				break
			}
		}
	}
}

// push delivers a page of changes to the active members. Each change is
// rendered once per group whose viewer may see it, and the same bytes go
// to every member of the group; the writes never block (see Target.Send),
// and they are spread over the CPUs when there are many.
func (h *hub[K, T]) push(page []Change[T]) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID = page[len(page)-1].Position
	var to []*member[T]
	for _, c := range page {
		now := h.feed.engine.clock.Now()
		for _, g := range h.groups {
			if !g.renderer.visible(c.Value) {
				// Not for this viewer; a member's cursor stays behind
				// it, which costs a catching-up member one more row.
				continue
			}
			to = to[:0]
			for m := range g.members {
				if m.active && m.cursor < c.Position {
					to = append(to, m)
				}
			}
			if len(to) == 0 {
				continue
			}
			payload, err := g.renderer.renderValue(c.Value)
			if err != nil {
				h.feed.engine.log.Error("live: rendering an update failed", "topic", h.topic, "err", err)
				continue
			}
			h.sendAll(to, c.Position, payload, now)
		}
	}
}

// parallelAbove is the group size from which writes are spread over the CPUs.
const parallelAbove = 512

func (h *hub[K, T]) sendAll(to []*member[T], position int, payload []byte, now time.Time) {
	n := runtime.GOMAXPROCS(0)
	if len(to) < parallelAbove || n == 1 {
		h.sendEach(to, position, payload, now)
		return
	}
	var wg sync.WaitGroup
	chunk := (len(to) + n - 1) / n
	for i := 0; i < len(to); i += chunk {
		part := to[i:min(i+chunk, len(to))]
		wg.Go(func() { h.sendEach(part, position, payload, now) })
	}
	wg.Wait()
}

// sendEach writes payload to each member. Called with h.mu held (by the
// goroutine waiting for it), so the members' state is the hub's to change.
func (h *hub[K, T]) sendEach(to []*member[T], position int, payload []byte, now time.Time) {
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
			m.cursor = position
			sent++
		}
	}
	h.feed.engine.obs.UpdatesSent(sent)
}

// catchUp sends m what it has missed, from the log, until it has caught up
// with the hub; then m is active again. It stops early when m's connection
// is backlogged (and resumes once it drains) or m ends. A read that fails
// (the database restarting) is retried: the subscriber must not lose its
// place.
func (h *hub[K, T]) catchUp(m *member[T]) {
	ctx := m.t.Context()
	sys := auth.WithSystem(context.Background())
	r := m.group.renderer
	for ctx.Err() == nil {
		page, err := h.read(sys, true, m.cursor)
		if err != nil {
			h.feed.engine.log.Warn("live: catching up failed; retrying", "topic", h.topic, "err", err)
			select {
			case <-time.After(retryAfter):
				continue
			case <-ctx.Done():
				return
			}
		}
		for _, c := range page {
			if !m.allowed(h.feed.engine.clock.Now()) {
				return // the expiry timer ends it
			}
			if !r.visible(c.Value) {
				m.cursor = c.Position
				continue
			}
			payload, err := r.renderValue(c.Value)
			if err != nil {
				h.feed.engine.log.Error("live: rendering an update failed", "topic", h.topic, "err", err)
				m.t.End(errs.Errorf(errs.Internal, "rendering an update failed"))
				return
			}
			if !m.t.Send(payload) {
				return
			}
			h.feed.engine.obs.UpdatesSent(1)
			m.cursor = c.Position
			if m.t.Backlogged() {
				m.t.OnDrained(func() { h.catchUp(m) })
				return
			}
		}
		if len(page) < h.feed.pageSize {
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
