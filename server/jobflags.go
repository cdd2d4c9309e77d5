package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/jobs"
	"github.com/aftercart/aftercart/server/notify"
)

// Bounds of the job flags: beyond them a setting is a typo. A sweep more
// often than every second would keep the database busy for nothing (due
// dates are minutes to days away); more than 1,000 workers would outgrow
// any database pool.
const (
	maxJobWorkers    = 1000
	minSweepInterval = time.Second
)

// jobFlags are the job system's flags (see package jobs).
type jobFlags struct {
	workers, notifyWorkers *int
	sweep                  *time.Duration
}

// addJobFlags declares the job flags on fs.
func addJobFlags(fs *flag.FlagSet) jobFlags {
	return jobFlags{
		workers: fs.Int("job-workers", envInt("AFTERCART_JOB_WORKERS", jobs.DefaultWorkers),
			"background jobs (loyalty, webhooks, sweeps; messages have -notify-workers) this server runs at once (env AFTERCART_JOB_WORKERS)"),
		notifyWorkers: fs.Int("notify-workers", envInt("AFTERCART_NOTIFY_WORKERS", notify.DefaultWorkers),
			"messages this server sends at once (the notify queue's workers, and the most SMTP sessions kept open); the default depends on the CPU count (env AFTERCART_NOTIFY_WORKERS)"),
		sweep: fs.Duration("job-sweep-interval", envDuration("AFTERCART_JOB_SWEEP_INTERVAL", jobs.DefaultSweepInterval),
			"how often time-based work (points becoming available, reminders, expiry) is looked for; it waits at most this long (env AFTERCART_JOB_SWEEP_INTERVAL)"),
	}
}

// apply stores the flags' values in c and returns what is wrong with them.
func (f jobFlags) apply(c *app.Config) []string {
	var ps []string
	if *f.workers < 1 || *f.workers > maxJobWorkers {
		ps = append(ps, fmt.Sprintf("-job-workers (AFTERCART_JOB_WORKERS) is %d; must be between 1 and %d", *f.workers, maxJobWorkers))
	}
	if *f.notifyWorkers < 1 || *f.notifyWorkers > maxJobWorkers {
		ps = append(ps, fmt.Sprintf("-notify-workers (AFTERCART_NOTIFY_WORKERS) is %d; must be between 1 and %d", *f.notifyWorkers, maxJobWorkers))
	}
	if *f.sweep < minSweepInterval {
		ps = append(ps, fmt.Sprintf("-job-sweep-interval (AFTERCART_JOB_SWEEP_INTERVAL) is %s; must be at least %s, e.g. 1m", *f.sweep, minSweepInterval))
	}
	c.Jobs.Workers = *f.workers
	c.Mail.Workers = *f.notifyWorkers
	c.Jobs.SweepInterval = *f.sweep
	return ps
}
