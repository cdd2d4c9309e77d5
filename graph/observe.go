package graph

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/aftercart/aftercart/graph/wsproto"
	"github.com/aftercart/aftercart/server/metrics"
	"github.com/aftercart/aftercart/server/reqlog"
)

// observer records every GraphQL operation: in the metrics (by type, name
// and outcome), in the request log line of its HTTP request, and, for
// operations over a websocket, which have no request line of their own, in
// lines of its own:
//
//   - a query or mutation, or a subscription that fails to start: one line,
//     "graphql operation", at its end;
//   - a subscription: "subscription started" once set up, and "subscription
//     ended" with how long it ran;
//   - the websocket itself: the upgrade's request line (status 101), and
//     "websocket closed" with its close code and how long it was open.
//
// As in the request log: names (made safe), types, codes and durations,
// never a query, a variable or a token.
//
// It is a gqlgen extension. Operations that ran (parsed, validated, were
// dispatched) are recorded by InterceptOperation, when their response is
// ready or, for a subscription, as soon as its resolver has returned: the
// errors that stop a subscription from starting are presented at that
// point, and the error presenter (wrapped by presenter) notes their codes.
// Requests refused before they ran (parse, validation, cost, budget) reach
// only InterceptResponse.
type observer struct {
	metrics *metrics.Metrics
	log     *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = (*observer)(nil)

func newObserver(m *metrics.Metrics, log *slog.Logger) *observer {
	if m == nil {
		m = metrics.New() // unscraped, so that the handler need not check
	}
	if log == nil {
		log = slog.Default()
	}
	return &observer{metrics: m, log: log}
}

// ExtensionName implements graphql.HandlerExtension.
func (o *observer) ExtensionName() string { return "Observe" }

// Validate implements graphql.HandlerExtension.
func (o *observer) Validate(graphql.ExecutableSchema) error { return nil }

// opStatsKey marks, in an operation context's Stats, an operation that
// InterceptOperation records.
const opStatsKey = "aftercart.observe"

// opState collects the error codes presented while an operation runs.
type opState struct {
	mu    sync.Mutex
	codes []string
}

type opStateKey struct{}

func (s *opState) note(code string) {
	s.mu.Lock()
	s.codes = appendCode(s.codes, code)
	s.mu.Unlock()
}

func (s *opState) taken() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.codes
}

// InterceptOperation implements graphql.OperationInterceptor.
func (o *observer) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	rc := graphql.GetOperationContext(ctx)
	st := &opState{}
	rc.Stats.SetExtension(opStatsKey, st)
	typ, name := operationOf(rc)
	start := startOf(rc)
	h := next(context.WithValue(ctx, opStateKey{}, st))
	if typ != metrics.TypeSubscription {
		var once sync.Once
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			once.Do(func() {
				codes := []string{"CANCELED"} // no response: the client left
				if resp != nil {
					codes = codesOf(resp.Errors)
				}
				o.record(ctx, typ, name, true, codes, time.Since(start))
			})
			return resp
		}
	}
	codes := st.taken()
	o.record(ctx, typ, name, true, codes, time.Since(start))
	if len(codes) > 0 {
		return h
	}
	ended := o.metrics.SubscriptionStarted()
	ws := !reqlog.Annotate(ctx, reqlog.Operation{Name: metrics.CleanName(name), Type: typ})
	if ws {
		o.log.LogAttrs(ctx, slog.LevelInfo, "subscription started", slog.String("op", metrics.CleanName(name)))
	}
	// Neither the closure nor the context it waits on may hold ctx: it
	// lives as long as the subscription, and ctx holds the whole operation
	// (document, variables, field caches), which a pushed subscription
	// otherwise drops once it has subscribed (~4 KB per subscriber, see
	// server/live/BENCHMARKS.md). A push has a context of its own.
	log, op := o.log, metrics.CleanName(name)
	life, ok := wsproto.LifetimeFrom(ctx)
	if !ok {
		life = ctx
	}
	context.AfterFunc(life, func() {
		ended()
		if ws {
			log.LogAttrs(context.Background(), slog.LevelInfo, "subscription ended", slog.String("op", op), msAttr(time.Since(start)))
		}
	})
	return h
}

