package community

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	entcustomer "github.com/aftercart/aftercart/ent/customer"
	"github.com/aftercart/aftercart/ent/schema/types"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// TrustInput sets a customer's trust by hand (GraphQL
// SetCommunityTrustInput).
type TrustInput struct {
	CustomerID int                  `json:"customerId"`
	Trust      types.CommunityTrust `json:"trust"`
}

// TrustResult is the customer's trust as set (GraphQL
// SetCommunityTrustPayload).
type TrustResult struct {
	CustomerID int
	Trust      types.CommunityTrust
}

// SetTrust overrides the trust rule for one customer (TRUSTED,
// RESTRICTED), or hands them back to it (AUTO). Staff only; an unknown
// customer is NOT_FOUND. It applies to posts written from then on.
func (s *Service) SetTrust(ctx context.Context, in TrustInput) (*TrustResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if !in.Trust.Valid() {
		return nil, errs.Invalid("input.trust", "unknown trust %q", in.Trust)
	}
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		n, err := tx.Customer.Update().Where(entcustomer.ID(in.CustomerID)).SetCommunityTrust(in.Trust).Save(ctx)
		if err == nil && n == 0 {
			return &errs.Error{Code: errs.NotFound, Field: "input.customerId", Message: "no such customer"}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &TrustResult{CustomerID: in.CustomerID, Trust: in.Trust}, nil
}
