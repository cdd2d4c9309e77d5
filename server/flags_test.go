package main

import (
	"runtime"
	"testing"
	"time"

	"github.com/aftercart/aftercart/graph"
	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/auth"
	"github.com/aftercart/aftercart/server/community"
	"github.com/aftercart/aftercart/server/db"
	"github.com/aftercart/aftercart/server/loyalty"
	"github.com/aftercart/aftercart/server/media"
)

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr bool
		check   func(t *testing.T, c app.Config)
	}{
		{"defaults", nil, nil, false, func(t *testing.T, c app.Config) {
			if c.Addr != "127.0.0.1:8080" || c.Dev || c.Seed || c.Simulate != 0 || c.DatabaseURL != "" || len(c.AllowedOrigins) != 0 {
				t.Errorf("%+v", c)
			}
		}},
		{"dev turns on demo data, the simulator and local origins", []string{"-dev"}, nil, false, func(t *testing.T, c app.Config) {
			if !c.Seed || c.Simulate != 5*time.Second || len(c.AllowedOrigins) == 0 {
				t.Errorf("%+v", c)
			}
		}},
		{"environment fallbacks", nil, map[string]string{
			"DATABASE_URL": "postgres://db/aftercart", "AFTERCART_ADDR": ":9000", "AFTERCART_ALLOWED_ORIGINS": "https://a.example, https://b.example",
		}, false, func(t *testing.T, c app.Config) {
			if c.DatabaseURL != "postgres://db/aftercart" || c.Addr != ":9000" || len(c.AllowedOrigins) != 2 || c.AllowedOrigins[1] != "https://b.example" {
				t.Errorf("%+v", c)
			}
		}},
		{"flags win over the environment", []string{"-addr", ":7000"}, map[string]string{"AFTERCART_ADDR": ":9000"}, false, func(t *testing.T, c app.Config) {
			if c.Addr != ":7000" {
				t.Errorf("addr %s", c.Addr)
			}
		}},
		{"simulator off in dev", []string{"-dev", "-simulate-carriers", "0"}, nil, false, func(t *testing.T, c app.Config) {
			if c.Simulate != 0 {
				t.Errorf("simulate %v", c.Simulate)
			}
		}},
		{"database pool defaults: idle as many as open, statement cache on", nil, nil, false, func(t *testing.T, c app.Config) {
			def := db.DefaultPool(runtime.GOMAXPROCS(0))
			if c.DBPool.MaxOpen != def.MaxOpen || c.DBPool.MaxIdle != 0 || c.DBPool.MaxLifetime != time.Hour ||
				c.DBPool.MaxIdleTime != 5*time.Minute || c.DBStatementCache != db.DefaultStatementCache {
				t.Errorf("%+v, cache %d", c.DBPool, c.DBStatementCache)
			}
			if c.IntegrationBurst != graph.DefaultIntegrationBurst || c.IntegrationPerSecond != graph.DefaultIntegrationPerSecond || c.PprofAddr != "" {
				t.Errorf("%+v", c)
			}
		}},
		{"zero means never and off", []string{"-db-conn-max-lifetime", "0", "-db-statement-cache", "0"},
			map[string]string{"AFTERCART_DB_CONN_MAX_IDLE_TIME": "0", "AFTERCART_DB_MAX_OPEN_CONNS": "100", "AFTERCART_DB_MAX_IDLE_CONNS": "30"}, false, func(t *testing.T, c app.Config) {
				if c.DBPool != (db.Pool{MaxOpen: 100, MaxIdle: 30, MaxLifetime: -1, MaxIdleTime: -1}) || c.DBStatementCache != -1 {
					t.Errorf("%+v, cache %d", c.DBPool, c.DBStatementCache)
				}
			}},
		{"a 64 MB heap floor and the fast path by default", nil, nil, false, func(t *testing.T, c app.Config) {
			if c.GCHeapFloor != 64<<20 || c.NoFastPath {
				t.Errorf("floor %d, no fast path %v", c.GCHeapFloor, c.NoFastPath)
			}
		}},
		{"heap floor and fast path off", []string{"-gc-heap-floor", "0", "-graphql-fast-path=false"}, nil, false, func(t *testing.T, c app.Config) {
			if c.GCHeapFloor != 0 || !c.NoFastPath {
				t.Errorf("floor %d, no fast path %v", c.GCHeapFloor, c.NoFastPath)
			}
		}},
		{"admission: as many as the pool by default", nil, nil, false, func(t *testing.T, c app.Config) {
			if c.MaxInFlight != 0 || c.MaxQueued != 1024 {
				t.Errorf("in flight %d, queued %d", c.MaxInFlight, c.MaxQueued)
			}
		}},
		{"admission unbounded", []string{"-max-inflight-requests", "-1"}, nil, false, func(t *testing.T, c app.Config) {
			if c.MaxInFlight != -1 {
				t.Errorf("in flight %d", c.MaxInFlight)
			}
		}},
		{"bad admission bound", []string{"-max-queued-requests", "-5"}, nil, true, nil},
		{"negative heap floor", nil, map[string]string{"AFTERCART_GC_HEAP_FLOOR": "-1"}, true, nil},
		{"media defaults: 10 MB photos, 100 MB videos, 50 megapixels, 20 uploads then one a minute", nil, nil, false, func(t *testing.T, c app.Config) {
			if c.MediaURL != "" || c.MediaLimits != (media.Limits{MaxPhotoBytes: 10 << 20, MaxVideoBytes: 100 << 20, MaxPixels: 50_000_000}) ||
				c.MediaUploadRate != media.DefaultUploadRate {
				t.Errorf("%q %+v %+v", c.MediaURL, c.MediaLimits, c.MediaUploadRate)
			}
		}},
		{"media from the environment", nil, map[string]string{"AFTERCART_MEDIA_URL": "s3://bucket?region=eu-central-1",
			"AFTERCART_MEDIA_MAX_PHOTO_MB": "5", "AFTERCART_MEDIA_UPLOAD_EVERY": "30s"}, false, func(t *testing.T, c app.Config) {
			if c.MediaURL != "s3://bucket?region=eu-central-1" || c.MediaLimits.MaxPhotoBytes != 5<<20 || c.MediaUploadRate.Every != 30*time.Second {
				t.Errorf("%q %+v %+v", c.MediaURL, c.MediaLimits, c.MediaUploadRate)
			}
		}},
		{"media bucket of an unknown kind", []string{"-media-url", "ftp://host/media"}, nil, true, nil},
		{"a zero photo cap", []string{"-media-max-photo-mb", "0"}, nil, true, nil},
		{"an unparsable video cap", nil, map[string]string{"AFTERCART_MEDIA_MAX_VIDEO_MB": "100MB"}, true, nil},
		{"no fake carrier events in production", []string{"-simulate-carriers", "1s"}, nil, true, nil},
		{"bad seed value", []string{"-seed", "maybe"}, nil, true, nil},
		{"flag threshold: the community's default", nil, nil, false, func(t *testing.T, c app.Config) {
			if c.FlagThreshold != community.DefaultFlagThreshold {
				t.Errorf("flag threshold %g", c.FlagThreshold)
			}
		}},
		{"flag threshold from the environment", nil, map[string]string{"AFTERCART_FLAG_THRESHOLD": "4.5"}, false, func(t *testing.T, c app.Config) {
			if c.FlagThreshold != 4.5 {
				t.Errorf("flag threshold %g", c.FlagThreshold)
			}
		}},
		{"flag threshold flag wins", []string{"-flag-threshold", "2"}, map[string]string{"AFTERCART_FLAG_THRESHOLD": "4.5"}, false, func(t *testing.T, c app.Config) {
			if c.FlagThreshold != 2 {
				t.Errorf("flag threshold %g", c.FlagThreshold)
			}
		}},
		{"a zero flag threshold", []string{"-flag-threshold", "0"}, nil, true, nil},
		{"a negative flag threshold", nil, map[string]string{"AFTERCART_FLAG_THRESHOLD": "-1"}, true, nil},
		{"a flag threshold out of reach", []string{"-flag-threshold", "1000"}, nil, true, nil},
		{"an unparsable flag threshold", nil, map[string]string{"AFTERCART_FLAG_THRESHOLD": "three"}, true, nil},
		{"referrals: the program's defaults", nil, nil, false, func(t *testing.T, c app.Config) {
			r := c.Referrals
			if r.ShareURL != "" || r.ReferrerPoints != loyalty.DefaultReferrerPoints || r.FriendPoints != loyalty.DefaultFriendPoints || r.WeeklyCap != loyalty.DefaultWeeklyCap {
				t.Errorf("%+v", c.Referrals)
			}
		}},
		{"referrals from flags and the environment", []string{"-referral-share-url", "https://shop.example.com/r/{code}", "-referral-weekly-cap", "-1"},
			map[string]string{"AFTERCART_REFERRAL_FRIEND_POINTS": "250"}, false, func(t *testing.T, c app.Config) {
				if c.Referrals.ShareURL != "https://shop.example.com/r/{code}" || c.Referrals.WeeklyCap != -1 || c.Referrals.FriendPoints != 250 {
					t.Errorf("%+v", c.Referrals)
				}
			}},
		{"a share link that is no URL", []string{"-referral-share-url", "shop/{code}"}, nil, true, nil},
		{"a zero referral cap", []string{"-referral-weekly-cap", "0"}, nil, true, nil},
		{"a referral reward of no points", nil, map[string]string{"AFTERCART_REFERRAL_REFERRER_POINTS": "0"}, true, nil},
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
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v", err, c.wantErr)
			}
			if c.check != nil {
				c.check(t, m.Config)
			}
		})
	}
}
