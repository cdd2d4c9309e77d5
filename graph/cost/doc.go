// Package cost bounds what one GraphQL operation may ask for, before any
// resolver (and so any SQL) runs.
//
// [Limit] is a gqlgen handler extension. gqlgen calls it after parsing,
// validation and variable coercion and before execution; an operation that
// breaks the pagination rules or costs more than the budget is answered with
// an error and never executed.
//
// # Cost model
//
//   - Every field costs 1 plus the cost of its selection set.
//   - A connection is a field whose type, without list and non-null wrappers,
//     is an object type named "…Connection". It must have an Int "first" or
//     "last" argument (a literal, a variable, or a default from the operation or
//     the schema) in 1..[MaxPageSize]; otherwise the operation is refused with
//     extensions.code INVALID_INPUT and a message naming the field's path
//     (`orders.edges.node.shipments.events: "first" or "last" is required
//     (1..100)`). With both given, the larger counts. A connection costs
//     1 + n × (cost of its selection set): its edges, pageInfo and totalCount
//     are all charged n times, a deliberate over-estimate that keeps the rule
//     simple.
//   - Other lists cost like single objects (1 + selection set): the data model
//     bounds them (an order has a handful of shipments), and every unbounded
//     list in the schema must be a connection.
//   - Fragments, named or inline, add the cost of their selection set where
//     they are spread. For abstract types every type condition is added, an
//     upper bound. @skip and @include are ignored, another upper bound.
//   - Introspection fields (__schema, __type, __typename) cost 1 and are not
//     descended into: introspection is off in production, and gqlparser's
//     MaxIntrospectionDepth rule bounds it in development.
//
// Costs saturate at math.MaxInt instead of overflowing.
//
// # Linear time
//
// The cost of a named fragment is computed once per operation and reused at
// every spread, so the walk is linear in the size of the document. gqlgen's
// extension.FixedComplexityLimit walks a fragment again at every spread: 22
// fragments that each spread the next twice (1 KB) cost it 2^22 walks, about
// 30 s of CPU, while this package answers in microseconds. Install [Limit]
// before any extension that walks the operation again, because gqlgen runs
// operation context mutators in the order they were added and stops at the
// first error.
//
// Parsing and validation run before any extension and are not bounded here:
// the server must also limit the request body and the parser's token count.
package cost
