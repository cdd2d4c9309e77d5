package notify

import (
	"context"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/message"
	"github.com/aftercart/aftercart/ent/messagetemplate"
	"github.com/aftercart/aftercart/server/auth"
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
