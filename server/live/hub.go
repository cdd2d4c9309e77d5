package live

import (
	"context"
	"sync"
	"time"

	"github.com/aftercart/aftercart/server/auth"
)

// hub reads one order's change log on every wake-up and fans the new rows
// out to the order's subscribers on this instance.
type hub struct {
	feed    *Feed
	orderID int
	wakeC   chan struct{}
	done    chan struct{}

	mu     sync.Mutex
	lastID int
	subs   map[*subscriber]struct{}
}

// subscriber is one subscription's inbox. When the inbox is full the hub
// marks the subscriber lagging and stops handing it batches: the subscriber
// drains what it has, catches up from the change log by cursor, and rejoins
// (see Feed.stream). Memory per subscriber stays bounded and nothing is lost.
type subscriber struct {
	in      chan []*Update
	lagging bool // guarded by hub.mu
}

// wake asks the hub to read; wake-ups coalesce, so a burst of notifications
// costs one read.
func (h *hub) wake() {
	select {
	case h.wakeC <- struct{}{}:
	default:
	}
}

// join adds a subscriber to the order's hub, starting the hub if needed, and
// returns the last change id the hub has seen: everything after it will
// reach the subscriber's inbox.
func (f *Feed) join(ctx context.Context, orderID int) (*hub, *subscriber, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.hubs[orderID]
	if h == nil {
		// Read the starting point under f.mu: a notification for a change
		// committed after this read finds the hub registered and wakes it.
		last, err := f.latest(auth.WithSystem(ctx), orderID)
		if err != nil {
			return nil, nil, 0, err
		}
		h = &hub{feed: f, orderID: orderID, wakeC: make(chan struct{}, 1), done: make(chan struct{}), lastID: last, subs: map[*subscriber]struct{}{}}
		f.hubs[orderID] = h
		go h.run()
	}
	sub := &subscriber{in: make(chan []*Update, f.buffer)}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	last := h.lastID
	h.mu.Unlock()
	return h, sub, last, nil
}

// leave removes a subscriber and stops the hub when it was the last.
func (f *Feed) leave(h *hub, sub *subscriber) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h.mu.Lock()
	delete(h.subs, sub)
	empty := len(h.subs) == 0
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
			if err != nil {
				h.feed.log.Warn("live: reading changes failed; retrying", "order", h.orderID, "err", err)
				time.AfterFunc(retryAfter, h.wake)
				break
			}
			if len(page) == 0 {
				break
			}
			h.fanOut(page)
			if len(page) < pageSize {
				break
			}
		}
	}
}

// fanOut hands a batch to every subscriber without ever waiting: one whose
// inbox is full is marked lagging instead (it catches up from the database
// on its own goroutine), so one slow reader never delays the others.
func (h *hub) fanOut(page []*Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID = page[len(page)-1].id
	for sub := range h.subs {
		if sub.lagging {
			continue
		}
		select {
		case sub.in <- page:
		default:
			sub.lagging = true
		}
	}
}

// rejoin clears sub's lagging mark if it has caught up with everything the
// hub has fanned out (cursor >= lastID): from then on the inbox carries every
// later change. Otherwise the subscriber must read the log again.
func (h *hub) rejoin(sub *subscriber, cursor int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cursor < h.lastID {
		return false
	}
	sub.lagging = false
	return true
}

// isLagging reports whether the hub stopped handing sub batches.
func (h *hub) isLagging(sub *subscriber) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return sub.lagging
}
