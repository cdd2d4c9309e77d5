package jobs

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/riverqueue/river/rivertype"
)

// maxBackoff caps DefaultBackoff: a job that has failed for days is tried
// at least daily.
const maxBackoff = 24 * time.Hour

// DefaultBackoff is River's schedule, attempt⁴ seconds with up to 10%
// jitter (1 s, 16 s, 81 s, 4 min, 10 min, ... about 11 days over 25
// attempts), capped at a day. It is written here rather than taken from
// River because River's default policy reads the wall clock, and retries
// must follow Config.Clock like everything else.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Duration(math.Pow(float64(max(attempt, 1)), 4) * float64(time.Second))
	d += time.Duration(rand.Float64() * 0.1 * float64(d))
	return min(d, maxBackoff)
}

// retryPolicy is River's ClientRetryPolicy on our clock and backoff.
type retryPolicy struct {
	clock   clockwork.Clock
	backoff func(attempt int) time.Duration
}

// NextRetry implements river.ClientRetryPolicy.
func (p *retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	return p.clock.Now().Add(p.backoff(job.Attempt))
}

// riverTime gives River a fake clock's time (River's TestConfig.Time):
// what it writes (scheduled_at, attempted_at, finalized_at, the leader's
// term) and what it compares with (which jobs are due) follow the test's
// clock. With the real clock River is given nothing and uses the
// database's now(), which servers on one Postgres agree on.
type riverTime struct{ clock clockwork.Clock }

// Now implements rivertype.TimeGenerator.
func (t riverTime) Now() time.Time { return t.clock.Now() }

// NowOrNil implements rivertype.TimeGenerator.
func (t riverTime) NowOrNil() *time.Time {
	now := t.clock.Now().UTC()
	return &now
}
