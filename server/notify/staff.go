package notify

import (
	"context"
	"fmt"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messagetemplate"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Preview is m as the customer gets it: what was rendered for its first
// attempt, or, before that, what would be rendered now. Staff only.
func (s *Service) Preview(ctx context.Context, m *ent.Message) (Rendered, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return Rendered{}, err
	}
	if m.Subject != nil {
		return Rendered{Subject: *m.Subject, HTML: deref(m.BodyHTML), Text: deref(m.BodyText)}, nil
	}
	return s.render(auth.WithSystem(ctx), s.db.Client, m)
}

// PreviewTemplate renders t, saved or not, for kind on channel with the
// variables of order orderID and its customer, as a message of the kind
// queued now would be: what staff check before saving a template. It is
// validated first (see Validate); nothing is written. An unknown order is
// NOT_FOUND; a kind whose variables need more than an order (a shipping
// update reads its parcel, a referral thanks its referral, from the
// message's dedupe key) is INVALID_INPUT. Staff only.
func (s *Service) PreviewTemplate(ctx context.Context, kind message.Kind, channel message.Channel, t Template, orderID int) (Rendered, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return Rendered{}, err
	}
	if err := Validate(kind, channel, t); err != nil {
		return Rendered{}, err
	}
	ctx = auth.WithSystem(ctx)
	o, err := s.db.Order.Get(ctx, orderID)
	if ent.IsNotFound(err) {
		return Rendered{}, errs.Errorf(errs.NotFound, "no order %d", orderID)
	}
	if err != nil {
		return Rendered{}, err
	}
	m := &ent.Message{Kind: kind, Channel: channel, OrderID: &o.ID, CustomerID: &o.CustomerID,
		DedupeKey: fmt.Sprintf("preview:order:%d", o.ID)}
	vars, err := s.vars(ctx, s.db.Client, m)
	if err != nil {
		return Rendered{}, errs.Invalid("kind", "%s messages cannot be previewed from an order alone (%v): preview one of its messages instead", kind, err)
	}
	c, err := parse(t)
	if err != nil {
		return Rendered{}, err
	}
	return c.execute(vars)
}

// TemplateSource is a template with its kind and channel, and whether it is
// the shipped default.
type TemplateSource struct {
	Kind    message.Kind
	Channel message.Channel
	Template
	// IsDefault is true when staff have saved no template for the pair.
	IsDefault bool
}

// Template returns the template kind is rendered with on channel. Staff only.
func (s *Service) Template(ctx context.Context, kind message.Kind, channel message.Channel) (*TemplateSource, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	ctx = auth.WithSystem(ctx)
	t, err := s.template(ctx, s.db.Client, kind, channel)
	if err != nil {
		return nil, err
	}
	saved, err := s.db.MessageTemplate.Query().Where(messagetemplate.KindEQ(messagetemplate.Kind(kind)),
		messagetemplate.ChannelEQ(messagetemplate.Channel(channel))).Exist(ctx)
	if err != nil {
		return nil, err
	}
	return &TemplateSource{Kind: kind, Channel: channel, Template: t, IsDefault: !saved}, nil
}

// SaveTemplate validates t (see Validate) and saves it as the template of
// kind on channel, replacing staff's previous one. Staff only; a template
// that does not validate is INVALID_INPUT and nothing is saved. Messages
// already rendered keep what they were rendered with.
func (s *Service) SaveTemplate(ctx context.Context, kind message.Kind, channel message.Channel, t Template) (*TemplateSource, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if err := Validate(kind, channel, t); err != nil {
		return nil, err
	}
	actor := "system"
	if v, ok := auth.FromContext(ctx); ok {
		actor = v.Subject
	}
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		return tx.MessageTemplate.Create().SetKind(messagetemplate.Kind(kind)).SetChannel(messagetemplate.Channel(channel)).
			SetSubject(t.Subject).SetHTML(t.HTML).SetText(t.Text).SetUpdatedBy(actor).
			SetCreatedAt(s.now()).SetUpdatedAt(s.now()).
			OnConflictColumns(messagetemplate.FieldKind, messagetemplate.FieldChannel).
			UpdateSubject().UpdateHTML().UpdateText().UpdateUpdatedBy().UpdateUpdatedAt().Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &TemplateSource{Kind: kind, Channel: channel, Template: t}, nil
}
