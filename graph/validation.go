package graph

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// How a request is kept cheap to validate, whatever it holds (each bound
// answers with one error, never one per offending node):
//
//   - the body (MaxBodyBytes) and the parser's tokens (ParserTokenLimit)
//     bound the document gqlgen parses;
//   - ValidationGuard, before gqlgen validates, refuses a document whose
//     validation would visit more than MaxValidationNodes nodes (gqlparser
//     walks each fragment again for every operation and every fragment that
//     reaches it: a chain of fragments is quadratic in its length), more
//     than MaxFragments fragments (a few rules look fragments up by a linear
//     search per spread) or more than MaxVariables variables (likewise per
//     variable use);
//   - gqlparser's OverlappingFieldsCanBeMerged, quadratic in the fields of a
//     selection set and in nested ones, is replaced by mergeableFields, linear
//     by construction and bounded by MaxSelectionFields, MaxFieldShapes and
//     MaxMergeWork;
//   - every rule's errors go through one errorBudget per document: at most
//     MaxErrors of them, then one error counting the rest, so that a document
//     with thousands of unknown fields neither builds thousands of errors
//     nor answers with them;
//   - ValidationGuard caps the errors of every response, and each message's
//     length, whatever produced them.

// validationRules are gqlparser's default rules with the overlap check
// replaced by mergeableFields, in production introspection refused at
// validation, and every rule's errors capped by one errorBudget per
// document. gqlgen calls it once per document it validates.
func validationRules(dev bool) func() *rules.Rules {
	return func() *rules.Rules {
		r := rules.NewDefaultRules()
		r.ReplaceRule(rules.OverlappingFieldsCanBeMergedRule.Name, mergeableFields)
		if !dev {
			r.AddRule("NoIntrospection", noIntrospection)
		}
		// Production has no "did you mean" suggestions: they leak the
		// schema, and each costs an edit distance against every candidate
		// name (4,000 unknown input fields took 360 ms). gqlgen swaps only
		// the first two of these pairs (SetDisableSuggestion), after this
		// function returns; Rules.AddRule never replaces a rule of the same
		// name, so registering the variant it will add here keeps that one
		// behind the error budget too. The handler disables suggestions
		// exactly outside development (see NewHandler).
		for _, p := range suggestionRules {
			if dev {
				r.AddRule(p.with.Name, p.with.RuleFunc)
			} else {
				r.RemoveRule(p.with.Name)
				r.AddRule(p.without.Name, p.without.RuleFunc)
			}
		}
		budget := &errorBudget{max: MaxErrors}
		capped := rules.NewRules()
		for name, f := range r.GetInner() {
			capped.AddRule(name, budget.rule(f))
		}
		return capped
	}
}

// suggestionRules are gqlparser's rules that have a variant without "did
// you mean" suggestions.
var suggestionRules = []struct{ with, without core.Rule }{
	{rules.FieldsOnCorrectTypeRule, rules.FieldsOnCorrectTypeRuleWithoutSuggestions},
	{rules.ScalarLeafsRule, rules.ScalarLeafsRuleWithoutSuggestions},
	{rules.KnownArgumentNamesRule, rules.KnownArgumentNamesRuleWithoutSuggestions},
	{rules.KnownTypeNamesRule, rules.KnownTypeNamesRuleWithoutSuggestions},
	{rules.ValuesOfCorrectTypeRule, rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
}

// noIntrospection refuses __schema and __type (__typename stays: clients
// need it for unions and caching).
func noIntrospection(observers *core.Events, addError core.AddErrFunc) {
	observers.OnField(func(_ *core.Walker, f *ast.Field) {
		if f.Name == "__schema" || f.Name == "__type" {
			addError(core.Message("introspection is disabled"), core.At(f.Position))
		}
	})
}
