package main

import (
	"strings"
	"testing"
	"time"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/jobs"
	"github.com/aftercart/aftercart/server/notify"
)

func TestJobFlags(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		workers int
		sweep   time.Duration
		notify  int
	}{
		{"defaults", nil, nil, "", jobs.DefaultWorkers, jobs.DefaultSweepInterval, notify.DefaultWorkers},
		{"flags", []string{"-job-workers", "3", "-job-sweep-interval", "30s", "-notify-workers", "40"}, nil, "", 3, 30 * time.Second, 40},
		{"environment", nil, map[string]string{"AFTERCART_JOB_WORKERS": "25", "AFTERCART_JOB_SWEEP_INTERVAL": "5m", "AFTERCART_NOTIFY_WORKERS": "12"}, "", 25, 5 * time.Minute, 12},
		{"no workers", []string{"-job-workers", "0"}, nil, "-job-workers (AFTERCART_JOB_WORKERS) is 0", 0, 0, 0},
		{"no notify workers", []string{"-notify-workers", "0"}, nil, "-notify-workers (AFTERCART_NOTIFY_WORKERS) is 0", 0, 0, 0},
		{"a sweep every millisecond", nil, map[string]string{"AFTERCART_JOB_SWEEP_INTERVAL": "1ms"}, "-job-sweep-interval (AFTERCART_JOB_SWEEP_INTERVAL) is 1ms", 0, 0, 0},
		{"not a duration", nil, map[string]string{"AFTERCART_JOB_SWEEP_INTERVAL": "hourly"}, "AFTERCART_JOB_SWEEP_INTERVAL=\"hourly\"", 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			clearConfigEnv(t)
			t.Setenv(auth.SecretEnv, testSecretValue)
			t.Setenv(app.WebhookSecretEnv, testSecretValue)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			m := NewMain()
			err := m.ParseFlags(c.args)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Config.Jobs.Workers != c.workers || m.Config.Jobs.SweepInterval != c.sweep || m.Config.Mail.Workers != c.notify {
				t.Errorf("jobs config %+v, notify workers %d; want %d workers, sweep every %s, %d notify workers",
					m.Config.Jobs, m.Config.Mail.Workers, c.workers, c.sweep, c.notify)
			}
		})
	}
}
