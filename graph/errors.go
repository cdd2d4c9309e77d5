package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aftercart/aftercart/ent"
	"github.com/aftercart/aftercart/ent/privacy"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/errs"
)

// notFound turns ent's not-found (which is also what a row filtered out by
// privacy looks like) into a NOT_FOUND error with a message for the client.
func notFound(err error, format string, args ...any) error {
	if ent.IsNotFound(err) {
		return errs.Errorf(errs.NotFound, format, args...)
	}
	return err
}

// ErrorPresenter maps errors to GraphQL errors with extensions.code. Coded
// errors (*errs.Error, and gqlgen's own parse/validation errors) keep their
// code and message; ent validation and constraint errors become INVALID_INPUT
// and CONFLICT; privacy denials become UNAUTHENTICATED. Anything else is
// logged with its detail and shown only as "internal error".
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		err = db.Classify(err)
		if e, ok := errs.As(err); ok {
			gqlErr.Message = e.Error()
			gqlErr.Extensions["code"] = string(e.Code)
			if e.RetryAfter > 0 {
				gqlErr.Extensions["retryAfter"] = int(math.Ceil(e.RetryAfter.Seconds()))
			}
			if e.Field != "" {
				gqlErr.Extensions["field"] = e.Field
			} else if arg := argumentPath(ctx, gqlErr); arg != "" {
				// A scalar refused an argument's value: name the argument,
				// and keep path what the spec says it is, a response path.
				gqlErr.Extensions["field"] = arg
				gqlErr.Message = arg + ": " + gqlErr.Message
				gqlErr.Path = graphql.GetFieldContext(ctx).Path()
			}
			return gqlErr
		}
		if _, coded := gqlErr.Extensions["code"]; coded {
			return gqlErr
		}
		switch {
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			// The client went away (or a subscription was stopped) mid-request:
			// nothing failed on our side.
			gqlErr.Message = "request canceled"
			gqlErr.Extensions["code"] = "CANCELED"
		case errors.Is(err, privacy.Deny):
			gqlErr.Message = "sign in to see this"
			gqlErr.Extensions["code"] = string(errs.Unauthenticated)
		case ent.IsNotFound(err):
			gqlErr.Message = "not found"
			gqlErr.Extensions["code"] = string(errs.NotFound)
		case ent.IsValidationError(err):
			var ve *ent.ValidationError
			errors.As(err, &ve)
			gqlErr.Message = fmt.Sprintf("invalid value for %s", ve.Name)
			gqlErr.Extensions["code"] = string(errs.InvalidInput)
		case ent.IsConstraintError(err):
			gqlErr.Message = "conflicts with existing data"
			gqlErr.Extensions["code"] = string(errs.Conflict)
		default:
			log.ErrorContext(ctx, "graphql: internal error", "err", err, "path", gqlErr.Path.String())
			gqlErr.Message = "internal error"
			gqlErr.Extensions["code"] = string(errs.Internal)
		}
		return gqlErr
	}
}

// argumentPath returns the argument an error is about ("id", "ids[1]",
// "input.placedAt") when gqlgen reported it while decoding the arguments of
// the field in ctx: it then appends the argument's path to the field's
// response path. "" for any other error.
func argumentPath(ctx context.Context, e *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	field := fc.Path()
	if len(e.Path) <= len(field) {
		return ""
	}
	for i, el := range field {
		if e.Path[i] != el {
			return ""
		}
	}
	var b strings.Builder
	for _, el := range e.Path[len(field):] {
		switch el := el.(type) {
		case ast.PathIndex:
			fmt.Fprintf(&b, "[%d]", int(el))
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(el))
		}
	}
	return b.String()
}
