package demo

import (
	"context"
	"fmt"

	entcustomer "github.com/aftercart/aftercart/ent/customer"
	entproduct "github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/reviews"
)

// reviewPlan is one demo review and the store's reply to it, if any.
type reviewPlan struct {
	email, sku  string
	rating      int
	title, body string
	reply       string
}

// demoReviews make the demo products' pages look alive: the demo customer
// reviews what she received (AC-1000), Leo what he received (AC-2001, so
// verified and published at once) and the grinder still on its way to him
// (unverified, so it waits in the moderation queue). The store has
// answered the negative one, as AwaitingReply asks it to.
var demoReviews = []reviewPlan{
	{DemoCustomerEmail, "NR-COF-YIRG-250", 5, "Bright and floral", "Blueberry and jasmine on a V60, exactly as described. Reordering.", ""},
	{DemoCustomerEmail, "NR-MUG-ENAMEL-350", 4, "", "Light and tough. The rim gets hot with fresh coffee.", "Thanks, Mina! Let it sit a minute: the enamel cools fast."},
	{OtherCustomerEmail, "NR-FLT-V60-100", 2, "Tears when wet", "Two of the first ten filters tore while brewing.", "Sorry about that, Leo: we have sent you a fresh pack from a new batch."},
	{OtherCustomerEmail, "NR-COF-ESP-1000", 5, "", "Chocolatey, forgiving shots. Great value in the kilo bag.", ""},
	{OtherCustomerEmail, "NR-EQP-GRINDER", 4, "First impressions", "Unboxed at a friend's: solid burrs, quiet motor.", ""},
}

// SeedReviews writes the demo reviews through the reviews service, as their
// authors (and replies as staff), so that the publishing rule decides each
// status as it would for anyone. Like Seed it does nothing on a database
// that already has a review, so restarts keep what is there.
func SeedReviews(ctx context.Context, d *db.DB, rev *reviews.Service) error {
	sys := auth.WithSystem(ctx)
	if any, err := d.Review.Query().Exist(sys); err != nil || any {
		return err
	}
	staff := auth.NewContext(ctx, &auth.Viewer{Role: auth.RoleAdmin, Subject: "demo-seed"})
	for _, p := range demoReviews {
		cu, err := d.Customer.Query().Where(entcustomer.Email(p.email)).Only(sys)
		if err != nil {
			return fmt.Errorf("demo: review author %s: %w", p.email, err)
		}
		pr, err := d.Product.Query().Where(entproduct.Sku(p.sku)).Only(sys)
		if err != nil {
			return fmt.Errorf("demo: reviewed product %s: %w", p.sku, err)
		}
		author := auth.NewContext(ctx, &auth.Viewer{Role: auth.RoleCustomer, Email: p.email, Subject: p.email, CustomerID: cu.ID})
		var title *string
		if p.title != "" {
			title = &p.title
		}
		res, err := rev.Write(author, reviews.WriteInput{ProductID: pr.ID, Rating: p.rating, Title: title, Body: p.body})
		if err != nil {
			return fmt.Errorf("demo: review of %s by %s: %w", p.sku, p.email, err)
		}
		if p.reply != "" {
			if _, err := rev.Reply(staff, reviews.ReplyInput{ReviewID: res.Review.ID, Body: p.reply}); err != nil {
				return fmt.Errorf("demo: reply to the review of %s: %w", p.sku, err)
			}
		}
	}
	return nil
}
