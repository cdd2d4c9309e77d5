package graph

import (
	"github.com/aftercart/aftercart/graph/model"
	"github.com/aftercart/aftercart/server/notify"
)

// segment is a CampaignSegmentInput as notify takes it (the zero segment
// for nil).
func segmentOf(in *model.CampaignSegmentInput) notify.Segment {
	if in == nil {
		return notify.Segment{}
	}
	return notify.Segment{LastOrderOlderThanDays: in.LastOrderOlderThanDays, Tier: in.Tier, Category: in.Category}
}

// campaignInput is a CampaignInput as notify takes it.
func campaignInput(in model.CampaignInput) notify.CampaignInput {
	return notify.CampaignInput{Name: in.Name, Template: notify.Template{Subject: in.Subject, HTML: in.HTML, Text: in.Text},
		Segment: segmentOf(in.Segment)}
}

// campaignAudience is the GraphQL view of a notify.Audience.
func campaignAudience(a *notify.Audience, err error) (*model.CampaignAudience, error) {
	if err != nil {
		return nil, err
	}
	return &model.CampaignAudience{Count: a.Count, Customers: a.First}, nil
}
