package notify

import (
	"context"
	"errors"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
)

// TestMarketingKind is the marketing kind the tests of consent, caps,
// quiet hours and engagement send: CONTENT, the after-purchase content
// journey's real kind (journey_content.go).
const TestMarketingKind = message.KindCONTENT

// testLink is the Link of TestMarketingVars: a query string to escape.
const testLink = "https://shop.example.com/care?a=1&b=2"

// TestMarketingVars are CONTENT's variables plus a Link. The rules' tests
// queue CONTENT messages to a customer without an order (consent, caps
// and quiet hours are about customers) and save a template that shows the
// Link; messages with an order render the journey's own variables.
type TestMarketingVars struct {
	Content
	// Link is a link of the message, with a query string to escape.
	Link string
}

// init wraps CONTENT's real spec (registered by journey_content.go's init,
// which runs first: a package's test files are initialized after its
// other files): messages with an order go to the journey's vars and
// check unchanged; the rules' order-less test messages get
// TestMarketingVars and no check.
func init() {
	real, ok := kinds[TestMarketingKind]
	if !ok || real.check == nil {
		panic("notify: engage_export_test.go runs before journey_content.go registered CONTENT")
	}
	kinds[TestMarketingKind] = kindSpec{
		sample: TestMarketingVars{Content: contentSample, Link: testLink},
		vars: func(ctx context.Context, s *Service, c *ent.Client, m *ent.Message) (any, error) {
			if m.OrderID != nil {
				return real.vars(ctx, s, c, m)
			}
			if m.CustomerID == nil {
				return nil, errors.New("no customer")
			}
			cu, err := c.Customer.Get(ctx, *m.CustomerID)
			if err != nil {
				return nil, err
			}
			return TestMarketingVars{Content: Content{FirstName: cu.FirstName}, Link: testLink}, nil
		},
		check: func(ctx context.Context, s *Service, tx *ent.Tx, m *ent.Message) (string, error) {
			if m.OrderID == nil {
				return "", nil
			}
			return real.check(ctx, s, tx, m)
		}}
}
