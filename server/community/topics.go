package community

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/topic"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/errs"
)

// Limits on a topic's texts, in characters.
const (
	MaxSlug        = 64
	MaxTopicName   = 80
	MaxDescription = 500
)

// slugPattern is a topic slug: lower-case letters and digits in words
// joined by single hyphens, so it reads well in a URL and never needs
// escaping.
var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TopicInput is a new topic (GraphQL CreateTopicInput).
type TopicInput struct {
	Slug        string  `json:"slug"`
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
}

// TopicUpdate changes a topic (GraphQL UpdateTopicInput); absent fields
// keep their value.
type TopicUpdate struct {
	TopicID     int     `json:"topicId"`
	Slug        *string `json:"slug,omitempty"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// TopicResult carries a topic (GraphQL CreateTopicPayload,
// UpdateTopicPayload).
type TopicResult struct {
	Topic *ent.Topic
}

// Topics lists the topics in staff's order (position, then id).
func (s *Service) Topics(ctx context.Context) ([]*ent.Topic, error) {
	return s.db.Topic.Query().Order(topic.ByPosition(), topic.ByID()).All(ctx)
}

// topicBySlug finds a topic for a write, NOT_FOUND on field otherwise.
func topicBySlug(ctx context.Context, tx *ent.Tx, field, slug string) (*ent.Topic, error) {
	t, err := tx.Topic.Query().Where(topic.Slug(strings.TrimSpace(slug))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, &errs.Error{Code: errs.NotFound, Field: field, Message: fmt.Sprintf("no topic %q", slug)}
	}
	return t, err
}

func checkSlug(field, slug string) error {
	if len(slug) > MaxSlug || !slugPattern.MatchString(slug) {
		return errs.Invalid(field, "a slug is up to %d lower-case letters and digits, words joined by single hyphens (\"how-to\")", MaxSlug)
	}
	return nil
}

func checkText(field, s string, max int, required bool) (string, error) {
	t := strings.TrimSpace(s)
	switch {
	case required && t == "":
		return "", errs.Invalid(field, "must not be empty")
	case utf8.RuneCountInString(t) > max:
		return "", errs.Invalid(field, "at most %d characters", max)
	}
	return t, nil
}

// CreateTopic adds a topic at the end of the list. Staff only; a slug
// already taken is CONFLICT.
func (s *Service) CreateTopic(ctx context.Context, in TopicInput) (*TopicResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	if err := checkSlug("input.slug", in.Slug); err != nil {
		return nil, err
	}
	name, err := checkText("input.name", in.Name, MaxTopicName, true)
	if err != nil {
		return nil, err
	}
	desc := ""
	if in.Description != nil {
		if desc, err = checkText("input.description", *in.Description, MaxDescription, false); err != nil {
			return nil, err
		}
	}
	var id int
	err = s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if taken, err := tx.Topic.Query().Where(topic.Slug(in.Slug)).Exist(ctx); err != nil {
			return err
		} else if taken {
			return &errs.Error{Code: errs.Conflict, Field: "input.slug", Message: fmt.Sprintf("a topic %q exists already", in.Slug)}
		}
		n, err := tx.Topic.Query().Count(ctx)
		if err != nil {
			return err
		}
		t, err := tx.Topic.Create().SetSlug(in.Slug).SetName(name).SetDescription(desc).SetPosition(n).
			SetCreatedAt(s.now()).SetUpdatedAt(s.now()).Save(ctx)
		if ent.IsConstraintError(err) { // created meanwhile
			return &errs.Error{Code: errs.Conflict, Field: "input.slug", Message: fmt.Sprintf("a topic %q exists already", in.Slug)}
		} else if err != nil {
			return err
		}
		id = t.ID
		return nil
	})
	if err != nil {
		return nil, err
	}
	t, err := s.db.Topic.Get(ctx, id)
	return &TopicResult{Topic: t}, err
}

// UpdateTopic changes a topic's slug, name or description. Staff only;
// an unknown topic is NOT_FOUND, a slug already taken CONFLICT.
func (s *Service) UpdateTopic(ctx context.Context, in TopicUpdate) (*TopicResult, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		if ok, err := tx.Topic.Query().Where(topic.ID(in.TopicID)).Exist(ctx); err != nil {
			return err
		} else if !ok {
			return &errs.Error{Code: errs.NotFound, Field: "input.topicId", Message: fmt.Sprintf("topic %d not found", in.TopicID)}
		}
		u := tx.Topic.UpdateOneID(in.TopicID).SetUpdatedAt(s.now())
		if in.Slug != nil {
			if err := checkSlug("input.slug", *in.Slug); err != nil {
				return err
			}
			if taken, err := tx.Topic.Query().Where(topic.Slug(*in.Slug), topic.IDNEQ(in.TopicID)).Exist(ctx); err != nil {
				return err
			} else if taken {
				return &errs.Error{Code: errs.Conflict, Field: "input.slug", Message: fmt.Sprintf("a topic %q exists already", *in.Slug)}
			}
			u.SetSlug(*in.Slug)
		}
		if in.Name != nil {
			name, err := checkText("input.name", *in.Name, MaxTopicName, true)
			if err != nil {
				return err
			}
			u.SetName(name)
		}
		if in.Description != nil {
			desc, err := checkText("input.description", *in.Description, MaxDescription, false)
			if err != nil {
				return err
			}
			u.SetDescription(desc)
		}
		err := u.Exec(ctx)
		if ent.IsConstraintError(err) {
			return &errs.Error{Code: errs.Conflict, Field: "input.slug", Message: "that slug was taken meanwhile"}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	t, err := s.db.Topic.Get(ctx, in.TopicID)
	return &TopicResult{Topic: t}, err
}

// ReorderTopics sets the topics' order: ids must list every topic once,
// in the new order (a partial list would leave the others' places
// ambiguous). Staff only.
func (s *Service) ReorderTopics(ctx context.Context, ids []int) ([]*ent.Topic, error) {
	if err := auth.RequireStaff(ctx); err != nil {
		return nil, err
	}
	err := s.db.WithTx(auth.WithSystem(ctx), func(ctx context.Context, tx *ent.Tx) error {
		all, err := tx.Topic.Query().IDs(ctx)
		if err != nil {
			return err
		}
		known := make(map[int]bool, len(all))
		for _, id := range all {
			known[id] = true
		}
		seen := make(map[int]bool, len(ids))
		for i, id := range ids {
			field := fmt.Sprintf("input.topicIds[%d]", i)
			switch {
			case !known[id]:
				return &errs.Error{Code: errs.NotFound, Field: field, Message: fmt.Sprintf("topic %d not found", id)}
			case seen[id]:
				return errs.Invalid(field, "topic %d is listed twice", id)
			}
			seen[id] = true
		}
		if len(ids) != len(all) {
			return errs.Invalid("input.topicIds", "list every topic (%d), in the new order; got %d", len(all), len(ids))
		}
		for i, id := range ids {
			if err := tx.Topic.UpdateOneID(id).SetPosition(i).SetUpdatedAt(s.now()).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Topics(ctx)
}
