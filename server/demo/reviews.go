package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"

	entcustomer "github.com/aftercart/aftercart/ent/customer"
	entproduct "github.com/aftercart/aftercart/ent/product"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/media"
	"github.com/aftercart/aftercart/server/reviews"
)

// photos are the demo reviews' photos: small JPEGs of the demo products,
// drawn by photos/generate.go (so the project owns them and they stay a few
// tens of KB each). They ship inside the binary, like the product images.
//
//go:generate go run ./photos/generate.go -out photos
//go:embed photos/*.jpg
var photos embed.FS

// Uploader stores a photo for the viewer in ctx (server/media's Service).
type Uploader interface {
	Upload(ctx context.Context, file io.ReadSeeker) (*media.UploadResult, error)
}

// reviewPlan is one demo review and the store's reply to it, if any.
type reviewPlan struct {
	email, sku  string
	rating      int
	title, body string
	reply       string
	// photos name files in photos/, uploaded by the author and attached in
	// this order.
	photos []string
}

// demoReviews make the demo products' pages look alive: the demo customer
// reviews what she received (AC-1000), Leo what he received (AC-2001, so
// verified and published at once) and the grinder still on its way to him
// (unverified, so it waits in the moderation queue). The store has
// answered the negative one, as AwaitingReply asks it to. The published
// ones carry a photo each, as customers' reviews often do; the pending one
// has none.
var demoReviews = []reviewPlan{
	{DemoCustomerEmail, "NR-COF-YIRG-250", 5, "Bright and floral", "Blueberry and jasmine on a V60, exactly as described. Reordering.", "", []string{"beans.jpg"}},
	{DemoCustomerEmail, "NR-MUG-ENAMEL-350", 4, "", "Light and tough. The rim gets hot with fresh coffee.", "Thanks, Mina! Let it sit a minute: the enamel cools fast.", []string{"mug.jpg"}},
	{OtherCustomerEmail, "NR-FLT-V60-100", 2, "Tears when wet", "Two of the first ten filters tore while brewing.", "Sorry about that, Leo: we have sent you a fresh pack from a new batch.", []string{"filter.jpg"}},
	{OtherCustomerEmail, "NR-COF-ESP-1000", 5, "", "Chocolatey, forgiving shots. Great value in the kilo bag.", "", []string{"espresso.jpg"}},
	{OtherCustomerEmail, "NR-EQP-GRINDER", 4, "First impressions", "Unboxed at a friend's: solid burrs, quiet motor.", "", nil},
}

// SeedReviews writes the demo reviews through the reviews service, as their
// authors (and replies as staff), so that the publishing rule decides each
// status as it would for anyone; their photos go through up (server/media:
// sniffed, stripped, thumbnailed like any upload) and are attached by the
// review's own write. A nil up seeds the reviews without photos. Like Seed
// it does nothing on a database that already has a review, so restarts
// keep what is there and upload nothing again.
func SeedReviews(ctx context.Context, d *db.DB, rev *reviews.Service, up Uploader) error {
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
		var mediaIDs []int
		for _, name := range p.photos {
			if up == nil {
				break
			}
			id, err := uploadPhoto(author, up, name)
			if err != nil {
				return err
			}
			mediaIDs = append(mediaIDs, id)
		}
		res, err := rev.Write(author, reviews.WriteInput{ProductID: pr.ID, Rating: p.rating, Title: title, Body: p.body, MediaIDs: mediaIDs})
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

// uploadPhoto uploads photos/name as the viewer in ctx and returns the
// media's id.
func uploadPhoto(ctx context.Context, up Uploader, name string) (int, error) {
	b, err := photos.ReadFile("photos/" + name)
	if err != nil {
		return 0, fmt.Errorf("demo: photo %s: %w", name, err)
	}
	res, err := up.Upload(ctx, bytes.NewReader(b))
	if err != nil {
		return 0, fmt.Errorf("demo: uploading photo %s: %w", name, err)
	}
	return res.Media.ID, nil
}
