package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// argumentVariable returns the name of the variable the current field's
// argument arg is given by ("" when it is a literal or absent). The live
// feed groups subscribers that differ only in their resume cursor.
func argumentVariable(ctx context.Context, arg string) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil {
		return ""
	}
	if a := fc.Field.Arguments.ForName(arg); a != nil && a.Value != nil && a.Value.Kind == ast.Variable {
		return a.Value.Raw
	}
	return ""
}
