package testserver

import (
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/auth"
)

// ModerateMutation is the moderation contract's Moderate operation, verbatim.
const ModerateMutation = `mutation Moderate($input: ModerateInput!) {
  moderate(input: $input) { item { id status } }
}`

// Shop is a store with customers who bought products, for the tests of
// customer content (reviews, community): Mina (Okafor) and Ana (Lind)
// received product 0 (verified buyers), Leo (Brandt) ordered product 1 but
// has not received it. Each customer's order has two lines, products 0 and
// 1; only the first is shipped.
type Shop struct {
	// Products are the product ids of the order lines, in order.
	Products []string
	// Mina, Leo and Ana are the customers' tokens; Admin is a staff token.
	Mina, Leo, Ana, Admin string
}

// Shop imports and ships the orders described at Shop and returns its tokens
// and products.
func (s *Server) Shop(t testing.TB) Shop {
	t.Helper()
	buy := func(email, last, number string, deliver bool) {
		vars := ImportOrderVars(OrderSpec{Email: email, Number: number, Items: 2})
		vars["input"].(map[string]any)["customer"].(map[string]any)["lastName"] = last
		var out struct {
			ImportOrder struct{ Order ImportedOrder }
		}
		s.GQL(t, s.Integration(t), ImportOrderMutation, vars).MustOK(t, &out)
		o := out.ImportOrder.Order
		tn := "RV" + number
		s.MustShip(t, o.ID, "DHL", tn, map[string]any{"orderItemId": o.Items[0].ID, "quantity": 1})
		if deliver {
			s.MustTrack(t, "DHL", tn, Event(number+"-d", "DELIVERED", s.Now().Add(-time.Hour)))
		}
	}
	buy("mina@example.com", "Okafor", "RV1", true)
	buy("ana@example.com", "Lind", "RV2", true)
	buy("leo@example.com", "Brandt", "RV3", false)
	var out struct {
		Order struct {
			Items []struct{ Product struct{ ID string } }
		}
	}
	s.GQL(t, s.Integration(t), `{ order(number: "RV1") { items { product { id } } } }`, nil).MustOK(t, &out)
	sh := Shop{
		Mina: s.Token(t, auth.RoleCustomer, "mina@example.com"), Leo: s.Token(t, auth.RoleCustomer, "leo@example.com"),
		Ana: s.Token(t, auth.RoleCustomer, "ana@example.com"), Admin: s.Token(t, auth.RoleAdmin, ""),
	}
	for _, it := range out.Order.Items {
		sh.Products = append(sh.Products, it.Product.ID)
	}
	return sh
}

// UploadPhoto uploads a phone photo (PhoneJPEG) as token's customer and
// returns the media id.
func (s *Server) UploadPhoto(t testing.TB, token string) string {
	t.Helper()
	var out Uploaded
	s.Upload(t, token, UploadPart{Filename: "photo.jpg", ContentType: "image/jpeg", Data: PhoneJPEG(t)}).MustOK(t, &out)
	return out.UploadMedia.Media.ID
}
