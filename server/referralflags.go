package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/aftercart/aftercart/server/app"
	"github.com/aftercart/aftercart/server/loyalty"
)

// referralFlags are the referral program's settings (loyalty.ReferralConfig).
type referralFlags struct {
	shareURL                 *string
	referrerPoints, friendPt *int
	weeklyCap                *int
}

// maxReferralPoints bounds a referral reward, so a typo cannot mint a
// fortune per friend (loyalty.MaxAdjustment is the same bound for staff).
const maxReferralPoints = loyalty.MaxAdjustment

func addReferralFlags(fs *flag.FlagSet) referralFlags {
	return referralFlags{
		shareURL: fs.String("referral-share-url", env("AFTERCART_REFERRAL_SHARE_URL", ""),
			"the customer's share link: {code} is replaced by their referral code, or ref=<code> is added; default: this server's /demo/?ref={code} (env AFTERCART_REFERRAL_SHARE_URL)"),
		referrerPoints: fs.Int("referral-referrer-points", envInt("AFTERCART_REFERRAL_REFERRER_POINTS", loyalty.DefaultReferrerPoints),
			"points the referrer gets when a friend's first order is delivered and kept (env AFTERCART_REFERRAL_REFERRER_POINTS)"),
		friendPt: fs.Int("referral-friend-points", envInt("AFTERCART_REFERRAL_FRIEND_POINTS", loyalty.DefaultFriendPoints),
			"points the referred friend gets then (env AFTERCART_REFERRAL_FRIEND_POINTS)"),
		weeklyCap: fs.Int("referral-weekly-cap", envInt("AFTERCART_REFERRAL_WEEKLY_CAP", loyalty.DefaultWeeklyCap),
			"referral rewards one referrer is paid in 7 days before further ones are held for staff; -1: no cap (env AFTERCART_REFERRAL_WEEKLY_CAP)"),
	}
}

// apply stores the flags' values in c and returns what is wrong with them.
func (f referralFlags) apply(c *app.Config) []string {
	var ps []string
	if u := *f.shareURL; u != "" {
		p, err := url.Parse(strings.ReplaceAll(u, "{code}", "CODE"))
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			ps = append(ps, fmt.Sprintf("-referral-share-url (AFTERCART_REFERRAL_SHARE_URL) %q must be an http(s) URL, e.g. https://shop.example.com/r/{code}", u))
		}
	}
	for _, p := range []struct {
		name, env string
		v         int
	}{{"referral-referrer-points", "AFTERCART_REFERRAL_REFERRER_POINTS", *f.referrerPoints}, {"referral-friend-points", "AFTERCART_REFERRAL_FRIEND_POINTS", *f.friendPt}} {
		if p.v < 1 || p.v > maxReferralPoints {
			ps = append(ps, fmt.Sprintf("-%s (%s) is %d; must be between 1 and %d", p.name, p.env, p.v, maxReferralPoints))
		}
	}
	if *f.weeklyCap == 0 || *f.weeklyCap < -1 {
		ps = append(ps, fmt.Sprintf("-referral-weekly-cap (AFTERCART_REFERRAL_WEEKLY_CAP) is %d; must be 1 or more, or -1 for no cap", *f.weeklyCap))
	}
	c.Referrals = loyalty.ReferralConfig{ShareURL: *f.shareURL, ReferrerPoints: int64(*f.referrerPoints),
		FriendPoints: int64(*f.friendPt), WeeklyCap: *f.weeklyCap}
	return ps
}
