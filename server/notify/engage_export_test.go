package notify

import (
	"context"
	"errors"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
)

// TestMarketingVars are the variables of the marketing kind the tests of
// consent, caps, quiet hours and engagement send: CONTENT, registered
// here while no journey sends it (the after-purchase content journey is
// not built yet). When it is, these tests move to its kind.
type TestMarketingVars struct {
	Marketing
	// FirstName is the customer's.
	FirstName string
	// Link is a link of the message, with a query string to escape.
	Link string
}

// TestMarketingKind is the kind the tests send as marketing.
const TestMarketingKind = message.KindCONTENT

func init() {
	if _, taken := kinds[TestMarketingKind]; taken {
		return
	}
	registerKind(TestMarketingKind, kindSpec{
		sample: TestMarketingVars{Marketing: marketingSample, FirstName: "Mina", Link: "https://shop.example.com/care?a=1&b=2"},
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			if m.CustomerID == nil {
				return nil, errors.New("no customer")
			}
			cu, err := c.Customer.Get(ctx, *m.CustomerID)
			if err != nil {
				return nil, err
			}
			return TestMarketingVars{FirstName: cu.FirstName, Link: "https://shop.example.com/care?a=1&b=2"}, nil
		}})
}