// InterceptResponse implements graphql.ResponseInterceptor: it records
// requests refused before they ran. The responses of operations that ran
// pass here too, and are left to InterceptOperation.
func (o *observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if !graphql.HasOperationContext(ctx) {
		// A body that is not a GraphQL request, or the error that ends a
		// websocket subscription (wsproto.Push.End), which is already
		// counted: only the former has a request line to annotate.
		codes := codesOf(resp.Errors)
		if reqlog.Annotate(ctx, reqlog.Operation{Name: metrics.NameAnonymous, Type: metrics.TypeUnknown, Codes: codes}) {
			o.metrics.Operation(metrics.TypeUnknown, "", false, outcome(codes), 0)
		}
		return resp
	}
	rc := graphql.GetOperationContext(ctx)
	if rc.Stats.GetExtension(opStatsKey) != nil {
		return resp
	}
	typ, name := operationOf(rc)
	o.record(ctx, typ, name, false, codesOf(resp.Errors), time.Since(startOf(rc)))
	return resp
}

// record counts an operation, and tells the request log of it, or logs it
// when there is no request line (a websocket).
func (o *observer) record(ctx context.Context, typ, name string, valid bool, codes []string, d time.Duration) {
	o.metrics.Operation(typ, name, valid, outcome(codes), d)
	if len(codes) == 0 && typ == metrics.TypeSubscription {
		return // logged as started, by InterceptOperation
	}
	op := reqlog.Operation{Name: metrics.CleanName(name), Type: typ, Codes: codes}
	if reqlog.Annotate(ctx, op) {
		return
	}
	attrs := []slog.Attr{slog.String("op", op.Name), slog.String("type", typ), msAttr(d)}
	if len(codes) > 0 {
		attrs = append(attrs, slog.Any("codes", codes))
	}
	o.log.LogAttrs(ctx, slog.LevelInfo, "graphql operation", attrs...)
}

// presenter wraps the error presenter so that the codes of the errors an
// operation's resolvers return are noted as they are presented.
func (o *observer) presenter(inner graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := inner(ctx, err)
		if st, ok := ctx.Value(opStateKey{}).(*opState); ok && e != nil {
			code, _ := e.Extensions["code"].(string)
			st.note(code)
		}
		return e
	}
}

// websocketOpened and websocketClosed are wsproto.Transport's OnOpen and
// OnClose.
func (o *observer) websocketOpened() { o.metrics.WebsocketOpened() }

func (o *observer) websocketClosed(code int, open time.Duration) {
	o.metrics.WebsocketClosed(code)
	o.log.LogAttrs(context.Background(), slog.LevelInfo, "websocket closed", slog.Int("code", code), msAttr(open))
}

// operationOf returns the operation's type and name: the document's
// operation once known, else the name the client asked for.
func operationOf(rc *graphql.OperationContext) (typ, name string) {
	if rc == nil {
		return metrics.TypeUnknown, ""
	}
	if rc.Operation == nil {
		return metrics.TypeUnknown, rc.OperationName
	}
	return string(rc.Operation.Operation), rc.Operation.Name
}

func startOf(rc *graphql.OperationContext) time.Time {
	if rc == nil || rc.Stats.OperationStart.IsZero() {
		return time.Now()
	}
	return rc.Stats.OperationStart
}

// codesOf returns the distinct extensions.code of errs, in order; an error
// without one counts as INTERNAL, as the presenter would have shown it.
func codesOf(errs gqlerror.List) []string {
	var codes []string
	for _, e := range errs {
		code, _ := e.Extensions["code"].(string)
		codes = appendCode(codes, code)
	}
	return codes
}

func appendCode(codes []string, code string) []string {
	if code == "" {
		code = "INTERNAL"
	}
	for _, c := range codes {
		if c == code {
			return codes
		}
	}
	return append(codes, code)
}

// outcome is the metrics outcome of an operation: its first error's code.
func outcome(codes []string) string {
	if len(codes) == 0 {
		return metrics.OutcomeOK
	}
	return codes[0]
}

func msAttr(d time.Duration) slog.Attr {
	return slog.Float64("ms", float64(d.Microseconds())/1000)
}
