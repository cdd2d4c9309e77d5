package graph

import (
	"github.com/aftercart/aftercart/graph/model"
	"github.com/aftercart/aftercart/server/notify"
)

// templateSource is the GraphQL view of a notify.TemplateSource (nil for
// nil, beside an error).
func templateSource(t *notify.TemplateSource) *model.MessageTemplateSource {
	if t == nil {
		return nil
	}
	return &model.MessageTemplateSource{Kind: t.Kind, Channel: t.Channel, Subject: t.Subject, HTML: t.HTML, Text: t.Text, IsDefault: t.IsDefault}
}
