package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/ent/shipment"
	"github.com/aftercart/aftercart/server/auth"
)

// Why a delay notice was sent (DelayNotice.Reason).
const (
	// DelayException: the carrier reported an exception.
	DelayException = "exception"
	// DelayLate: the carrier's estimate slipped past the threshold.
	DelayLate = "late"
	// DelayStalled: no checkpoint for the stall threshold while in transit.
	DelayStalled = "stalled"
)

// DelayNotice is what a DELAY_NOTICE template can use: the parcel, why it
// is late, and the new date. The shipment's fields are promoted
// ({{.Carrier}}, {{.TrackingURL}}).
type DelayNotice struct {
	ShippingUpdate
	// Reason is DelayException, DelayLate or DelayStalled.
	Reason string
	// Detail is the carrier's word on it (its sub-status, e.g. "Customs
	// hold"); empty when it gave none.
	Detail string
	// NewDate is the new expected delivery date, e.g. "9 March 2026";
	// empty when the carrier gave none (or only one already past).
	NewDate string
	// OriginalDate is the first estimate; empty when there was none.
	OriginalDate string
	// LastCheckpoint is the date of the carrier's last scan; empty when
	// there was none.
	LastCheckpoint string
}

// delaySample is DELAY_NOTICE's sample.
var delaySample = DelayNotice{ShippingUpdate: shippingSample, Reason: DelayLate, Detail: "Customs hold",
	NewDate: "9 March 2026", OriginalDate: "6 March 2026", LastCheckpoint: "4 March 2026"}

func init() {
	registerKind(message.KindDELAY_NOTICE, kindSpec{sample: delaySample,
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			return s.delayNotice(ctx, c, m)
		},
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			sh, err := s.messageShipment(ctx, tx.Client(), m)
			if err != nil || sh.Status != types.TrackingDelivered {
				return "", err
			}
			return "the parcel was delivered before the delay notice went out", nil
		}})
}

// delayNotice reads m's variables through c (as the system). The reason
// and, for a slip, the new date come from the dedupe key (which names the
// cause: "shipment:<id>:delay:eta:<date>:EMAIL"); the date is the one the
// notice was queued for, even if the carrier moved it again since (that
// is its own notice).
func (s *Service) delayNotice(ctx context.Context, c *ent.Client, m *ent.Message) (DelayNotice, error) {
	up, sh, err := s.shippingUpdate(ctx, c, m)
	if err != nil {
		return DelayNotice{}, err
	}
	v := DelayNotice{ShippingUpdate: up}
	if sh.SubStatus != nil {
		v.Detail = *sh.SubStatus
	}
	cu := sh.Edges.Order.Edges.Customer // shippingUpdate loads them
	if sh.FirstEstimatedDeliveryAt != nil {
		v.OriginalDate = s.dateFor(cu, *sh.FirstEstimatedDeliveryAt)
	}
	if sh.LastEventAt != nil {
		v.LastCheckpoint = s.dateFor(cu, *sh.LastEventAt)
	}
	// An estimate already past tells the customer nothing new.
	eta := sh.LatestEstimatedDeliveryAt
	if eta != nil && eta.After(s.now()) {
		v.NewDate = s.dateFor(cu, *eta)
	}
	_, cause, _ := strings.Cut(m.DedupeKey, ":delay:")
	switch {
	case strings.HasPrefix(cause, "eta:"):
		v.Reason = DelayLate
		day, _, _ := strings.Cut(strings.TrimPrefix(cause, "eta:"), ":")
		d, err := time.Parse(keyDate, day)
		if err != nil {
			return DelayNotice{}, fmt.Errorf("notify: delay notice %q: %w", m.DedupeKey, err)
		}
		// The key keeps the estimate's UTC day only. While the shipment's
		// estimate is still that one, its time gives the customer's day;
		// once the carrier moved it again (that is a notice of its own),
		// the key's day is all there is.
		v.NewDate = d.Format(dateLayout)
		if eta != nil && eta.UTC().Format(keyDate) == day {
			v.NewDate = s.dateFor(cu, *eta)
		}
	case strings.HasPrefix(cause, "stalled:"):
		v.Reason = DelayStalled
	default:
		v.Reason = DelayException
	}
	return v, nil
}

// stallLookback bounds the stall sweep: a parcel silent for a week past
// the threshold got its notice long ago (the sweep runs every minute),
// and scanning every parcel ever lost would grow each sweep forever.
const stallLookback = 7 * 24 * time.Hour

// stallBatch bounds one transaction of the stall sweep.
const stallBatch = 200

// stallStatuses are the statuses in which a parcel is expected to be
// scanned again soon. A parcel at a pickup point waits for the customer,
// one in exception got its notice already, and one not yet handed over
// (PENDING, INFO_RECEIVED) is the store's delay, not the carrier's.
var stallStatuses = []types.TrackingStatus{types.TrackingInTransit, types.TrackingOutForDelivery}

// sweepStalled queues a delay notice for every parcel in transit whose
// last checkpoint is older than the stall threshold (a jobs.Sweeper, on
// the server's clock). The key names the checkpoint it stalled after, so
// every sweep until the next scan finds the key taken, and a parcel that
// moves and then stalls again gets a new notice.
func (s *Service) sweepStalled(ctx context.Context, now time.Time) error {
	ctx = auth.WithSystem(ctx)
	set, err := s.journeySettings(ctx, s.db.Client, JourneyShipping)
	if err != nil {
		return err
	}
	cutoff := now.Add(-time.Duration(*set.StallHours) * time.Hour)
	afterID := 0
	for {
		n := 0
		err := s.db.WithTx(ctx, func(ctx context.Context, tx *ent.Tx) error {
			stalled, err := tx.Shipment.Query().
				Where(shipment.StatusIn(stallStatuses...), shipment.LastEventAtLTE(cutoff),
					shipment.LastEventAtGT(cutoff.Add(-stallLookback)), shipment.IDGT(afterID)).
				Order(ent.Asc(shipment.FieldID)).Limit(stallBatch).
				WithOrder(func(q *ent.OrderQuery) { q.WithCustomer() }).All(ctx)
			if err != nil {
				return err
			}
			for _, sh := range stalled {
				n++
				afterID = sh.ID
				o := sh.Edges.Order
				cu := o.Edges.Customer
				msg := Msg{Kind: message.KindDELAY_NOTICE, Channel: message.ChannelEMAIL,
					DedupeKey: "shipment:" + strconv.Itoa(sh.ID) + ":delay:stalled:" + strconv.FormatInt(sh.LastEventAt.Unix(), 10) + ":EMAIL",
					Recipient: cu.Email, CustomerID: &cu.ID, OrderID: &o.ID, Journey: JourneyShipping}
				if o.CanceledAt != nil {
					msg.Skip = "the order was canceled"
				}
				if err := s.queueJourney(ctx, tx, set, msg); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n < stallBatch {
			return err
		}
	}
}
